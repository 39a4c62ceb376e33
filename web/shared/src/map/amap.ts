/**
 * AMap's JS API 2.0, loaded when the public config carries `[map] amap_js_key`: the script
 * from AMap's loader address, once per page, with the security code (安全密钥) set on
 * `window._AMapSecurityConfig` before the script is added (AMap needs it for keys issued
 * after 2021-12-02). The script's error, or no ready call within the time limit, is a
 * failure; so is a map that never finishes loading (a bad key, see `./amapDraw.ts`). After
 * a failure the page's maps draw with Leaflet for the rest of the page's life.
 *
 * No AMap code is bundled (AMap allows online loading only) and none of ours here draws: this
 * module is in the widgets' small chunk, the drawing is in `./amapDraw.ts`.
 */
import type { MapSettings, AmapKey } from './settings';

/** The few parts of AMap's API that the widgets use. Positions are `[lng, lat]`, GCJ-02. */
export interface AmapLngLat {
  getLng(): number;
  getLat(): number;
}
export interface AmapMouseEvent {
  lnglat: AmapLngLat;
}
export interface AmapEvented {
  on(type: string, handler: (e: AmapMouseEvent) => void): void;
}
/** A marker, polygon or line. */
export type AmapOverlay = object;
export interface AmapMarker extends AmapEvented {
  setPosition(position: [number, number]): void;
  getPosition(): AmapLngLat;
}
export interface AmapMapInstance extends AmapEvented {
  add(overlay: AmapOverlay | AmapOverlay[]): void;
  remove(overlay: AmapOverlay | AmapOverlay[]): void;
  setZoomAndCenter(zoom: number, center: [number, number]): void;
  getZoom(): number;
  /** `avoid`: pixels kept free at [top, right, bottom, left]. */
  setBounds(bounds: object, immediately?: boolean, avoid?: [number, number, number, number]): void;
  destroy(): void;
}
export interface AmapNamespace {
  Map: new (container: HTMLElement, options: Record<string, unknown>) => AmapMapInstance;
  Marker: new (options: Record<string, unknown>) => AmapMarker;
  Polygon: new (options: Record<string, unknown>) => AmapOverlay;
  Polyline: new (options: Record<string, unknown>) => AmapOverlay;
  Bounds: new (southWest: [number, number], northEast: [number, number]) => object;
}

/** The global function AMap's script calls when it is ready (its `callback` parameter). */
export const AMAP_READY_CALLBACK = '__daojiaAmapReady';
/** How long the script may take to load and get ready. */
export const AMAP_LOAD_TIMEOUT_MS = 10_000;

/** AMap's loader address for JS API 2.0 with this key. */
export function amapScriptUrl(key: string): string {
  return `https://webapi.amap.com/maps?v=2.0&key=${encodeURIComponent(key)}&callback=${AMAP_READY_CALLBACK}`;
}

/** A `<script>` element, as far as the loader uses one. */
export interface ScriptLike {
  src: string;
  async: boolean;
  onerror: (() => void) | null;
  remove?: () => void;
}

/** Where the loader works: the page (`browserHost`), or a fake in tests. */
export interface LoaderHost {
  /** The page's global object (`_AMapSecurityConfig`, the ready callback and `AMap` live there). */
  window: Record<string, unknown>;
  createScript: () => ScriptLike;
  appendScript: (script: ScriptLike) => void;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (id: unknown) => void;
}

const usable = (amap: unknown): amap is AmapNamespace => !!amap && typeof (amap as { Map?: unknown }).Map === 'function';

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/**
 * A loader of AMap's script for one page: the first `load` adds the script, later ones share
 * its outcome; after a failure (the load's, or one reported with `fail`) every `load`
 * rejects at once, so the maps fall back without waiting again.
 */
export function amapLoader(host: LoaderHost, timeoutMs = AMAP_LOAD_TIMEOUT_MS) {
  let loading: Promise<AmapNamespace> | null = null;
  let failure: Error | null = null;

  const inject = (cfg: AmapKey): Promise<AmapNamespace> =>
    new Promise((resolve, reject) => {
      const already = host.window.AMap;
      if (usable(already)) {
        resolve(already);
        return;
      }
      const script = host.createScript();
      let done = false;
      let timer: unknown = null;
      const finish = (error: Error | null): void => {
        if (done) return;
        done = true;
        host.clearTimeout(timer);
        // A late call from a script we gave up on must find a function, and do nothing.
        host.window[AMAP_READY_CALLBACK] = () => undefined;
        if (error) {
          script.remove?.();
          reject(error);
        } else if (usable(host.window.AMap)) {
          resolve(host.window.AMap);
        } else {
          reject(new Error('AMap: the script ran but AMap.Map is missing'));
        }
      };
      // Before the script is added: AMap reads it as it loads.
      if (cfg.securityCode) host.window._AMapSecurityConfig = { securityJsCode: cfg.securityCode };
      host.window[AMAP_READY_CALLBACK] = () => finish(null);
      script.async = true;
      script.onerror = () => finish(new Error('AMap: the script did not load (network, or the address is blocked)'));
      script.src = amapScriptUrl(cfg.key);
      timer = host.setTimeout(() => finish(new Error(`AMap: not ready after ${timeoutMs} ms`)), timeoutMs);
      host.appendScript(script);
    });

  const fail = (reason: unknown): void => {
    failure ??= asError(reason);
    loading = null;
  };

  return {
    load(cfg: AmapKey): Promise<AmapNamespace> {
      if (failure) return Promise.reject(failure);
      loading ??= inject(cfg).catch((e: unknown) => {
        fail(e);
        throw failure;
      });
      return loading;
    },
    /** AMap loaded but cannot be used (a map that never finished loading): stop using it. */
    fail,
    get failed(): boolean {
      return failure !== null;
    },
  };
}

function browserHost(): LoaderHost {
  return {
    window: window as unknown as Record<string, unknown>,
    createScript: () => document.createElement('script') as unknown as ScriptLike,
    appendScript: (s) => document.head.appendChild(s as unknown as HTMLScriptElement),
    setTimeout: (fn, ms) => window.setTimeout(fn, ms),
    clearTimeout: (id) => window.clearTimeout(id as number | undefined),
  };
}

let page: ReturnType<typeof amapLoader> | null = null;
const pageLoader = () => (page ??= amapLoader(browserHost()));

/** The page's AMap (see `amapLoader`). */
export const loadAmap = (cfg: AmapKey): Promise<AmapNamespace> => pageLoader().load(cfg);

/** Says why a map is drawn with Leaflet although AMap is configured. */
export function warnFallback(reason: unknown): void {
  // eslint-disable-next-line no-console -- the one place the widgets report: AMap was configured but is not used
  console.warn('[daojia map] AMap is configured but cannot be used; drawing with Leaflet instead.', reason);
}

/** A map with AMap that failed after loading: warn, and use Leaflet from now on. */
export function amapBroken(reason: unknown): void {
  warnFallback(reason);
  pageLoader().fail(reason);
}

/**
 * AMap when the settings ask for it and it loads, else null (draw with Leaflet), with a
 * console warning when it was asked for but failed.
 */
export async function chooseAmap(settings: MapSettings, load: (cfg: AmapKey) => Promise<AmapNamespace> = loadAmap): Promise<AmapNamespace | null> {
  if (!settings.amap) return null;
  try {
    return await load(settings.amap);
  } catch (e) {
    warnFallback(e);
    return null;
  }
}
