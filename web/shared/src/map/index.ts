/**
 * The map widget, loaded on first use: Leaflet and its styles are a separate chunk that
 * only pages showing a map download, fetched together with the app's map settings (tiles
 * or the offline base map, `./settings.ts`; asked once per app session). Import from
 * `@daojia/shared/map`.
 */
import { defineAsyncComponent, h } from 'vue';
import type MapViewType from './MapView.vue';
import type PolygonEditorType from './PolygonEditor.vue';
import { loadMapSettings } from './settings';

export type { MapOutline } from './MapView.vue';
export * from './coords';
export * from './polygon';
export { OFFLINE_MAP, loadMapSettings, type MapSettings } from './settings';

/** A grey box while the map's chunk loads, and if it cannot load (offline, say). */
const Placeholder = { name: 'MapPlaceholder', render: () => h('div', { class: 'daojia-map daojia-map--placeholder', 'data-testid': 'map-loading' }) };

export const MapView = defineAsyncComponent({
  loader: () => Promise.all([import('./MapView.vue'), loadMapSettings()]).then(([m]) => m),
  loadingComponent: Placeholder,
  errorComponent: Placeholder,
  delay: 0,
}) as typeof MapViewType;

/** The outline editor of a service area (console), loaded the same way. */
export const PolygonEditor = defineAsyncComponent({
  loader: () => Promise.all([import('./PolygonEditor.vue'), loadMapSettings()]).then(([m]) => m),
  loadingComponent: Placeholder,
  errorComponent: Placeholder,
  delay: 0,
}) as typeof PolygonEditorType;

/** The service areas' outlines in the shape the map draws. */
export function areaOutlines(areas: { code: string; name: string; name_en: string; polygon: { coordinates: number[][][] } }[], locale: string) {
  return areas.map((a) => ({ code: a.code, label: locale === 'en' ? a.name_en : a.name, rings: a.polygon.coordinates }));
}
