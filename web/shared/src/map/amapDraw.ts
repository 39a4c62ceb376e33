/**
 * The widgets drawn with AMap (`./amap.ts` loads it): a map with one pin (`AmapPinMap`, for
 * `MapView`) and an outline editor (`AmapRingEditor`, for `PolygonEditor`), doing what the
 * Leaflet ones do. AMap draws in GCJ-02 and our API speaks WGS-84: every position is
 * converted here, on the way in (`toAmap`) and on the way out (`fromAmap`), and nowhere
 * else. Imported only by the lazily loaded AMap components.
 */
import { DEFAULT_CENTER, gcj02ToWgs84, ringsBounds, wgs84ToGcj02, type LatLng, type MapOutline } from './coords';
import { insertVertex, midpoints, moveVertex, removeVertex, type Position } from './polygon';
import type { AmapLngLat, AmapMapInstance, AmapMarker, AmapNamespace, AmapOverlay } from './amap';

/** A WGS-84 point as AMap's `[lng, lat]` (GCJ-02). */
export function toAmap(p: LatLng): [number, number] {
  const g = wgs84ToGcj02(p);
  return [g.lng, g.lat];
}

/** An AMap position (GCJ-02) as a WGS-84 point. */
export function fromAmap(ll: AmapLngLat): LatLng {
  return gcj02ToWgs84({ lat: ll.getLat(), lng: ll.getLng() });
}

const ringPath = (ring: number[][]): [number, number][] => ring.map((c) => toAmap({ lat: c[1], lng: c[0] }));

/** A GeoJSON polygon's rings as an AMap polygon path (one ring, or the outer ring and its holes). */
function polygonPath(rings: number[][][]): [number, number][] | [number, number][][] {
  return rings.length === 1 ? ringPath(rings[0]) : rings.map(ringPath);
}

/**
 * Waits for the map's first view (its `complete` event), for `ms` at most: a bad key never
 * gets there. `stop` ends the wait (the map is gone) without settling.
 */
function whenComplete(map: AmapMapInstance, ms: number): { done: Promise<void>; stop: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<void>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`AMap: the map did not finish loading in ${ms} ms (is the key valid for this site?)`)), ms);
    map.on('complete', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  // Settled whether or not anyone asks (`ready()`), so an unasked failure is not unhandled.
  done.catch(() => undefined);
  return { done, stop: () => clearTimeout(timer) };
}

/** How long a new map may take to show its first view before the widget gives up on AMap. */
export const AMAP_COMPLETE_TIMEOUT_MS = 10_000;

const PIN_HTML =
  '<div class="daojia-pin" style="width:28px;height:40px"><span class="daojia-pin__head"></span><span class="daojia-pin__tip"></span></div>';

export interface PinMapOptions {
  pin: LatLng | null;
  editable: boolean;
  zoom: number;
  outlines: MapOutline[];
  activeOutline: string | null;
  /** A pin the user dropped or dragged, WGS-84. */
  onPin: (p: LatLng) => void;
}

/** `MapView` with AMap: one pin, dropped with a tap or dragged when editable, and outlines. */
export class AmapPinMap {
  private readonly map: AmapMapInstance;
  private marker: AmapMarker | null = null;
  private outlines: AmapOverlay[] = [];
  private readonly completed: { done: Promise<void>; stop: () => void };

  constructor(
    private readonly AMap: AmapNamespace,
    el: HTMLElement,
    private readonly opts: PinMapOptions,
  ) {
    this.map = new AMap.Map(el, { zoom: opts.pin ? opts.zoom : 11, center: toAmap(opts.pin ?? DEFAULT_CENTER) });
    this.completed = whenComplete(this.map, AMAP_COMPLETE_TIMEOUT_MS);
    this.setOutlines(opts.outlines, opts.activeOutline);
    if (!opts.pin) {
      const b = ringsBounds(opts.outlines.flatMap((o) => o.rings));
      if (b) this.map.setBounds(new AMap.Bounds(toAmap(b[0]), toAmap(b[1])));
    }
    this.placePin(opts.pin);
    if (opts.editable) {
      this.map.on('click', (e) => {
        const p = fromAmap(e.lnglat);
        this.placePin(p);
        opts.onPin(p);
      });
    }
  }

  /** Resolves once the map has shown its first view (see `AMAP_COMPLETE_TIMEOUT_MS`). */
  ready(): Promise<void> {
    return this.completed.done;
  }

  private placePin(p: LatLng | null): void {
    if (!p) {
      if (this.marker) this.map.remove(this.marker);
      this.marker = null;
      return;
    }
    if (this.marker) {
      this.marker.setPosition(toAmap(p));
      return;
    }
    const marker = new this.AMap.Marker({ position: toAmap(p), content: PIN_HTML, anchor: 'bottom-center', draggable: this.opts.editable });
    marker.on('dragend', () => this.opts.onPin(fromAmap(marker.getPosition())));
    this.map.add(marker);
    this.marker = marker;
  }

  /** A new pin from outside; the map follows it unless it moved only a little (a drag). */
  setPin(p: LatLng | null, old: LatLng | null): void {
    this.placePin(p);
    if (p && (!old || Math.abs(p.lat - old.lat) + Math.abs(p.lng - old.lng) > 0.002)) {
      this.map.setZoomAndCenter(Math.max(this.map.getZoom(), this.opts.zoom - 1), toAmap(p));
    }
  }

  setOutlines(outlines: MapOutline[], active: string | null): void {
    if (this.outlines.length) this.map.remove(this.outlines);
    this.outlines = outlines.map(
      (o) =>
        new this.AMap.Polygon({
          path: polygonPath(o.rings),
          strokeColor: '#ff6a3d',
          strokeWeight: o.code === active ? 2 : 1,
          fillColor: '#ff6a3d',
          fillOpacity: o.code === active ? 0.12 : 0.04,
          // Taps go through to the map (to drop the pin).
          bubble: true,
        }),
    );
    if (this.outlines.length) this.map.add(this.outlines);
  }

  destroy(): void {
    this.completed.stop();
    this.map.destroy();
  }
}

/** A WGS-84 `[lng, lat]` to six decimals (about 10 cm), as the Leaflet editor gives. */
function position(ll: AmapLngLat): Position {
  const w = fromAmap(ll);
  return [Math.round(w.lng * 1e6) / 1e6, Math.round(w.lat * 1e6) / 1e6];
}

const toAmapPos = (p: Position): [number, number] => toAmap({ lat: p[1], lng: p[0] });

const vertexHtml = (mid: boolean): string =>
  mid
    ? '<div class="daojia-vertex daojia-vertex--mid" style="width:10px;height:10px;opacity:0.8"></div>'
    : '<div class="daojia-vertex" style="width:14px;height:14px"></div>';

export interface RingEditorOptions {
  editable: boolean;
  /** The ring after an edit (`[lng, lat]`, WGS-84, open). */
  onRing: (ring: Position[]) => void;
}

/**
 * `PolygonEditor` with AMap: a tap adds a corner at the end, a corner is dragged to move it
 * and double-tapped or right-clicked to remove it, an edge's middle handle is dragged to
 * insert one; other areas in grey.
 */
export class AmapRingEditor {
  private readonly map: AmapMapInstance;
  private ring: Position[] = [];
  private editable: boolean;
  private shape: AmapOverlay[] = [];
  private others: AmapOverlay[] = [];
  private readonly completed: { done: Promise<void>; stop: () => void };

  constructor(
    private readonly AMap: AmapNamespace,
    el: HTMLElement,
    private readonly opts: RingEditorOptions,
  ) {
    this.editable = opts.editable;
    this.map = new AMap.Map(el, { zoom: 11, center: toAmap(DEFAULT_CENTER), doubleClickZoom: !opts.editable });
    this.completed = whenComplete(this.map, AMAP_COMPLETE_TIMEOUT_MS);
    this.map.on('click', (e) => {
      if (this.editable) opts.onRing(insertVertex(this.ring, -1, position(e.lnglat)));
    });
  }

  ready(): Promise<void> {
    return this.completed.done;
  }

  setOthers(outlines: MapOutline[]): void {
    if (this.others.length) this.map.remove(this.others);
    this.others = outlines.flatMap((o) =>
      o.rings.slice(0, 1).map(
        (r) => new this.AMap.Polygon({ path: ringPath(r), strokeColor: '#909399', strokeWeight: 1, fillColor: '#909399', fillOpacity: 0.05, bubble: true }),
      ),
    );
    if (this.others.length) this.map.add(this.others);
  }

  setShape(ring: Position[], invalid: boolean, editable: boolean): void {
    this.ring = ring;
    this.editable = editable;
    if (this.shape.length) this.map.remove(this.shape);
    const shape: AmapOverlay[] = [];
    const color = invalid ? '#f56c6c' : '#ff6a3d';
    const path = ring.map(toAmapPos);
    if (ring.length >= 3) {
      shape.push(new this.AMap.Polygon({ path, strokeColor: color, strokeWeight: 2, fillColor: color, fillOpacity: 0.15, bubble: true }));
    } else if (ring.length === 2) {
      shape.push(new this.AMap.Polyline({ path, strokeColor: color, strokeWeight: 2, strokeStyle: 'dashed', strokeDasharray: [4, 4], bubble: true }));
    }
    if (editable) {
      ring.forEach((p, i) => {
        const m = new this.AMap.Marker({ position: toAmapPos(p), content: vertexHtml(false), anchor: 'center', draggable: true, title: String(i + 1) });
        m.on('dragend', () => this.opts.onRing(moveVertex(this.ring, i, position(m.getPosition()))));
        const remove = (): void => this.opts.onRing(removeVertex(this.ring, i));
        m.on('dblclick', remove);
        m.on('rightclick', remove);
        shape.push(m);
      });
      midpoints(ring).forEach((p, i) => {
        const m = new this.AMap.Marker({ position: toAmapPos(p), content: vertexHtml(true), anchor: 'center', draggable: true });
        m.on('dragend', () => this.opts.onRing(insertVertex(this.ring, i, position(m.getPosition()))));
        shape.push(m);
      });
    }
    this.shape = shape;
    if (shape.length) this.map.add(shape);
  }

  /** Frames the ring, else the other areas, else the default centre. */
  fit(ring: Position[], outlines: MapOutline[]): void {
    const rings = ring.length >= 2 ? [ring] : outlines.flatMap((o) => o.rings.slice(0, 1));
    const b = ringsBounds(rings);
    if (b) this.map.setBounds(new this.AMap.Bounds(toAmap(b[0]), toAmap(b[1])), false, [24, 24, 24, 24]);
    else this.map.setZoomAndCenter(11, toAmap(DEFAULT_CENTER));
  }

  destroy(): void {
    this.completed.stop();
    this.map.destroy();
  }
}
