/**
 * The AMap path of the map widgets, with no network: the loader against a fake page (its
 * script tags, globals and timers), and the drawing against a small fake `AMap` that
 * records what it is handed and can fire drags and taps.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AMAP_LOAD_TIMEOUT_MS, AMAP_READY_CALLBACK, amapLoader, amapScriptUrl, chooseAmap, type AmapNamespace, type LoaderHost, type ScriptLike } from '../src/map/amap';
import { AMAP_COMPLETE_TIMEOUT_MS, AmapPinMap, AmapRingEditor, fromAmap, toAmap } from '../src/map/amapDraw';
import { distanceM, wgs84ToGcj02, type LatLng } from '../src/map/coords';
import { OFFLINE_MAP, type MapSettings } from '../src/map/settings';

// ---- a fake AMap -------------------------------------------------------------------------

type Handler = (e: { lnglat: FakeLngLat }) => void;

class FakeLngLat {
  constructor(
    readonly lng: number,
    readonly lat: number,
  ) {}
  getLng(): number {
    return this.lng;
  }
  getLat(): number {
    return this.lat;
  }
}

class Evented {
  readonly handlers = new Map<string, Handler[]>();
  on(type: string, fn: Handler): void {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), fn]);
  }
  fire(type: string, at: [number, number] = [0, 0]): void {
    for (const fn of this.handlers.get(type) ?? []) fn({ lnglat: new FakeLngLat(at[0], at[1]) });
  }
}

function fakeAmap() {
  const made = { maps: [] as FakeMap[], markers: [] as FakeMarker[], polygons: [] as FakeShape[], polylines: [] as FakeShape[] };
  class FakeMap extends Evented {
    readonly shown = new Set<object>();
    zoom: number;
    center: [number, number];
    bounds: { sw: [number, number]; ne: [number, number] } | null = null;
    avoid: number[] | undefined;
    destroyed = false;
    constructor(
      readonly el: unknown,
      readonly options: Record<string, unknown>,
    ) {
      super();
      this.zoom = options.zoom as number;
      this.center = options.center as [number, number];
      made.maps.push(this);
    }
    add(o: object | object[]): void {
      for (const x of [o].flat()) this.shown.add(x);
    }
    remove(o: object | object[]): void {
      for (const x of [o].flat()) this.shown.delete(x);
    }
    setZoomAndCenter(zoom: number, center: [number, number]): void {
      this.zoom = zoom;
      this.center = center;
    }
    getZoom(): number {
      return this.zoom;
    }
    setBounds(b: { sw: [number, number]; ne: [number, number] }, _immediately?: boolean, avoid?: number[]): void {
      this.bounds = b;
      this.avoid = avoid;
    }
    destroy(): void {
      this.destroyed = true;
    }
  }
  class FakeMarker extends Evented {
    position: [number, number];
    constructor(readonly options: Record<string, unknown>) {
      super();
      this.position = options.position as [number, number];
      made.markers.push(this);
    }
    setPosition(p: [number, number]): void {
      this.position = p;
    }
    getPosition(): FakeLngLat {
      return new FakeLngLat(this.position[0], this.position[1]);
    }
    /** The user drags the marker to a GCJ-02 position. */
    dragTo(at: [number, number]): void {
      this.position = at;
      this.fire('dragend', at);
    }
  }
  class FakeShape {
    constructor(readonly options: Record<string, unknown>) {}
  }
  class FakePolygon extends FakeShape {
    constructor(options: Record<string, unknown>) {
      super(options);
      made.polygons.push(this);
    }
  }
  class FakePolyline extends FakeShape {
    constructor(options: Record<string, unknown>) {
      super(options);
      made.polylines.push(this);
    }
  }
  class FakeBounds {
    constructor(
      readonly sw: [number, number],
      readonly ne: [number, number],
    ) {}
  }
  const AMap = { Map: FakeMap, Marker: FakeMarker, Polygon: FakePolygon, Polyline: FakePolyline, Bounds: FakeBounds };
  return { AMap: AMap as unknown as AmapNamespace, made };
}

// ---- a fake page for the loader ------------------------------------------------------------

type FakeScript = ScriptLike & { removed: boolean; securityWhenAdded: unknown };

function fakePage() {
  const win: Record<string, unknown> = {};
  const scripts: FakeScript[] = [];
  const host: LoaderHost = {
    window: win,
    createScript: () => {
      const s: FakeScript = { src: '', async: false, onerror: null, removed: false, securityWhenAdded: undefined, remove: () => void (s.removed = true) };
      return s;
    },
    appendScript: (s) => {
      const f = s as FakeScript;
      // What AMap's script would find on the page when it starts loading.
      f.securityWhenAdded = structuredClone(win._AMapSecurityConfig);
      scripts.push(f);
    },
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
  };
  /** AMap's script arrives and calls the ready callback, as its `callback` parameter asks. */
  const arrive = (amap: unknown = fakeAmap().AMap) => {
    win.AMap = amap;
    (win[AMAP_READY_CALLBACK] as () => void)();
  };
  return { win, scripts, host, arrive };
}

const key = { key: 'k3y+/?&=', securityCode: 'c0de' };
const withAmap: MapSettings = { ...OFFLINE_MAP, amap: key };

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('loading AMap', () => {
  it('uses AMap’s loader address for JS API 2.0 with the key URL-encoded', () => {
    const url = amapScriptUrl('k3y+/?&= x');
    expect(url.startsWith('https://webapi.amap.com/maps?v=2.0&key=k3y%2B%2F%3F%26%3D%20x&')).toBe(true);
    const q = new URL(url).searchParams;
    expect(q.get('v')).toBe('2.0');
    expect(q.get('key')).toBe('k3y+/?&= x');
    expect(q.get('callback')).toBe(AMAP_READY_CALLBACK);
  });

  it('sets the security code before the script tag is added, and resolves with the global AMap', async () => {
    const page = fakePage();
    const loading = amapLoader(page.host).load(key);
    expect(page.scripts).toHaveLength(1);
    expect(page.scripts[0].securityWhenAdded).toEqual({ securityJsCode: 'c0de' });
    expect(page.scripts[0].src).toBe(amapScriptUrl(key.key));
    expect(page.scripts[0].async).toBe(true);
    const amap = fakeAmap().AMap;
    page.arrive(amap);
    await expect(loading).resolves.toBe(amap);
  });

  it('sets no security config without a code', async () => {
    const page = fakePage();
    const loading = amapLoader(page.host).load({ key: 'k', securityCode: null });
    expect(page.scripts[0].securityWhenAdded).toBeUndefined();
    expect('_AMapSecurityConfig' in page.win).toBe(false);
    page.arrive();
    await loading;
  });

  it('adds the script once, however many maps ask, before and after it is ready', async () => {
    const page = fakePage();
    const loader = amapLoader(page.host);
    const a = loader.load(key);
    const b = loader.load(key);
    page.arrive();
    const [x, y] = await Promise.all([a, b]);
    expect(x).toBe(y);
    expect(await loader.load(key)).toBe(x);
    expect(page.scripts).toHaveLength(1);
  });

  it('uses an AMap already on the page without adding a script', async () => {
    const page = fakePage();
    const amap = fakeAmap().AMap;
    page.win.AMap = amap;
    expect(await amapLoader(page.host).load(key)).toBe(amap);
    expect(page.scripts).toHaveLength(0);
  });

  it('gives up after the time limit, and later maps fall back at once', async () => {
    vi.useFakeTimers();
    const page = fakePage();
    const loader = amapLoader(page.host);
    const loading = loader.load(key);
    const failed = expect(loading).rejects.toThrow(/not ready after/);
    vi.advanceTimersByTime(AMAP_LOAD_TIMEOUT_MS);
    await failed;
    expect(page.scripts[0].removed).toBe(true);
    expect(loader.failed).toBe(true);
    // A script that arrives late changes nothing, and does not throw.
    expect(() => page.arrive()).not.toThrow();
    await expect(loader.load(key)).rejects.toThrow(/not ready after/);
    expect(page.scripts).toHaveLength(1);
  });

  it('fails on the script’s error (network, blocked)', async () => {
    const page = fakePage();
    const loader = amapLoader(page.host);
    const loading = loader.load(key);
    page.scripts[0].onerror?.();
    await expect(loading).rejects.toThrow(/did not load/);
    expect(page.scripts[0].removed).toBe(true);
  });

  it('fails when the script runs but leaves no usable AMap', async () => {
    const page = fakePage();
    const loading = amapLoader(page.host).load(key);
    page.arrive({});
    await expect(loading).rejects.toThrow(/AMap.Map is missing/);
  });

  it('stops using AMap once a map reports it broken', async () => {
    const page = fakePage();
    const loader = amapLoader(page.host);
    const loading = loader.load(key);
    page.arrive();
    await loading;
    loader.fail(new Error('no complete'));
    await expect(loader.load(key)).rejects.toThrow('no complete');
  });
});

describe('choosing AMap or Leaflet', () => {
  it('does not load AMap without a key', async () => {
    const load = vi.fn();
    expect(await chooseAmap(OFFLINE_MAP, load)).toBeNull();
    expect(load).not.toHaveBeenCalled();
  });

  it('uses AMap when it loads', async () => {
    const amap = fakeAmap().AMap;
    const load = vi.fn(async () => amap);
    expect(await chooseAmap(withAmap, load)).toBe(amap);
    expect(load).toHaveBeenCalledWith(key);
  });

  it('falls back to Leaflet with a console warning when AMap fails (timeout or error)', async () => {
    vi.useFakeTimers();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const page = fakePage();
    const loader = amapLoader(page.host);
    const choice = chooseAmap(withAmap, (cfg) => loader.load(cfg));
    vi.advanceTimersByTime(AMAP_LOAD_TIMEOUT_MS);
    expect(await choice).toBeNull();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/Leaflet/);

    const erring = fakePage();
    const other = amapLoader(erring.host);
    const second = chooseAmap(withAmap, (cfg) => other.load(cfg));
    erring.scripts[0].onerror?.();
    expect(await second).toBeNull();
    expect(warn).toHaveBeenCalledTimes(2);
  });
});

// ---- drawing -----------------------------------------------------------------------------

const bund: LatLng = { lat: 31.2397, lng: 121.4998 };
const gcj = (p: LatLng): [number, number] => {
  const g = wgs84ToGcj02(p);
  return [g.lng, g.lat];
};
const el = {} as HTMLElement;
const near = (a: LatLng, b: LatLng) => {
  expect(Math.abs(a.lat - b.lat)).toBeLessThan(1e-6);
  expect(Math.abs(a.lng - b.lng)).toBeLessThan(1e-6);
};
const square = (lng: number, lat: number, d = 0.01) => [
  [
    [lng, lat],
    [lng + d, lat],
    [lng + d, lat + d],
    [lng, lat + d],
    [lng, lat],
  ],
];

describe('converting at the edges', () => {
  it('hands AMap GCJ-02 and gives back WGS-84', () => {
    expect(toAmap(bund)).toEqual(gcj(bund));
    const [lng, lat] = gcj(bund);
    near(fromAmap(new FakeLngLat(lng, lat)), bund);
  });
});

describe('MapView with AMap', () => {
  const pinMap = (over: Partial<ConstructorParameters<typeof AmapPinMap>[2]> = {}) => {
    const { AMap, made } = fakeAmap();
    const onPin = vi.fn();
    const view = new AmapPinMap(AMap, el, { pin: bund, editable: true, zoom: 15, outlines: [], activeOutline: null, onPin, ...over });
    return { view, made, onPin, map: made.maps[0] };
  };

  it('puts a WGS-84 pin where AMap draws it, in GCJ-02, and looks at it', () => {
    const { made, map } = pinMap();
    expect(made.markers).toHaveLength(1);
    expect(made.markers[0].options.position).toEqual(gcj(bund));
    expect(made.markers[0].options.draggable).toBe(true);
    expect(distanceM(bund, { lng: made.markers[0].position[0], lat: made.markers[0].position[1] })).toBeGreaterThan(300);
    expect(map.center).toEqual(gcj(bund));
    expect(map.zoom).toBe(15);
    expect(map.shown.has(made.markers[0])).toBe(true);
  });

  it('gives a dragged pin back in WGS-84', () => {
    const { made, onPin } = pinMap();
    const target: LatLng = { lat: 31.2301, lng: 121.4802 };
    made.markers[0].dragTo(gcj(target));
    expect(onPin).toHaveBeenCalledTimes(1);
    near(onPin.mock.calls[0][0], target);
  });

  it('drops the pin where the map is tapped, and gives it in WGS-84', () => {
    const { made, onPin, map } = pinMap({ pin: null });
    expect(made.markers).toHaveLength(0);
    const target: LatLng = { lat: 31.2, lng: 121.45 };
    map.fire('click', gcj(target));
    near(onPin.mock.calls[0][0], target);
    expect(made.markers).toHaveLength(1);
    expect(made.markers[0].position[0]).toBeCloseTo(gcj(target)[0], 9);
    expect(made.markers[0].position[1]).toBeCloseTo(gcj(target)[1], 9);
  });

  it('does not move a pin that is not editable', () => {
    const { made, onPin, map } = pinMap({ editable: false });
    expect(made.markers[0].options.draggable).toBe(false);
    map.fire('click', gcj({ lat: 31.2, lng: 121.45 }));
    expect(onPin).not.toHaveBeenCalled();
    expect(map.handlers.has('click')).toBe(false);
  });

  it('draws the outlines in GCJ-02, letting taps through, and frames them when there is no pin', () => {
    const outlines = [
      { code: 'a', label: 'A', rings: square(121.4, 31.2) },
      { code: 'b', label: 'B', rings: square(121.5, 31.3) },
    ];
    const { made, map } = pinMap({ pin: null, outlines, activeOutline: 'b' });
    expect(made.polygons).toHaveLength(2);
    expect(made.polygons[0].options.path).toEqual(square(121.4, 31.2)[0].map(([lng, lat]) => gcj({ lng, lat })));
    expect(made.polygons[0].options.bubble).toBe(true);
    expect(made.polygons.map((p) => p.options.strokeWeight)).toEqual([1, 2]);
    expect(map.bounds).toEqual({ sw: gcj({ lng: 121.4, lat: 31.2 }), ne: gcj({ lng: 121.5 + 0.01, lat: 31.3 + 0.01 }) });
  });

  it('redraws the outlines, and follows a pin set from outside but not a small move', () => {
    const { view, made, map } = pinMap();
    view.setOutlines([{ code: 'a', label: 'A', rings: square(121.4, 31.2) }], 'a');
    view.setOutlines([{ code: 'b', label: 'B', rings: square(121.5, 31.3) }], null);
    expect([...map.shown].filter((o) => made.polygons.includes(o as never))).toHaveLength(1);
    const far: LatLng = { lat: 31.3, lng: 121.6 };
    view.setPin(far, bund);
    expect(map.center).toEqual(gcj(far));
    expect(made.markers[0].position).toEqual(gcj(far));
    const nudged: LatLng = { lat: far.lat + 0.0005, lng: far.lng };
    view.setPin(nudged, far);
    expect(map.center).toEqual(gcj(far));
    expect(made.markers[0].position).toEqual(gcj(nudged));
    view.setPin(null, nudged);
    expect(map.shown.has(made.markers[0])).toBe(false);
  });

  it('is ready when the map completes, and fails when it never does (a bad key)', async () => {
    vi.useFakeTimers();
    const good = pinMap();
    good.map.fire('complete');
    await expect(good.view.ready()).resolves.toBeUndefined();
    const bad = pinMap();
    const failed = expect(bad.view.ready()).rejects.toThrow(/did not finish loading/);
    vi.advanceTimersByTime(AMAP_COMPLETE_TIMEOUT_MS);
    await failed;
    bad.view.destroy();
    expect(bad.map.destroyed).toBe(true);
  });
});

describe('PolygonEditor with AMap', () => {
  const ring: [number, number][] = [
    [121.4, 31.2],
    [121.42, 31.2],
    [121.42, 31.22],
  ];
  const editor = (editable = true) => {
    const { AMap, made } = fakeAmap();
    const onRing = vi.fn();
    const e = new AmapRingEditor(AMap, el, { editable, onRing });
    e.setShape(ring, false, editable);
    return { e, made, onRing, map: made.maps[0] };
  };
  const corners = (made: ReturnType<typeof fakeAmap>['made']) => made.markers.filter((m) => !String(m.options.content).includes('--mid'));
  const mids = (made: ReturnType<typeof fakeAmap>['made']) => made.markers.filter((m) => String(m.options.content).includes('--mid'));

  it('draws the corners and the outline in GCJ-02', () => {
    const { made, map } = editor();
    expect(corners(made).map((m) => m.options.position)).toEqual(ring.map(([lng, lat]) => gcj({ lng, lat })));
    expect(mids(made)).toHaveLength(3);
    expect(made.polygons[0].options.path).toEqual(ring.map(([lng, lat]) => gcj({ lng, lat })));
    expect(map.options.doubleClickZoom).toBe(false);
  });

  it('gives a dragged corner back in WGS-84', () => {
    const { made, onRing } = editor();
    corners(made)[1].dragTo(gcj({ lng: 121.43, lat: 31.19 }));
    const [moved] = onRing.mock.calls;
    expect(moved[0]).toHaveLength(3);
    near({ lng: moved[0][1][0], lat: moved[0][1][1] }, { lng: 121.43, lat: 31.19 });
    expect(moved[0][0]).toEqual(ring[0]);
  });

  it('adds a corner where the map is tapped, inserts one from an edge, removes one on a double tap', () => {
    const { made, map, onRing } = editor();
    map.fire('click', gcj({ lng: 121.39, lat: 31.21 }));
    const added = onRing.mock.calls[0][0];
    expect(added).toHaveLength(4);
    near({ lng: added[3][0], lat: added[3][1] }, { lng: 121.39, lat: 31.21 });
    mids(made)[0].dragTo(gcj({ lng: 121.41, lat: 31.195 }));
    const inserted = onRing.mock.calls[1][0];
    expect(inserted).toHaveLength(4);
    near({ lng: inserted[1][0], lat: inserted[1][1] }, { lng: 121.41, lat: 31.195 });
    corners(made)[2].fire('dblclick');
    expect(onRing.mock.calls[2][0]).toEqual(ring.slice(0, 2));
  });

  it('only shows the outline when not editable', () => {
    const { made, map, onRing } = editor(false);
    expect(made.markers).toHaveLength(0);
    map.fire('click', gcj({ lng: 121.39, lat: 31.21 }));
    expect(onRing).not.toHaveBeenCalled();
  });

  it('draws two corners as a dashed line, the invalid in red, other areas in grey, and frames the ring', () => {
    const { e, made, map } = editor();
    e.setShape(ring.slice(0, 2), true, true);
    expect(made.polylines[0].options.strokeStyle).toBe('dashed');
    expect(made.polylines[0].options.strokeColor).toBe('#f56c6c');
    e.setOthers([{ code: 'o', label: 'O', rings: square(121.5, 31.3) }]);
    expect(made.polygons.at(-1)?.options.strokeColor).toBe('#909399');
    e.fit(ring, []);
    expect(map.bounds).toEqual({ sw: gcj({ lng: 121.4, lat: 31.2 }), ne: gcj({ lng: 121.42, lat: 31.22 }) });
    expect(map.avoid).toEqual([24, 24, 24, 24]);
  });
});
