/**
 * Lazily loaded parts of the map widgets, and the grey box shown while one loads or if it
 * cannot (offline, say). No Leaflet or AMap here: `./index.ts` imports this.
 */
import { defineAsyncComponent, h, type Component } from 'vue';

export const MapPlaceholder = { name: 'MapPlaceholder', render: () => h('div', { class: 'daojia-map daojia-map--placeholder', 'data-testid': 'map-loading' }) };

/** A component from its own chunk, the placeholder meanwhile or on failure. */
export function lazyWidget<T extends Component>(loader: () => Promise<T | { default: T }>): T {
  return defineAsyncComponent({ loader, loadingComponent: MapPlaceholder, errorComponent: MapPlaceholder, delay: 0 }) as T;
}
