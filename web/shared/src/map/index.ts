/**
 * The map widgets, loaded on first use: each is a small chunk fetched together with the
 * app's map settings (AMap key, tiles or the offline base map, `./settings.ts`; asked once
 * per app session), and then draws with AMap's JS API (loaded from AMap, `./amap.ts`) or
 * with Leaflet (its own chunk, with its styles), so only pages showing a map download
 * either. Import from `@daojia/shared/map`.
 */
import type MapViewType from './MapView.vue';
import type PolygonEditorType from './PolygonEditor.vue';
import { lazyWidget } from './lazy';
import { loadMapSettings } from './settings';

export * from './coords';
export * from './polygon';
export { OFFLINE_MAP, loadMapSettings, type AmapKey, type MapSettings } from './settings';

export const MapView = lazyWidget(() => Promise.all([import('./MapView.vue'), loadMapSettings()]).then(([m]) => m)) as typeof MapViewType;

/** The outline editor of a service area (console), loaded the same way. */
export const PolygonEditor = lazyWidget(() => Promise.all([import('./PolygonEditor.vue'), loadMapSettings()]).then(([m]) => m)) as typeof PolygonEditorType;

/** The service areas' outlines in the shape the map draws. */
export function areaOutlines(areas: { code: string; name: string; name_en: string; polygon: { coordinates: number[][][] } }[], locale: string) {
  return areas.map((a) => ({ code: a.code, label: locale === 'en' ? a.name_en : a.name, rings: a.polygon.coordinates }));
}
