/**
 * Live updates from `/api/v1/realtime` (see docs/api.md, "Realtime"): one WebSocket per
 * app tab (`realtimeFor(api)`), shared by every `useRealtime(topic, onMessage, connection)`
 * on the page (the console follows a board, the worker app its own `worker:{id}` topic). It connects with
 * the access token in the query (browsers cannot set headers on a WebSocket), subscribes to
 * the topics in use, reconnects with a growing, jittered delay and subscribes again. After a
 * reconnect, or when the server says messages were lost (`missed`), each topic's handlers get
 * a `missed` message: refetch what the page shows.
 */
import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import type { Api } from './api/client';

/** A message published on a topic, e.g. `order.changed`. */
export interface RealtimeEvent {
  type: 'event';
  topic: string;
  event: string;
  data: unknown;
  id: string;
}

/** Messages may have been lost on `topic`: refetch. */
export interface RealtimeMissed {
  type: 'missed';
  topic: string;
  reason: 'lagged' | 'interrupted' | 'reconnected';
  count?: number | null;
}

/** The server refused the subscription (`forbidden_topic`, `unknown_topic`, ...). */
export interface RealtimeRefused {
  type: 'error';
  topic: string;
  code: string;
}

export type RealtimeMessage = RealtimeEvent | RealtimeMissed | RealtimeRefused;
export type RealtimeHandler = (m: RealtimeMessage) => void;
export type RealtimeStatus = 'idle' | 'connecting' | 'open' | 'waiting';

/** The part of the WebSocket class used here (tests pass a mock). */
export interface SocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface RealtimeOptions {
  /** The endpoint, `ws(s)://host/api/v1/realtime`. */
  url: string;
  /** The current access token, or null when signed out. */
  token: () => string | null;
  /** Refreshes the access token (after close code 4001); true when it worked. */
  refresh: () => Promise<boolean>;
  socket?: (url: string) => SocketLike;
  /** First reconnect delay (ms); doubles per failed attempt up to `maxDelay`. */
  initialDelay?: number;
  maxDelay?: number;
  random?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

const OPEN = 1;
/** Close code: the access token expired. */
export const TOKEN_EXPIRED = 4001;

/** One connection and the topics subscribed over it. */
export class RealtimeConnection {
  readonly status: Ref<RealtimeStatus> = ref('idle');
  private socket: SocketLike | null = null;
  private readonly handlers = new Map<string, Set<RealtimeHandler>>();
  private attempt = 0;
  private opened = false;
  private timer: unknown = null;
  private stopped = false;

  constructor(private readonly opts: RealtimeOptions) {}

  /** Calls `handler` with `topic`'s messages until the returned function is called. */
  subscribe(topic: string, handler: RealtimeHandler): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
      this.send({ op: 'subscribe', topic });
    }
    set.add(handler);
    this.stopped = false;
    if (!this.socket && this.timer === null) this.connect();
    return () => {
      const s = this.handlers.get(topic);
      if (!s) return;
      s.delete(handler);
      if (s.size === 0) {
        this.handlers.delete(topic);
        this.send({ op: 'unsubscribe', topic });
      }
      if (this.handlers.size === 0) this.close();
    };
  }

  /** Closes the connection and stops reconnecting (until the next subscribe). */
  close(): void {
    this.stopped = true;
    this.clearTimer();
    const s = this.socket;
    this.socket = null;
    this.opened = false;
    this.attempt = 0;
    if (s) {
      s.onclose = null;
      s.close(1000, 'done');
    }
    this.status.value = 'idle';
  }

  private send(msg: object): void {
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify(msg));
  }

  private clearTimer(): void {
    if (this.timer !== null) (this.opts.clearTimer ?? clearTimeout)(this.timer as ReturnType<typeof setTimeout>);
    this.timer = null;
  }

  private connect(): void {
    const token = this.opts.token();
    if (!token) {
      this.status.value = 'idle';
      return;
    }
    this.status.value = 'connecting';
    const make = this.opts.socket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
    const s = make(`${this.opts.url}?token=${encodeURIComponent(token)}`);
    this.socket = s;
    s.onopen = () => {
      const again = this.opened;
      this.opened = true;
      this.attempt = 0;
      this.status.value = 'open';
      for (const topic of this.handlers.keys()) {
        this.send({ op: 'subscribe', topic });
        if (again) this.dispatch({ type: 'missed', topic, reason: 'reconnected' });
      }
    };
    s.onmessage = (ev) => this.receive(ev.data);
    s.onerror = () => {};
    s.onclose = (ev) => {
      this.socket = null;
      if (this.stopped) return;
      this.scheduleReconnect(ev.code === TOKEN_EXPIRED);
    };
  }

  private scheduleReconnect(refresh: boolean): void {
    const initial = this.opts.initialDelay ?? 1000;
    const max = this.opts.maxDelay ?? 30_000;
    const base = Math.min(max, initial * 2 ** this.attempt);
    const delay = Math.round(base * (0.5 + (this.opts.random ?? Math.random)() / 2));
    this.attempt += 1;
    this.status.value = 'waiting';
    this.timer = (this.opts.setTimer ?? setTimeout)(() => {
      this.timer = null;
      if (this.stopped) return;
      if (refresh) {
        void this.opts.refresh().then(() => {
          if (!this.stopped) this.connect();
        });
      } else {
        this.connect();
      }
    }, delay);
  }

  private receive(raw: unknown): void {
    if (typeof raw !== 'string') return;
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof m.topic !== 'string') return;
    if (m.type === 'event' || m.type === 'missed' || m.type === 'error') {
      this.dispatch(m as unknown as RealtimeMessage);
      if (m.type === 'error' && (m.code === 'forbidden_topic' || m.code === 'unknown_topic')) {
        // Refused for good: do not ask again on every reconnect.
        this.handlers.delete(m.topic);
      }
    }
  }

  private dispatch(m: RealtimeMessage): void {
    for (const h of [...(this.handlers.get(m.topic) ?? [])]) h(m);
  }
}

const connections = new WeakMap<Api, RealtimeConnection>();

/** The app's connection for `api`'s session (one per API client, created on first use). */
export function realtimeFor(api: Api): RealtimeConnection {
  let c = connections.get(api);
  if (!c) {
    const proto = globalThis.location?.protocol === 'https:' ? 'wss' : 'ws';
    c = new RealtimeConnection({
      url: `${proto}://${globalThis.location?.host ?? ''}/api/v1/realtime`,
      token: () => api.session.accessToken,
      refresh: () => api.session.refresh(),
    });
    connections.set(api, c);
  }
  return c;
}

/**
 * Follows `topic` (e.g. `board:sh-xuhui`; null follows nothing) for the life of the calling
 * component, calling `onMessage` with its events and `missed` notices. Returns the
 * connection's status.
 */
export function useRealtime(
  topic: Ref<string | null> | string,
  onMessage: RealtimeHandler,
  connection: RealtimeConnection,
): { status: Ref<RealtimeStatus> } {
  let stop: (() => void) | null = null;
  const follow = (t: string | null): void => {
    stop?.();
    stop = t ? connection.subscribe(t, onMessage) : null;
  };
  if (typeof topic === 'string') follow(topic);
  else watch(topic, follow, { immediate: true });
  onBeforeUnmount(() => {
    stop?.();
    stop = null;
  });
  return { status: connection.status };
}
