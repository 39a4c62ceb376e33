/**
 * Coordinates for the map widget. The API speaks WGS-84 (GPS); tiles from Chinese vendors
 * (AMap, Tencent) are drawn in GCJ-02, which is WGS-84 shifted by up to a few hundred
 * metres inside China. A pin on such tiles is converted for display and back when moved,
 * so what the API stores stays WGS-84.
 */

export interface LatLng {
  lat: number;
  lng: number;
}

/** A service area's outline as the widgets draw it. */
export interface MapOutline {
  code: string;
  label: string;
  /** GeoJSON polygon rings, `[lng, lat]`, WGS-84. */
  rings: number[][][];
}

/** Where a map looks when it has neither a pin nor an outline: Shanghai's centre. */
export const DEFAULT_CENTER: LatLng = Object.freeze({ lat: 31.2304, lng: 121.4737 });

/** The systems a tile layer may be drawn in. */
export type TileCrs = 'wgs84' | 'gcj02';

// The published parameters of the GCJ-02 transform (Krasovsky 1940 ellipsoid).
const A = 6378245.0;
const EE = 0.006693421622965943;

/** GCJ-02 shifts only points in mainland China (a rough box, as every implementation does). */
export function outsideChina({ lat, lng }: LatLng): boolean {
  return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function shiftLat(x: number, y: number): number {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  r += ((20 * Math.sin(y * Math.PI) + 40 * Math.sin((y / 3) * Math.PI)) * 2) / 3;
  r += ((160 * Math.sin((y / 12) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30)) * 2) / 3;
  return r;
}

function shiftLng(x: number, y: number): number {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  r += ((20 * Math.sin(x * Math.PI) + 40 * Math.sin((x / 3) * Math.PI)) * 2) / 3;
  r += ((150 * Math.sin((x / 12) * Math.PI) + 300 * Math.sin((x / 30) * Math.PI)) * 2) / 3;
  return r;
}

/** WGS-84 → GCJ-02. */
export function wgs84ToGcj02(p: LatLng): LatLng {
  if (outsideChina(p)) return { ...p };
  const x = p.lng - 105;
  const y = p.lat - 35;
  const radLat = (p.lat / 180) * Math.PI;
  let magic = Math.sin(radLat);
  magic = 1 - EE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  const dLat = (shiftLat(x, y) * 180) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
  const dLng = (shiftLng(x, y) * 180) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return { lat: p.lat + dLat, lng: p.lng + dLng };
}

/** GCJ-02 → WGS-84, by fixed-point iteration (to well under a centimetre). */
export function gcj02ToWgs84(p: LatLng): LatLng {
  if (outsideChina(p)) return { ...p };
  let guess = { ...p };
  for (let i = 0; i < 10; i++) {
    const back = wgs84ToGcj02(guess);
    const dLat = back.lat - p.lat;
    const dLng = back.lng - p.lng;
    guess = { lat: guess.lat - dLat, lng: guess.lng - dLng };
    if (Math.abs(dLat) < 1e-9 && Math.abs(dLng) < 1e-9) break;
  }
  return guess;
}

/** A WGS-84 point as drawn on tiles of `crs`, and back. */
export const toDisplay = (p: LatLng, crs: TileCrs): LatLng => (crs === 'gcj02' ? wgs84ToGcj02(p) : { ...p });
export const fromDisplay = (p: LatLng, crs: TileCrs): LatLng => (crs === 'gcj02' ? gcj02ToWgs84(p) : { ...p });

/** Great-circle distance in metres (for tests and "moved far" checks). */
export function distanceM(a: LatLng, b: LatLng): number {
  const R = 6_371_000;
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

/** The [south-west, north-east] corners around GeoJSON polygon rings (`[lng, lat]`). */
export function ringsBounds(rings: number[][][]): [LatLng, LatLng] | null {
  let s = Infinity;
  let w = Infinity;
  let n = -Infinity;
  let e = -Infinity;
  for (const ring of rings) {
    for (const [lng, lat] of ring) {
      s = Math.min(s, lat);
      n = Math.max(n, lat);
      w = Math.min(w, lng);
      e = Math.max(e, lng);
    }
  }
  return Number.isFinite(s) ? [{ lat: s, lng: w }, { lat: n, lng: e }] : null;
}
