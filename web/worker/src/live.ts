/**
 * What the worker app keeps live while it is open, shared by its tabs: the open offers
 * (their count badges the Offers tab), a one-second clock for countdowns, and a counter of
 * changes to the worker's orders that pages reload on.
 *
 * New offers arrive over the realtime WebSocket: the server publishes every change of an
 * order to its worker's topic `worker:{id}`, so an order offered to this worker is heard
 * at once. An offer can also end without a message to this worker (it expired, or staff
 * gave the order to someone else): its countdown reaching zero reloads the list, and so
 * does a slow poll while the page is visible (every 30 s), a reconnect, and coming back
 * to the app.
 */
import { computed, inject, onBeforeUnmount, provide, ref, watch, type InjectionKey, type Ref } from 'vue';
import { realtimeFor, useAsync, useRealtime, type AsyncState, type RealtimeStatus } from '@daojia/shared';
import { api, loadDay, loadMe, loadOffers, sendStep } from './api';
import { loadTrackingConsent, startTracking } from './tracking';
import { ActionQueue, type QueuedAction, type QueuedKind, type RejectedAction } from './queue';
import { secondsLeft, type Offer } from './dispatch';

/** How often the offers are reloaded while the page is visible, besides the realtime topic. */
export const POLL_MS = 30_000;

export interface Live {
  /** The signed-in worker (presence: whether offers can come). */
  me: AsyncState<Awaited<ReturnType<typeof loadMe>>>;
  /** The open offers, oldest first. */
  offers: AsyncState<Offer[]>;
  /** Offers still answerable now (their deadline not passed). */
  open: Ref<Offer[]>;
  /** Now, in ms, updated every second. */
  now: Ref<number>;
  /** Bumped on every change of the worker's orders heard (or possibly missed). */
  changed: Ref<number>;
  /** The realtime connection's state. */
  status: Ref<RealtimeStatus>;
  /** Whether the phone has a connection (as the browser says). */
  online: Ref<boolean>;
  /** The visit's steps taken offline, waiting to be sent, oldest first. */
  waiting: Ref<readonly QueuedAction[]>;
  /** Queued steps the server refused, with its reasons. */
  rejected: Ref<readonly RejectedAction[]>;
  /**
   * Takes a step of the visit: sent at once when nothing waits and the phone is online,
   * else (or when the network fails) queued for later. Resolves `sent` or `queued`; a
   * refusal of a step sent at once is thrown as the server's error.
   */
  perform: (orderId: string, kind: QueuedKind, body: Record<string, unknown> | null) => Promise<'sent' | 'queued'>;
  /** Sends what waits (in order). */
  sync: () => Promise<void>;
  /** Forgets a refused step the worker has read. */
  dismiss: (key: string) => void;
}

/** How often the queue is tried while steps wait, ms. */
export const SYNC_MS = 15_000;

const KEY: InjectionKey<Live> = Symbol('live');

/** Starts the live state for the signed-in worker and gives it to the pages below. */
export function provideLive(): Live {
  const me = useAsync(loadMe);
  const workerId = computed(() => me.data.value?.id ?? null);
  const offers = useAsync(loadOffers);
  const now = ref(Date.now());
  const changed = ref(0);
  const reload = (): void => {
    changed.value += 1;
    void offers.run();
  };
  const topic = computed(() => (workerId.value ? `worker:${workerId.value}` : null));
  const { status } = useRealtime(topic, reload, realtimeFor(api));

  const visible = (): boolean => typeof document === 'undefined' || document.visibilityState === 'visible';
  const tick = setInterval(() => (now.value = Date.now()), 1000);
  const poll = setInterval(() => {
    if (visible()) void offers.run();
  }, POLL_MS);
  const onVisible = (): void => {
    if (visible()) reload();
  };
  document.addEventListener('visibilitychange', onVisible);
  onBeforeUnmount(() => {
    clearInterval(tick);
    clearInterval(poll);
    document.removeEventListener('visibilitychange', onVisible);
  });

  const open = computed(() => (offers.data.value ?? []).filter((o) => secondsLeft(o.expires_at, now.value) > 0));
  // An offer running out goes to the next worker: reload to drop it (and learn of others).
  watch(
    () => (offers.data.value ?? []).length - open.value.length,
    (lapsed) => {
      if (lapsed > 0) void offers.run();
    },
  );

  // Location tracking (docs/location.md): with consent, while online and on the way to a
  // job; it stops at check-in (the job leaves en_route) and when the worker goes offline.
  const consent = useAsync(loadTrackingConsent);
  const day = useAsync(() => loadDay());
  watch(changed, () => {
    void day.run();
    void consent.run();
    void me.run();
  });
  const tracking = computed(
    () =>
      consent.data.value?.granted === true &&
      me.data.value?.online === true &&
      (day.data.value?.jobs ?? []).some((j) => j.state === 'en_route'),
  );
  let stopTracking: (() => void) | null = null;
  watch(
    tracking,
    (on) => {
      if (on && !stopTracking && typeof navigator !== 'undefined') stopTracking = startTracking(navigator.geolocation);
      if (!on && stopTracking) {
        stopTracking();
        stopTracking = null;
      }
    },
    { immediate: true },
  );
  onBeforeUnmount(() => stopTracking?.());

  // The offline queue of the visit's steps (queue.ts), sent when the connection returns.
  const queue = new ActionQueue(typeof localStorage === 'undefined' ? null : localStorage);
  const waiting = ref<readonly QueuedAction[]>([...queue.waiting]);
  const rejected = ref<readonly RejectedAction[]>([...queue.rejected]);
  const stopWatching = queue.onChange(() => {
    waiting.value = [...queue.waiting];
    rejected.value = [...queue.rejected];
  });
  const online = ref(typeof navigator === 'undefined' || navigator.onLine !== false);
  let errors = new Map<string, unknown>();
  async function replay() {
    const r = await queue.replay(async (a) => {
      try {
        return await sendStep(a);
      } catch (e) {
        errors.set(a.key, e);
        throw e;
      }
    });
    if (r.sent.length > 0 || r.rejected.length > 0) reload();
    return r;
  }
  const sync = async (): Promise<void> => {
    if (queue.waiting.length > 0 && online.value) await replay();
  };
  async function perform(orderId: string, kind: QueuedKind, body: Record<string, unknown> | null): Promise<'sent' | 'queued'> {
    const direct = queue.waiting.length === 0 && online.value;
    const a = queue.add(orderId, kind, body);
    if (!direct) {
      void sync();
      return 'queued';
    }
    errors = new Map();
    const r = await replay();
    if (r.sent.some((x) => x.key === a.key)) return 'sent';
    if (r.rejected.some((x) => x.action.key === a.key)) {
      // Refused at once: the page shows the server's answer itself.
      queue.dismiss(a.key);
      throw errors.get(a.key);
    }
    return 'queued';
  }
  const goOnline = (): void => {
    online.value = true;
    void sync();
  };
  const goOffline = (): void => {
    online.value = false;
  };
  window.addEventListener('online', goOnline);
  window.addEventListener('offline', goOffline);
  const syncTimer = setInterval(() => void sync(), SYNC_MS);
  void sync();
  onBeforeUnmount(() => {
    stopWatching();
    clearInterval(syncTimer);
    window.removeEventListener('online', goOnline);
    window.removeEventListener('offline', goOffline);
  });

  const live: Live = {
    me,
    offers,
    open,
    now,
    changed,
    status,
    online,
    waiting,
    rejected,
    perform,
    sync,
    dismiss: (key) => queue.dismiss(key),
  };
  provide(KEY, live);
  return live;
}

/** The live state of the app (inside the tabbed shell). */
export function useLive(): Live {
  const live = inject(KEY);
  if (!live) throw new Error('useLive outside the worker shell');
  return live;
}
