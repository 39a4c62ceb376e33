import { describe, expect, it, vi } from 'vitest';
import type { FeatureCollection } from 'geojson';
import {
  OFFLINE_MAP,
  basemapLayers,
  basemapStyle,
  escapeHtml,
  mapSettingsLoader,
  readBasemap,
  readMapConfig,
  resolveMapSettings,
} from '../src/map/settings';

const line = (kind: string, name = kind) => ({
  type: 'Feature',
  properties: { kind, name, name_en: name },
  geometry: { type: 'LineString', coordinates: [[121.4, 31.2], [121.5, 31.25]] },
});
const district = (code: string) => ({
  type: 'Feature',
  properties: { kind: 'district', code, name: code, name_en: code },
  geometry: { type: 'Polygon', coordinates: [[[121.4, 31.2], [121.5, 31.2], [121.5, 31.3], [121.4, 31.2]]] },
});
const city = { type: 'FeatureCollection', features: [line('road'), line('river'), district('sh-xuhui'), line('ring')] };

describe('the map part of the public config', () => {
  it('reads tiles, their coordinate system and attribution', () => {
    expect(readMapConfig({ map: { tile_url: ' https://t.example/{z}/{x}/{y}.png ', tile_coord: 'gcj02', attribution: '© X', basemap: false } })).toEqual({
      amap: null,
      tileUrl: 'https://t.example/{z}/{x}/{y}.png',
      tileCrs: 'gcj02',
      attribution: '© X',
      basemap: false,
    });
  });

  it('means offline when there are no tiles, and copes with an older server', () => {
    expect(readMapConfig({ map: { tile_url: null, tile_coord: 'wgs84', attribution: null, basemap: true } })).toEqual({ amap: null, tileUrl: null, tileCrs: 'wgs84', attribution: '', basemap: true });
    expect(readMapConfig({ map: { tile_url: '', tile_coord: 'bd09', basemap: 'yes' } })).toEqual({ amap: null, tileUrl: null, tileCrs: 'wgs84', attribution: '', basemap: false });
    expect(readMapConfig({ demo: true })).toEqual({ amap: null, tileUrl: null, tileCrs: 'wgs84', attribution: '', basemap: false });
    expect(readMapConfig(null).basemap).toBe(false);
  });

  it('reads an AMap key and its security code, when there is a key', () => {
    expect(readMapConfig({ map: { tile_coord: 'wgs84', basemap: true, amap_js_key: ' k3y ', amap_security_code: 'c0de' } }).amap).toEqual({ key: 'k3y', securityCode: 'c0de' });
    expect(readMapConfig({ map: { tile_coord: 'wgs84', basemap: true, amap_js_key: 'k3y', amap_security_code: null } }).amap).toEqual({ key: 'k3y', securityCode: null });
    expect(readMapConfig({ map: { tile_coord: 'wgs84', basemap: true, amap_js_key: '', amap_security_code: 'c0de' } }).amap).toBeNull();
    expect(readMapConfig({ map: { tile_coord: 'wgs84', basemap: true, amap_js_key: 42 } }).amap).toBeNull();
  });
});

describe('the offline base map', () => {
  it('keeps the features it can draw', () => {
    const fc = readBasemap({
      type: 'FeatureCollection',
      features: [line('road'), line('subway'), { type: 'Feature', properties: { kind: 'road' }, geometry: { type: 'Point', coordinates: [1, 2] } }, null, district('a')],
    });
    expect(fc?.features.map((f) => f.properties?.kind)).toEqual(['road', 'district']);
  });

  it('is nothing when the answer is not a FeatureCollection', () => {
    expect(readBasemap({ type: 'Feature' })).toBeNull();
    expect(readBasemap('nope')).toBeNull();
    expect(readBasemap({ type: 'FeatureCollection' })).toBeNull();
  });

  it('draws districts first, then the river, then roads, and can leave districts out', () => {
    const fc = readBasemap(city)!;
    expect(basemapLayers(fc, { districts: true }).map((f) => f.properties?.kind)).toEqual(['district', 'river', 'road', 'ring']);
    expect(basemapLayers(fc, { districts: false }).map((f) => f.properties?.kind)).toEqual(['river', 'road', 'ring']);
  });

  it('draws the river blue, districts as outlines and roads as lines', () => {
    expect(basemapStyle('river').color).toBe('#8ec5ff');
    expect(basemapStyle('district').fill).toBe(false);
    expect(basemapStyle('road').fill).toBeUndefined();
    expect(basemapStyle('elevated').weight).toBeGreaterThan(basemapStyle('road').weight);
    expect(basemapStyle(undefined)).toEqual(basemapStyle('road'));
  });
});

describe('loading the settings', () => {
  const config = (map: object) => ({ demo: true, default_locale: 'zh-CN', version: '0', map });

  it('asks once per session, and for the base map only when there are no tiles', async () => {
    const sources = { config: vi.fn(async () => config({ tile_url: null, tile_coord: 'wgs84', basemap: true })), basemap: vi.fn(async () => city) };
    const load = mapSettingsLoader(sources);
    const [a, b] = await Promise.all([load(), load()]);
    expect(a).toBe(b);
    expect(a.tileUrl).toBeNull();
    expect(a.basemap?.features).toHaveLength(4);
    await load();
    expect(sources.config).toHaveBeenCalledTimes(1);
    expect(sources.basemap).toHaveBeenCalledTimes(1);

    const tiled = { config: vi.fn(async () => config({ tile_url: 'https://t/{z}/{x}/{y}', tile_coord: 'gcj02', attribution: 'A', basemap: true })), basemap: vi.fn(async () => city) };
    expect(await mapSettingsLoader(tiled)()).toEqual({ amap: null, tileUrl: 'https://t/{z}/{x}/{y}', tileCrs: 'gcj02', attribution: 'A', basemap: null });
    expect(tiled.basemap).not.toHaveBeenCalled();

    // AMap configured: the base map is still fetched, for when AMap fails.
    const amap = { config: vi.fn(async () => config({ tile_coord: 'wgs84', basemap: true, amap_js_key: 'k' })), basemap: vi.fn(async () => city) };
    const withAmap = await mapSettingsLoader(amap)();
    expect(withAmap.amap).toEqual({ key: 'k', securityCode: null });
    expect(withAmap.basemap?.features).toHaveLength(4);

    const plain = { config: vi.fn(async () => config({ tile_coord: 'wgs84', basemap: false })), basemap: vi.fn(async () => city) };
    expect(await mapSettingsLoader(plain)()).toEqual(OFFLINE_MAP);
    expect(plain.basemap).not.toHaveBeenCalled();
  });

  it('never fails, and asks again after a failure', async () => {
    let up = false;
    const sources = {
      config: vi.fn(async () => {
        if (!up) throw new Error('offline');
        return config({ tile_coord: 'wgs84', basemap: true });
      }),
      basemap: vi.fn(async () => city),
    };
    const load = mapSettingsLoader(sources);
    expect(await load()).toEqual(OFFLINE_MAP);
    up = true;
    expect((await load()).basemap?.features).toHaveLength(4);
    expect(sources.config).toHaveBeenCalledTimes(2);
  });

  it('shows the map without the base map when only that fails, and tries it again next time', async () => {
    const basemap = vi.fn().mockRejectedValueOnce(new Error('404')).mockResolvedValue(city);
    const load = mapSettingsLoader({ config: async () => config({ tile_coord: 'wgs84', basemap: true }), basemap });
    expect((await load()).basemap).toBeNull();
    expect((await load()).basemap?.features).toHaveLength(4);
    expect(basemap).toHaveBeenCalledTimes(2);
  });
});

describe('a widget with its own settings', () => {
  const fc: FeatureCollection = { type: 'FeatureCollection', features: [] };
  const app = { amap: null, tileUrl: null, tileCrs: 'wgs84' as const, attribution: '', basemap: readBasemap(city) };

  it('uses the app settings unless given tiles or a base map', () => {
    expect(resolveMapSettings(app, {})).toBe(app);
    expect(resolveMapSettings(app, { basemap: fc }).basemap).toBe(fc);
    expect(resolveMapSettings(app, { tileUrl: 'https://t/{z}/{x}/{y}', tileCrs: 'gcj02' })).toEqual({ amap: null, tileUrl: 'https://t/{z}/{x}/{y}', tileCrs: 'gcj02', attribution: '', basemap: null });
    expect(resolveMapSettings(app, { tileUrl: null })).toEqual(OFFLINE_MAP);
    expect(resolveMapSettings({ ...app, tileUrl: 'https://t/{z}/{x}/{y}' }, { basemap: fc }).basemap).toBeNull();
  });

  it('keeps the app\'s AMap unless given tiles (or none) of its own', () => {
    const amap = { ...app, amap: { key: 'k', securityCode: null } };
    expect(resolveMapSettings(amap, {}).amap).toEqual({ key: 'k', securityCode: null });
    expect(resolveMapSettings(amap, { basemap: fc }).amap).toEqual({ key: 'k', securityCode: null });
    expect(resolveMapSettings(amap, { tileUrl: 'https://t/{z}/{x}/{y}' }).amap).toBeNull();
    expect(resolveMapSettings(amap, { tileUrl: null }).amap).toBeNull();
  });
});

it('writes attributions as text', () => {
  expect(escapeHtml('© <a href="x">OSM</a> & co')).toBe('© &lt;a href=&quot;x&quot;&gt;OSM&lt;/a&gt; &amp; co');
});
