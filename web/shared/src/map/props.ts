/** The props of the map widgets, the same whichever library draws them. */
import type { FeatureCollection } from 'geojson';
import type { LatLng, MapOutline, TileCrs } from './coords';
import type { Position } from './polygon';

/** `MapView`: one pin over the service areas' outlines. */
export interface MapViewProps {
  pin: LatLng | null;
  editable?: boolean;
  outlines?: MapOutline[];
  /** An offline base map instead of the app's (a FeatureCollection, `kind` district/road/river). */
  basemap?: FeatureCollection | null;
  /** Tiles instead of the app's (null: none, draw offline). Either means Leaflet, not AMap. */
  tileUrl?: string | null;
  tileCrs?: TileCrs;
  attribution?: string;
  zoom?: number;
  /** Highlight this outline (the area the pin is in). */
  activeOutline?: string | null;
}

/** `PolygonEditor`: one service area's outline. */
export interface PolygonEditorProps {
  /** The outline being edited, open (`[lng, lat]`, WGS-84). */
  ring: Position[];
  editable?: boolean;
  /** Other areas, drawn for reference. */
  outlines?: MapOutline[];
  /** Tiles instead of the app's (null: none, draw offline). Either means Leaflet, not AMap. */
  tileUrl?: string | null;
  tileCrs?: TileCrs;
  attribution?: string;
  /** Set when the ring has a problem: the outline turns red. */
  invalid?: boolean;
}
