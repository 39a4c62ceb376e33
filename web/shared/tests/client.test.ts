import { describe, expect, it, vi } from 'vitest';
import { createApi } from '../src/api/client';
import { ApiError, unwrap } from '../src/errors/problem';
import { json, memoryStorage, pair, problem, scriptedFetch, type Seen } from './helpers';

const BASE = 'http://daojia.test';

/** A tiny stand-in for the server's auth: access-N is valid for the newest N only. */
function server(opts: { refreshStatus?: number } = {}) {
  let current = 1;
  const handler = (s: Seen): Response => {
    if (s.path === '/api/v1/public/auth/refresh') {
      if (opts.refreshStatus) return problem(opts.refreshStatus, 'refresh_invalid');
      const { refresh_token } = JSON.parse(s.body) as { refresh_token: string };
      if (refresh_token !== `refresh-${current}`) return problem(401, 'refresh_reused');
      current += 1;
      return json(pair(current));
    }
    if (s.path === '/api/v1/public/auth/logout') return new Response(null, { status: 204 });
    if (s.auth !== `Bearer access-${current}`) return problem(401, 'token_expired');
    return json({ id: 'c1', phone: '138****8000', nickname: '王女士', created_at: '2026-11-01T02:00:00Z' });
  };
  return { handler, rotate: () => (current += 1) };
}

describe('createApi', () => {
  it('signs out when the server says the refresh token was already used', async () => {
    const srv = server();
    const { fetch, seen } = scriptedFetch(srv.handler);
    const api = createApi('customer', { baseUrl: BASE, fetch, storage: memoryStorage() });
    api.signIn(pair(1));
    // Another device rotated the pair meanwhile: access-1 and refresh-1 are both stale.
    srv.rotate();
    await expect(unwrap(api.client.GET('/api/v1/customer/me'))).rejects.toBeInstanceOf(ApiError);
    expect(api.session.signedIn).toBe(false);
    expect(seen.map((s) => s.path)).toEqual(['/api/v1/customer/me', '/api/v1/public/auth/refresh']);
  });

  it('rotates the pair on a 401 and retries transparently', async () => {
    let valid = 'access-1';
    const { fetch, seen } = scriptedFetch((s) => {
      if (s.path === '/api/v1/public/auth/refresh') {
        valid = 'access-2';
        return json(pair(2));
      }
      if (s.auth !== `Bearer ${valid}`) return problem(401, 'token_expired');
      return json({ id: 'c1', phone: '138****8000', nickname: '王女士', created_at: '2026-11-01T02:00:00Z' });
    });
    const api = createApi('customer', { baseUrl: BASE, fetch, storage: memoryStorage() });
    api.signIn(pair(1));
    valid = 'access-x'; // the server no longer takes access-1
    const me = await unwrap(api.client.GET('/api/v1/customer/me'));
    expect(me.phone).toBe('138****8000');
    expect(seen.map((s) => `${s.method} ${s.path} ${s.auth ?? '-'}`)).toEqual([
      'GET /api/v1/customer/me Bearer access-1',
      'POST /api/v1/public/auth/refresh -',
      'GET /api/v1/customer/me Bearer access-2',
    ]);
    expect(JSON.parse(seen[1].body)).toEqual({ refresh_token: 'refresh-1' });
  });

  it('signs out and runs the logout listeners when the refresh is refused', async () => {
    const srv = server({ refreshStatus: 401 });
    const { fetch } = scriptedFetch(srv.handler);
    const api = createApi('worker', { baseUrl: BASE, fetch, storage: memoryStorage() });
    const onLogout = vi.fn();
    api.session.onLogout(onLogout);
    api.signIn(pair(7));
    const err = await unwrap(api.client.GET('/api/v1/worker/me')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect(onLogout).toHaveBeenCalledTimes(1);
    expect(api.session.signedIn).toBe(false);
  });

  it('keeps the session when the refresh endpoint is overloaded (503)', async () => {
    const srv = server({ refreshStatus: 503 });
    const { fetch } = scriptedFetch(srv.handler);
    const api = createApi('worker', { baseUrl: BASE, fetch, storage: memoryStorage() });
    api.signIn(pair(7));
    await unwrap(api.client.GET('/api/v1/worker/me')).catch(() => undefined);
    expect(api.session.signedIn).toBe(true);
  });

  it('logs out on the server with the access token, then forgets the tokens', async () => {
    const { fetch, seen } = scriptedFetch(() => new Response(null, { status: 204 }));
    const storage = memoryStorage();
    const api = createApi('admin', { baseUrl: BASE, fetch, storage });
    api.signIn(pair(3));
    expect(storage.data.has('daojia.admin.tokens')).toBe(true);
    await api.logout();
    expect(seen).toEqual([{ method: 'POST', path: '/api/v1/public/auth/logout', auth: 'Bearer access-3', body: '' }]);
    expect(storage.data.has('daojia.admin.tokens')).toBe(false);
    expect(api.session.signedIn).toBe(false);
  });

  it('still forgets the tokens when the log-out request cannot reach the server', async () => {
    const api = createApi('admin', {
      baseUrl: BASE,
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
      storage: memoryStorage(),
    });
    api.signIn(pair(3));
    await api.logout();
    expect(api.session.signedIn).toBe(false);
  });

  it('keeps each app’s tokens apart on one origin', () => {
    const storage = memoryStorage();
    const customer = createApi('customer', { baseUrl: BASE, storage });
    const worker = createApi('worker', { baseUrl: BASE, storage });
    customer.signIn(pair(1));
    expect(customer.session.signedIn).toBe(true);
    expect(worker.session.signedIn).toBe(false);
  });
});
