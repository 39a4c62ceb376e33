import { describe, expect, it, vi } from 'vitest';
import { AuthSession, type RefreshResult } from '../src/auth/session';
import { TokenStore } from '../src/auth/tokens';
import { memoryStorage, pair, scriptedFetch } from './helpers';

const NOW = 1_800_000_000_000;

function setup(opts: { refresh?: (token: string) => Promise<RefreshResult>; handler?: (auth: string | null) => number; now?: () => number } = {}) {
  const tokens = new TokenStore('daojia.test.tokens', memoryStorage());
  const api = scriptedFetch((s) => new Response(null, { status: (opts.handler ?? defaultHandler)(s.auth) }));
  const refresh = vi.fn(opts.refresh ?? (async (): Promise<RefreshResult> => pair(2)));
  const session = new AuthSession({ tokens, fetch: api.fetch, refresh, now: opts.now ?? (() => NOW) });
  return { tokens, session, refresh, seen: api.seen };
}

/** The server accepts only the second access token. */
const defaultHandler = (auth: string | null): number => (auth === 'Bearer access-2' ? 200 : 401);

const get = (path = '/api/v1/customer/me'): Request => new Request(`http://daojia.test${path}`);

describe('AuthSession', () => {
  it('sends requests without a token when nobody is signed in', async () => {
    const { session, seen, refresh } = setup();
    const res = await session.fetch(get());
    expect(res.status).toBe(401);
    expect(seen).toHaveLength(1);
    expect(seen[0].auth).toBeNull();
    expect(refresh).not.toHaveBeenCalled();
  });

  it('attaches the access token and does not refresh when the server accepts it', async () => {
    const { session, seen, refresh } = setup({ handler: () => 200 });
    session.signIn(pair(1));
    const res = await session.fetch(get());
    expect(res.status).toBe(200);
    expect(seen.map((s) => s.auth)).toEqual(['Bearer access-1']);
    expect(refresh).not.toHaveBeenCalled();
  });

  it('refreshes once on a 401, stores the rotated pair and retries the request once', async () => {
    const { session, seen, refresh, tokens } = setup();
    session.signIn(pair(1));
    const res = await session.fetch(get());
    expect(res.status).toBe(200);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(refresh).toHaveBeenCalledWith('refresh-1');
    expect(seen.map((s) => s.auth)).toEqual(['Bearer access-1', 'Bearer access-2']);
    // The refresh token rotates: the old one must never be sent again.
    expect(tokens.get()?.refreshToken).toBe('refresh-2');
  });

  it('retries a request with a body with the same body', async () => {
    const { session, seen } = setup();
    session.signIn(pair(1));
    const req = new Request('http://daojia.test/api/v1/admin/staff', { method: 'POST', body: '{"name":"王芳"}' });
    await session.fetch(req);
    expect(seen.map((s) => s.body)).toEqual(['{"name":"王芳"}', '{"name":"王芳"}']);
  });

  it('shares one refresh between requests that fail together', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { session, refresh, seen } = setup({
      refresh: async () => {
        await gate;
        return pair(2);
      },
    });
    session.signIn(pair(1));
    const all = Promise.all([session.fetch(get('/a')), session.fetch(get('/b')), session.fetch(get('/c'))]);
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    release();
    const results = await all;
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('does not refresh again when another request already rotated the pair', async () => {
    const { session, refresh, tokens } = setup({
      handler: (auth) => {
        // While the first request is out, another tab or request refreshed.
        if (auth === 'Bearer access-1') tokens.set(pair(2), NOW);
        return defaultHandler(auth);
      },
    });
    session.signIn(pair(1));
    const res = await session.fetch(get());
    expect(res.status).toBe(200);
    expect(refresh).not.toHaveBeenCalled();
  });

  it('retries only once: a second 401 goes back to the caller', async () => {
    const { session, seen, refresh } = setup({ handler: () => 401 });
    session.signIn(pair(1));
    const res = await session.fetch(get());
    expect(res.status).toBe(401);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(seen).toHaveLength(2);
  });

  it('ends the session and tells the listeners when the server refuses the refresh token', async () => {
    const { session, tokens } = setup({ refresh: async () => 'invalid' });
    const onLogout = vi.fn();
    session.onLogout(onLogout);
    session.signIn(pair(1));
    const res = await session.fetch(get());
    expect(res.status).toBe(401);
    expect(onLogout).toHaveBeenCalledTimes(1);
    expect(session.signedIn).toBe(false);
    expect(tokens.get()).toBeNull();
  });

  it('keeps the session when the refresh fails for another reason (offline, 5xx)', async () => {
    const { session, tokens } = setup({
      refresh: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    const onLogout = vi.fn();
    session.onLogout(onLogout);
    session.signIn(pair(1));
    const res = await session.fetch(get());
    expect(res.status).toBe(401);
    expect(onLogout).not.toHaveBeenCalled();
    expect(tokens.get()?.refreshToken).toBe('refresh-1');
  });

  it('refreshes before sending when the access token is about to expire', async () => {
    let now = NOW;
    const { session, seen, refresh } = setup({ now: () => now });
    session.signIn(pair(1, 60));
    now += 45_000; // 15 s left: too close to use
    const res = await session.fetch(get());
    expect(res.status).toBe(200);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(seen.map((s) => s.auth)).toEqual(['Bearer access-2']);
  });

  it('stops telling a listener once it unsubscribed, and ending twice tells nobody twice', () => {
    const { session } = setup();
    const a = vi.fn();
    const b = vi.fn();
    const offA = session.onLogout(a);
    session.onLogout(b);
    offA();
    session.signIn(pair(1));
    session.end();
    session.end();
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledTimes(1);
  });
});

describe('AuthSession in two tabs', () => {
  /** A lock like Web Locks: callers run one after another. */
  function mutex() {
    let tail: Promise<unknown> = Promise.resolve();
    return <T>(fn: () => Promise<T>): Promise<T> => {
      const run = tail.then(fn);
      tail = run.catch(() => undefined);
      return run;
    };
  }

  it('never spends one refresh token twice when both tabs hit a 401 at once', async () => {
    const storage = memoryStorage();
    const lock = mutex();
    let issued = 1;
    const spent = new Set<string>();
    const refresh = vi.fn(async (token: string): Promise<RefreshResult> => {
      if (spent.has(token)) return 'invalid'; // the server would revoke the session
      spent.add(token);
      await new Promise((r) => setTimeout(r, 5));
      issued += 1;
      return pair(issued);
    });
    const api = scriptedFetch((s) => new Response(null, { status: s.auth === `Bearer access-${issued}` && issued > 1 ? 200 : 401 }));
    const tab = () => new AuthSession({ tokens: new TokenStore('daojia.admin.tokens', storage), fetch: api.fetch, refresh, lock, now: () => NOW });
    const a = tab();
    const b = tab();
    a.signIn(pair(1));
    const [ra, rb] = await Promise.all([a.fetch(get('/a')), b.fetch(get('/b'))]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(a.signedIn && b.signedIn).toBe(true);
  });
});
