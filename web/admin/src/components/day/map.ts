/** What a page draws on the shared city map (`CityMap.vue`). */
import type { LatLng } from '@daojia/shared/map';

/** A line (a route). */
export interface MapLine {
  points: LatLng[];
  color: string;
  weight?: number;
  opacity?: number;
  dashed?: boolean;
}

/** A marker drawn as HTML (a numbered stop, a worker, an order); `key` comes back on a click. */
export interface MapMarker {
  key: string;
  at: LatLng;
  html: string;
  className: string;
  size: number;
  tooltip: string;
  opacity?: number;
}
