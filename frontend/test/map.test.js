// Cutting Natural Earth shapes to the region and simplifying them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { clipRing, clipLine, simplify, buildRegion } from "../scripts/map.js";
import { readFileSync } from "node:fs";

const box = [0, 0, 10, 10];

test("a ring is cut to the box and stays closed", () => {
  assert.deepEqual(clipRing([[-5, -5], [5, -5], [5, 5], [-5, 5], [-5, -5]], box), [[0, 0], [5, 0], [5, 5], [0, 5], [0, 0]]);
  assert.equal(clipRing([[20, 20], [21, 20], [21, 21], [20, 20]], box), null);
});

test("a line leaving and re-entering the box gives two pieces", () => {
  assert.deepEqual(clipLine([[5, 5], [5, 15], [8, 15], [8, 5]], box), [[[5, 5], [5, 10]], [[8, 10], [8, 5]]]);
});

test("simplification drops points closer than the tolerance, keeps the ends", () => {
  assert.deepEqual(simplify([[0, 0], [1, 0.001], [2, 0], [3, 1]], 0.01), [[0, 0], [2, 0], [3, 1]]);
});

test("the configured region has Iraq, its borders and a named Tigris", () => {
  const config = JSON.parse(readFileSync(new URL("../map.config.json", import.meta.url), "utf8"));
  const region = buildRegion(config);
  const names = new Set(region.features.map((f) => f.properties.name));
  for (const name of ["Iraq", "Syria", "Iraq–Syria border", "Tigris", "Euphrates"]) assert.ok(names.has(name), name);
  const [west, south, east, north] = region.bbox;
  for (const feature of region.features) {
    const flat = JSON.stringify(feature.geometry.coordinates).match(/-?\d+(\.\d+)?/g).map(Number);
    for (let i = 0; i < flat.length; i += 2) {
      assert.ok(flat[i] >= west && flat[i] <= east && flat[i + 1] >= south && flat[i + 1] <= north, feature.id);
    }
  }
  assert.throws(() => buildRegion({ ...config, region: { west: 5, south: 0, east: 1, north: 1 } }), /map\.config\.json: region/);
});
