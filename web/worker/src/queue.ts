/**
 * The offline queue of the visit's steps (docs/visit.md, "Offline"): a step the worker
 * takes without a connection (set off, check in, start with the door check code, finish,
 * propose an extra item) is kept on the phone, in order, with the phone's time of it and
 * an idempotency key made once; when the connection returns the steps are sent one after
 * the other, in the order taken. A step the server no longer accepts (the order was
 * cancelled meanwhile, the door code was wrong, it waited too long) is set aside with the
 * server's reason for the app to show, and the next ones still go; a network failure or a
 * server error stops the run, to go on later from the same step. A resent step carries its
 * first key, so the server applies it once (`Idempotency-Key`), however often the answer
 * was lost. The queue lives in `localStorage`, so it survives the app being closed or
 * reloaded while offline.
 */
import type { Shelf } from './tracking';

/** A step of the visit the app may queue. */
export type QueuedKind = 'depart' | 'check_in' | 'start' | 'finish' | 'extra';

/** A step taken, waiting to reach the server. */
export interface QueuedAction {
  /** The idempotency key, kept for every resend. */
  key: string;
  orderId: string;
  kind: QueuedKind;
  /** The request's body (the check-in's position, the door code, the extra item). */
  body: Record<string, unknown> | null;
  /** When the worker took it, by the phone's clock (ISO 8601). */
  deviceAt: string;
  /** Sends tried so far. */
  tries: number;
}

/** A queued step the server refused, with its reason. */
export interface RejectedAction {
  action: QueuedAction;
  /** The server's problem code (`invalid_state`, `wrong_door_code`…). */
  code: string;
  /** The server's words. */
  message: string;
}

/** What a run of the queue did. */
export interface ReplayResult {
  sent: QueuedAction[];
  rejected: RejectedAction[];
  /** Stopped early on a failure worth retrying (no network, a server error). */
  stopped: boolean;
}

/** The most rejected steps kept for the worker to read. */
export const MAX_REJECTED = 20;

const KEY = 'daojia.worker.action-queue';

interface Saved {
  actions: QueuedAction[];
  rejected: RejectedAction[];
}

/** The state of an order after a step, as the server's state machine moves it. */
const AFTER: Partial<Record<QueuedKind, [from: string, to: string]>> = {
  depart: ['accepted', 'en_route'],
  check_in: ['en_route', 'arrived'],
  start: ['arrived', 'in_service'],
  finish: ['in_service', 'pending_settlement'],
};

/** The state a job will be in once its queued steps are applied (as far as they move it). */
export function projectedState(state: string, actions: readonly QueuedAction[]): string {
  let s = state;
  for (const a of actions) {
    const step = AFTER[a.kind];
    if (step && step[0] === s) s = step[1];
  }
  return s;
}

/**
 * Whether a failed send should be tried again later: no answer (status 0, or none), a
 * request the server timed out or throttled, a server error, or a step still in progress
 * under its key. Anything else is the server's refusal.
 */
export function retryable(err: unknown): boolean {
  const e = err as { status?: number; code?: string } | null;
  const status = e?.status;
  if (status === undefined || status === 0) return true;
  if (status === 408 || status === 429 || status >= 500) return true;
  return e?.code === 'idempotency_in_progress';
}

/** The reason of a refusal: the first field's message, else the problem's detail. */
export function refusal(err: unknown): { code: string; message: string } {
  const e = err as { code?: string; detail?: string | null; message?: string; fieldErrors?: { code: string; message: string }[] } | null;
  const field = e?.fieldErrors?.[0];
  return {
    code: field?.code ?? e?.code ?? 'refused',
    message: field?.message ?? e?.detail ?? e?.message ?? '',
  };
}

/** The queue, kept on `shelf` (the browser's `localStorage`). */
export class ActionQueue {
  private actions: QueuedAction[] = [];
  private refused: RejectedAction[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly shelf: Shelf | null,
    private readonly newId: () => string = () => crypto.randomUUID(),
  ) {
    this.load();
  }

  /** Reads the shelf again (another tab may have written it). */
  load(): void {
    try {
      const saved = JSON.parse(this.shelf?.getItem(KEY) ?? 'null') as Saved | null;
      this.actions = Array.isArray(saved?.actions) ? saved.actions : [];
      this.refused = Array.isArray(saved?.rejected) ? saved.rejected : [];
    } catch {
      // A corrupt shelf is an empty queue.
      this.actions = [];
      this.refused = [];
    }
  }

  /** The steps waiting, oldest first. */
  get waiting(): readonly QueuedAction[] {
    return this.actions;
  }

  /** The steps the server refused, oldest first. */
  get rejected(): readonly RejectedAction[] {
    return this.refused;
  }

  /** The steps waiting on one order. */
  of(orderId: string): QueuedAction[] {
    return this.actions.filter((a) => a.orderId === orderId);
  }

  /** Queues a step taken at `now`; returns it. */
  add(orderId: string, kind: QueuedKind, body: Record<string, unknown> | null, now: Date = new Date()): QueuedAction {
    const a: QueuedAction = { key: this.newId(), orderId, kind, body, deviceAt: now.toISOString(), tries: 0 };
    this.actions.push(a);
    this.save();
    return a;
  }

  /** Forgets a refused step once the worker has read it. */
  dismiss(key: string): void {
    this.refused = this.refused.filter((r) => r.action.key !== key);
    this.save();
  }

  /** Calls `f` after every change; returns the function that stops it. */
  onChange(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  /** The first step, tried once more. */
  private head(): QueuedAction | undefined {
    const a = this.actions[0];
    if (a) {
      a.tries += 1;
      this.save();
    }
    return a;
  }

  private remove(key: string): void {
    this.actions = this.actions.filter((a) => a.key !== key);
  }

  private save(): void {
    try {
      this.shelf?.setItem(KEY, JSON.stringify({ actions: this.actions, rejected: this.refused } satisfies Saved));
    } catch {
      // Storage full or disabled: the queue lives in memory only.
    }
    for (const f of this.listeners) f();
  }

  /**
   * Sends the waiting steps in order with `send`, each once, until one fails for a reason
   * worth retrying. Only one run at a time: a run asked for while one is going returns
   * at once, having sent nothing.
   */
  async replay(send: (a: QueuedAction) => Promise<unknown>): Promise<ReplayResult> {
    const out: ReplayResult = { sent: [], rejected: [], stopped: false };
    if (this.running) return { ...out, stopped: true };
    this.running = true;
    try {
      for (let a = this.head(); a; a = this.head()) {
        try {
          await send(a);
          this.remove(a.key);
          out.sent.push(a);
        } catch (err) {
          if (retryable(err)) {
            out.stopped = true;
            this.save();
            return out;
          }
          this.remove(a.key);
          const r: RejectedAction = { action: a, ...refusal(err) };
          this.refused = [...this.refused, r].slice(-MAX_REJECTED);
          out.rejected.push(r);
        }
        this.save();
      }
      return out;
    } finally {
      this.running = false;
    }
  }

  private running = false;
}
