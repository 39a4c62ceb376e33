/**
 * What the widgets draw under their own layers (Leaflet; imported only by the lazily loaded
 * widgets): the configured tiles, or the offline base map.
 */
import L from 'leaflet';
import type { Feature, FeatureCollection } from 'geojson';
import type { LatLng } from './coords';
import { basemapLayers, basemapStyle, escapeHtml, type MapSettings } from './settings';

/** Adds the tiles to `map`, or marks `el` as an offline map (a plain background). */
export function drawTiles(map: L.Map, el: HTMLElement, s: MapSettings): void {
  if (s.tileUrl) L.tileLayer(s.tileUrl, { maxZoom: 19, attribution: escapeHtml(s.attribution) }).addTo(map);
  else el.classList.add('is-offline');
}

export interface BasemapOptions {
  /** Draw the base map's districts (outlined, with their names). */
  districts: boolean;
  /** District codes not to label (the widget draws and labels those outlines itself). */
  unlabelled?: Set<string>;
  /** A district's name in the current language. */
  label?: (f: Feature) => string;
  /** A WGS-84 point as drawn. */
  display: (p: LatLng) => L.LatLngExpression;
}

const PANE = 'daojiaBase';

/**
 * Draws the offline base map (when there are no tiles and the server has one) in its own
 * pane under the widget's outlines and pins, and returns its layer (to remove it, or to
 * frame an empty map by its bounds).
 */
export function drawBasemap(map: L.Map, s: MapSettings, opts: BasemapOptions): L.GeoJSON | null {
  if (s.tileUrl || !s.basemap) return null;
  const features = basemapLayers(s.basemap, { districts: opts.districts });
  if (features.length === 0) return null;
  if (!map.getPane(PANE)) {
    const pane = map.createPane(PANE);
    pane.style.zIndex = '350';
    pane.style.pointerEvents = 'none';
  }
  const collection: FeatureCollection = { type: 'FeatureCollection', features };
  return L.geoJSON(collection, {
    pane: PANE,
    coordsToLatLng: (c) => L.latLng(opts.display({ lat: c[1], lng: c[0] }) as [number, number]),
    style: (f) => ({ ...basemapStyle(f?.properties?.kind), interactive: false }),
    onEachFeature: (f, layer) => {
      if (f.properties?.kind !== 'district' || !opts.label) return;
      if (opts.unlabelled?.has(String(f.properties.code ?? ''))) return;
      const name = opts.label(f);
      if (name) layer.bindTooltip(name, { permanent: true, direction: 'center', className: 'daojia-map-label daojia-map-label--muted' });
    },
  }).addTo(map);
}
