/**
 * Attaches the access token to requests and, when the server answers 401, refreshes the
 * pair once and retries the request once. A refresh the server refuses ends the session:
 * tokens are dropped and logout listeners run (the app then routes to its login page).
 *
 * Refresh tokens rotate and the server revokes the session when a spent one comes back, so
 * two tabs of one app must never refresh with the same token: refreshes run under a lock
 * shared by the tabs (Web Locks), and a tab that finds the pair already rotated uses it.
 */
import type { TokenPair } from '../api/types';
import type { TokenStore } from './tokens';

/** The refresh outcome: a new pair, `invalid` when the server refused it, or `failed`. */
export type RefreshResult = TokenPair | 'invalid' | 'failed';

export interface AuthSessionOptions {
  tokens: TokenStore;
  fetch: (request: Request) => Promise<Response>;
  refresh: (refreshToken: string) => Promise<RefreshResult>;
  now?: () => number;
  /** Runs `fn` while no other tab of this app refreshes; defaults to Web Locks when present. */
  lock?: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** A cross-tab lock from the Web Locks API, or none where it is missing (plain HTTP, old browsers). */
export function browserLock(name: string): (<T>(fn: () => Promise<T>) => Promise<T>) | undefined {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (!locks) return undefined;
  return <T>(fn: () => Promise<T>) => locks.request(name, () => fn()) as Promise<T>;
}

/** Refresh this long before the access token expires, to spare a round trip that fails. */
const EARLY_REFRESH_MS = 30_000;

export class AuthSession {
  private inflight: Promise<boolean> | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;

  constructor(private readonly opts: AuthSessionOptions) {
    this.now = opts.now ?? Date.now;
  }

  get signedIn(): boolean {
    return this.opts.tokens.get() !== null;
  }

  get accessToken(): string | null {
    return this.opts.tokens.get()?.accessToken ?? null;
  }

  /** Stores the pair a log-in returned. */
  signIn(pair: TokenPair): void {
    this.opts.tokens.set(pair, this.now());
  }

  /** Runs `listener` whenever the session ends; returns an unsubscribe function. */
  onLogout(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drops the tokens and tells the listeners. */
  end(): void {
    const had = this.signedIn;
    this.opts.tokens.clear();
    if (had) for (const l of [...this.listeners]) l();
  }

  /** Refreshes the pair; concurrent callers share one request. True when it worked. */
  refresh(): Promise<boolean> {
    this.inflight ??= this.doRefresh().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async doRefresh(): Promise<boolean> {
    const before = this.opts.tokens.get();
    if (!before) return false;
    const lock = this.opts.lock ?? (<T>(fn: () => Promise<T>) => fn());
    return lock(() => this.refreshUnlocked(before.refreshToken));
  }

  private async refreshUnlocked(seen: string): Promise<boolean> {
    const current = this.opts.tokens.get();
    if (!current) return false;
    // Another tab refreshed while this one waited for the lock: its pair is ours too.
    if (current.refreshToken !== seen) return true;
    let result: RefreshResult;
    try {
      result = await this.opts.refresh(current.refreshToken);
    } catch {
      result = 'failed';
    }
    if (result === 'invalid') {
      this.end();
      return false;
    }
    if (result === 'failed') return false;
    this.opts.tokens.set(result, this.now());
    return true;
  }

  /** A fetch for the typed client: bearer token, one refresh and one retry on 401. */
  readonly fetch = async (request: Request): Promise<Response> => {
    let tokens = this.opts.tokens.get();
    if (!tokens) return this.opts.fetch(request);
    if (tokens.accessExpiresAt - EARLY_REFRESH_MS < this.now()) {
      await this.refresh();
      tokens = this.opts.tokens.get();
      if (!tokens) return this.opts.fetch(request);
    }
    const spare = request.clone();
    const sentWith = tokens.accessToken;
    const first = await this.opts.fetch(withBearer(request, sentWith));
    if (first.status !== 401) return first;
    // Another request may already have refreshed while this one was in flight.
    const latest = this.opts.tokens.get();
    const fresh = latest && latest.accessToken !== sentWith ? true : await this.refresh();
    const token = this.accessToken;
    if (!fresh || !token) return first;
    return this.opts.fetch(withBearer(spare, token));
  };
}

function withBearer(request: Request, token: string): Request {
  request.headers.set('Authorization', `Bearer ${token}`);
  return request;
}
