/**
 * A service area's outline as the console edits it: one ring of `[lng, lat]` positions
 * (WGS-84), kept open while editing (the first corner is not repeated) and closed when it
 * goes to the API, which wants GeoJSON rings closed. The checks mirror the server's, so the
 * editor can say what is wrong before saving; the server stays the judge.
 */
import { outsideChina } from './coords';

/** A position, GeoJSON order: longitude first. */
export type Position = [number, number];

/** What is wrong with a ring, as the server's field error codes. */
export type RingProblem = 'too_few_points' | 'out_of_bounds' | 'self_intersecting' | 'empty';

const same = (a: Position, b: Position): boolean => a[0] === b[0] && a[1] === b[1];

/** The ring without its closing position (and without repeated neighbours). */
export function openRing(ring: readonly (readonly number[])[]): Position[] {
  const out: Position[] = [];
  for (const p of ring) {
    const q: Position = [Number(p[0]), Number(p[1])];
    if (out.length === 0 || !same(out[out.length - 1], q)) out.push(q);
  }
  if (out.length > 1 && same(out[0], out[out.length - 1])) out.pop();
  return out;
}

/** The ring closed, as GeoJSON and the API want it. */
export function closeRing(ring: readonly Position[]): Position[] {
  const open = openRing(ring);
  return open.length === 0 ? [] : [...open, [open[0][0], open[0][1]]];
}

function orient(a: Position, b: Position, c: Position): number {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

function onSegment(a: Position, b: Position, p: Position): boolean {
  return p[0] >= Math.min(a[0], b[0]) && p[0] <= Math.max(a[0], b[0]) && p[1] >= Math.min(a[1], b[1]) && p[1] <= Math.max(a[1], b[1]);
}

function touch(a: Position, b: Position, c: Position, d: Position): boolean {
  const d1 = orient(c, d, a);
  const d2 = orient(c, d, b);
  const d3 = orient(a, b, c);
  const d4 = orient(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  return (d1 === 0 && onSegment(c, d, a)) || (d2 === 0 && onSegment(c, d, b)) || (d3 === 0 && onSegment(a, b, c)) || (d4 === 0 && onSegment(a, b, d));
}

/** The first two edges (by the index of their first corner) that cross, or null. */
export function selfCrossing(ring: readonly Position[]): [number, number] | null {
  const open = openRing(ring);
  const n = open.length;
  if (n < 3) return null;
  for (let i = 0; i < n; i++) {
    const a = open[i];
    const b = open[(i + 1) % n];
    for (let j = i + 1; j < n; j++) {
      const c = open[j];
      const d = open[(j + 1) % n];
      const adjacent = j === i + 1 || (i === 0 && j === n - 1);
      if (adjacent) {
        // Neighbours share a corner; folding straight back over the other edge still counts.
        const [shared, p, q] = j === i + 1 ? [b, a, d] : [a, b, c];
        const dot = (p[0] - shared[0]) * (q[0] - shared[0]) + (p[1] - shared[1]) * (q[1] - shared[1]);
        if (orient(shared, p, q) === 0 && dot > 0) return [i, j];
        continue;
      }
      if (touch(a, b, c, d)) return [i, j];
    }
  }
  return null;
}

/** Twice the signed planar area (positive when counter-clockwise). */
export function signedArea(ring: readonly Position[]): number {
  const open = openRing(ring);
  let s = 0;
  for (let i = 0; i < open.length; i++) {
    const p = open[i];
    const q = open[(i + 1) % open.length];
    s += p[0] * q[1] - q[0] * p[1];
  }
  return s;
}

/** What is wrong with an outline, or null when the server should take it. */
export function ringProblem(ring: readonly Position[]): RingProblem | null {
  const open = openRing(ring);
  if (open.length < 3) return 'too_few_points';
  if (open.some(([lng, lat]) => !Number.isFinite(lng) || !Number.isFinite(lat) || outsideChina({ lat, lng }))) return 'out_of_bounds';
  if (selfCrossing(open)) return 'self_intersecting';
  if (Math.abs(signedArea(open)) < 1e-10) return 'empty';
  return null;
}

/** A new ring with a corner inserted after corner `after` (at the end for -1 or past it). */
export function insertVertex(ring: readonly Position[], after: number, p: Position): Position[] {
  const out = [...ring];
  const at = after < 0 || after >= ring.length ? ring.length : after + 1;
  out.splice(at, 0, p);
  return out;
}

/** A new ring with corner `i` moved to `p`. */
export function moveVertex(ring: readonly Position[], i: number, p: Position): Position[] {
  return ring.map((q, k) => (k === i ? p : q));
}

/** A new ring without corner `i`. */
export function removeVertex(ring: readonly Position[], i: number): Position[] {
  return ring.filter((_, k) => k !== i);
}

/** The middle of each edge, where a new corner can be pulled out. */
export function midpoints(ring: readonly Position[]): Position[] {
  const n = ring.length;
  if (n < 2) return [];
  const edges = n < 3 ? n - 1 : n;
  return Array.from({ length: edges }, (_, i) => {
    const a = ring[i];
    const b = ring[(i + 1) % n];
    return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2] as Position;
  });
}

/** One area found in an uploaded GeoJSON file. */
export interface ImportedArea {
  code: string | null;
  name: string | null;
  ring: Position[];
  problem: RingProblem | 'not_a_polygon' | 'no_code' | null;
}

/**
 * The areas in a GeoJSON `Feature` or `FeatureCollection` (what the console previews before
 * uploading it to the import endpoint). Throws on text that is not GeoJSON.
 */
export function readAreasGeoJson(text: string): ImportedArea[] {
  const doc = JSON.parse(text) as { type?: string; features?: unknown[] };
  const features = doc.type === 'FeatureCollection' ? (doc.features ?? []) : doc.type === 'Feature' ? [doc] : null;
  if (!features) throw new Error('not a GeoJSON Feature or FeatureCollection');
  return features.map((f) => {
    const feature = f as { properties?: Record<string, unknown> | null; geometry?: { type?: string; coordinates?: unknown } | null };
    const props = feature.properties ?? {};
    const code = typeof props.code === 'string' && props.code ? props.code : null;
    const name = typeof props.name === 'string' ? props.name : null;
    const g = feature.geometry;
    if (g?.type !== 'Polygon' || !Array.isArray(g.coordinates) || !Array.isArray(g.coordinates[0])) {
      return { code, name, ring: [], problem: 'not_a_polygon' };
    }
    const ring = openRing(g.coordinates[0] as number[][]);
    return { code, name, ring, problem: code ? ringProblem(ring) : 'no_code' };
  });
}
