/**
 * What the maps of an app draw under pins and outlines, from the server: AMap's own map when
 * `[map] amap_js_key` is set (`./amap.ts`; what follows is then the fallback), tiles when
 * `[map] tile_url` is set (`GET /api/v1/public/config`), else the demo city's offline base
 * map (`GET /api/v1/public/basemap`: districts, roads, the river) when it has one, else
 * nothing (the widgets then draw the service areas' outlines alone). Loaded the first time
 * a map is shown and kept for the rest of the app's session; a failed load is not kept, so
 * the next map tries again, and never stops a map from showing.
 *
 * No Leaflet here: this module is in the apps' first bundle (the widgets are not).
 */
import createClient from 'openapi-fetch';
import type { Feature, FeatureCollection } from 'geojson';
import type { paths } from '../api/schema';
import type { TileCrs } from './coords';

/** An AMap JS API key and the security code (安全密钥) paired with it. */
export interface AmapKey {
  key: string;
  securityCode: string | null;
}

export interface MapSettings {
  /** Draw with AMap's JS API (GCJ-02) when set; the rest is what Leaflet draws if it fails. */
  amap: AmapKey | null;
  /** Tile URL template (`{z}/{x}/{y}`), or null to draw offline. */
  tileUrl: string | null;
  /** The tiles' coordinate system (pins are converted for GCJ-02 tiles). */
  tileCrs: TileCrs;
  /** Attribution shown with the tiles, as plain text. */
  attribution: string;
  /** The offline base map (WGS-84), when there are no tiles and the server has one. */
  basemap: FeatureCollection | null;
}

/** No tiles, no base map: the widgets draw the service areas' outlines alone. */
export const OFFLINE_MAP: MapSettings = Object.freeze({ amap: null, tileUrl: null, tileCrs: 'wgs84', attribution: '', basemap: null });

/** The `map` part of the public config, read defensively (an older server has none). */
export function readMapConfig(config: unknown): { amap: AmapKey | null; tileUrl: string | null; tileCrs: TileCrs; attribution: string; basemap: boolean } {
  const m = (config && typeof config === 'object' ? (config as { map?: unknown }).map : null) as Record<string, unknown> | null | undefined;
  if (!m || typeof m !== 'object') return { amap: null, tileUrl: null, tileCrs: 'wgs84', attribution: '', basemap: false };
  const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);
  const url = text(m.tile_url);
  const key = text(m.amap_js_key);
  return {
    amap: key ? { key, securityCode: text(m.amap_security_code) } : null,
    tileUrl: url,
    tileCrs: m.tile_coord === 'gcj02' ? 'gcj02' : 'wgs84',
    attribution: typeof m.attribution === 'string' ? m.attribution : '',
    basemap: m.basemap === true,
  };
}

const KINDS = new Set(['district', 'road', 'ring', 'elevated', 'river']);
const GEOMETRIES = new Set(['Polygon', 'MultiPolygon', 'LineString', 'MultiLineString']);

/**
 * The base map's features the widgets know how to draw (districts, roads, rings and
 * elevated roads, rivers; polygons and lines), or null when `raw` is not a FeatureCollection.
 */
export function readBasemap(raw: unknown): FeatureCollection | null {
  if (!raw || typeof raw !== 'object') return null;
  const fc = raw as { type?: unknown; features?: unknown };
  if (fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) return null;
  const features = (fc.features as unknown[]).filter((f): f is Feature => {
    if (!f || typeof f !== 'object') return false;
    const x = f as { type?: unknown; properties?: { kind?: unknown } | null; geometry?: { type?: unknown; coordinates?: unknown } | null };
    return (
      x.type === 'Feature' &&
      typeof x.properties?.kind === 'string' &&
      KINDS.has(x.properties.kind) &&
      typeof x.geometry?.type === 'string' &&
      GEOMETRIES.has(x.geometry.type) &&
      Array.isArray(x.geometry.coordinates)
    );
  });
  return { type: 'FeatureCollection', features };
}

/** Where the settings come from (the public API; fakes in tests). Both may throw. */
export interface MapSources {
  config: () => Promise<unknown>;
  basemap: () => Promise<unknown>;
}

/**
 * A loader of the settings, asked once and kept: never rejects (a failure gives what could
 * be had, usually `OFFLINE_MAP`), and a failed part is asked again by the next call.
 */
export function mapSettingsLoader(sources: MapSources): () => Promise<MapSettings> {
  let kept: Promise<MapSettings> | null = null;
  const load = async (): Promise<MapSettings> => {
    let config;
    try {
      config = readMapConfig(await sources.config());
    } catch {
      kept = null;
      return OFFLINE_MAP;
    }
    // With AMap configured the base map is still fetched: it is what a failed AMap falls back to.
    const { basemap: hasBasemap, ...tiles } = config;
    if (tiles.tileUrl || !hasBasemap) return { ...tiles, basemap: null };
    try {
      return { ...tiles, basemap: readBasemap(await sources.basemap()) };
    } catch {
      kept = null;
      return { ...tiles, basemap: null };
    }
  };
  return () => (kept ??= load());
}

// Public endpoints only, same origin: no tokens involved.
const publicApi = createClient<paths>({ baseUrl: '' });

async function getJson(path: '/api/v1/public/config' | '/api/v1/public/basemap'): Promise<unknown> {
  const { data, response } = await publicApi.GET(path);
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return data;
}

/** The app's map settings (see the module's comment). */
export const loadMapSettings = mapSettingsLoader({
  config: () => getJson('/api/v1/public/config'),
  basemap: () => getJson('/api/v1/public/basemap'),
});

/** Leaflet writes attributions as HTML: ours are text. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** How a base map feature is drawn (Leaflet path options), by its `kind`. */
export function basemapStyle(kind: unknown): { color: string; weight: number; opacity?: number; fill?: boolean; fillOpacity?: number; dashArray?: string } {
  switch (kind) {
    case 'river':
      return { color: '#8ec5ff', weight: 6, opacity: 0.9, fillOpacity: 0.8 };
    case 'district':
      return { color: '#b4bac3', weight: 1, opacity: 0.9, fill: false, dashArray: '4 3' };
    case 'ring':
    case 'elevated':
      return { color: '#f5cf7a', weight: 5, opacity: 1 };
    default:
      return { color: '#ffffff', weight: 4, opacity: 1 };
  }
}

/** Which base map features to draw and in what order: districts, then the river, then roads on top. */
export function basemapLayers(fc: FeatureCollection, opts: { districts: boolean }): Feature[] {
  const rank = (f: Feature): number => {
    const k = f.properties?.kind;
    return k === 'district' ? 0 : k === 'river' ? 1 : k === 'road' ? 2 : 3;
  };
  return fc.features.filter((f) => opts.districts || f.properties?.kind !== 'district').sort((a, b) => rank(a) - rank(b));
}

/**
 * What a widget given these props draws: its own tiles or base map when given, else the
 * app's. Tiles of its own (or none: `tileUrl` null) also mean Leaflet, not AMap.
 */
export function resolveMapSettings(
  app: MapSettings,
  own: { tileUrl?: string | null; tileCrs?: TileCrs; attribution?: string; basemap?: FeatureCollection | null },
): MapSettings {
  if (own.tileUrl !== undefined) {
    return { amap: null, tileUrl: own.tileUrl || null, tileCrs: own.tileCrs ?? 'wgs84', attribution: own.attribution ?? '', basemap: own.basemap ?? null };
  }
  return own.basemap !== undefined ? { ...app, basemap: app.tileUrl ? null : own.basemap } : app;
}
