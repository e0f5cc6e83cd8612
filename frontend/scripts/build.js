// `npm run build`: writes the browser assets into src/conflictkg/web/static/build/
// (generated, git-ignored): the editor bundle, its licence notices, the region's map data,
// axe-core for the accessibility tests, and manifest.json listing each file with its size.

import { build } from "esbuild";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildRegion } from "./map.js";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const out = resolve(process.env.CKG_ASSETS_DIR || join(root, "..", "src", "conflictkg", "web", "static", "build"));

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "map"), { recursive: true });

const bundled = await build({
  entryPoints: [join(root, "src", "index.js")],
  outfile: join(out, "editor.js"),
  bundle: true,
  format: "iife",
  globalName: "ckgEditor",
  minify: true,
  target: ["es2020"],
  metafile: true,
  banner: { js: "/* conflictkg SPARQL editor; bundled packages and their licences: editor.js.LICENSES.txt */" },
  logLevel: "warning",
});
writeFileSync(join(out, "editor.js.LICENSES.txt"), licences(Object.keys(bundled.metafile.inputs)));

/** The name, version, licence and licence text of every npm package in the bundle. */
function licences(inputs) {
  const packages = new Set();
  for (const input of inputs) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packages.add(match[1]);
  }
  const parts = ["The SPARQL editor bundle (editor.js) contains these npm packages.\n"];
  for (const name of [...packages].sort()) {
    const dir = join(root, "node_modules", name);
    const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
    if (!file) throw new Error(`${name}: no LICENSE file in ${dir}; its licence must ship with the bundle`);
    parts.push(`${"=".repeat(72)}\n${name}@${meta.version} (${meta.license})\n\n${readFileSync(join(dir, file), "utf8").trim()}\n`);
  }
  return parts.join("\n");
}

const config = JSON.parse(readFileSync(join(root, "map.config.json"), "utf8"));
const region = buildRegion(config);
writeFileSync(join(out, "map", "region.geojson"), JSON.stringify(region));

copyFileSync(require.resolve("axe-core/axe.min.js"), join(out, "axe.min.js"));

const files = {};
for (const name of ["editor.js", "editor.js.LICENSES.txt", "map/region.geojson", "axe.min.js"]) {
  const path = join(out, name);
  const bytes = readFileSync(path);
  files[name] = { bytes: statSync(path).size, sha256: createHash("sha256").update(bytes).digest("hex") };
}
const lock = readFileSync(join(root, "package-lock.json"));
writeFileSync(
  join(out, "manifest.json"),
  JSON.stringify(
    {
      generator: "frontend/scripts/build.js",
      package_lock_sha256: createHash("sha256").update(lock).digest("hex"),
      files,
      map: region.metadata,
    },
    null,
    2,
  ) + "\n",
);
for (const [name, info] of Object.entries(files)) {
  console.log(`${relative(process.cwd(), join(out, name))}  ${(info.bytes / 1024).toFixed(1)} KiB`);
}
console.log(`map layers: ${JSON.stringify(region.metadata.counts)}`);
