/** Test doubles: an in-memory Web Storage and a scripted fetch that records requests. */
import type { TokenPair } from '../src/api/types';
import type { KeyValueStorage } from '../src/auth/tokens';

export function memoryStorage(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

export function pair(n: number, expiresIn = 900): TokenPair {
  return {
    access_token: `access-${n}`,
    refresh_token: `refresh-${n}`,
    token_type: 'Bearer',
    expires_in: expiresIn,
    refresh_expires_in: 30 * 24 * 3600,
    session_id: 'session-1',
  };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type, ...headers } });
}

export function problem(status: number, code: string, extra: Record<string, unknown> = {}): Response {
  return json({ type: `urn:daojia:problem:${code}`, title: 'Error', status, code, detail: `${code} (server words)`, ...extra }, status);
}

export interface Seen {
  method: string;
  path: string;
  auth: string | null;
  body: string;
}

/** A fetch that answers from `handler` and keeps what it was asked, in order. */
export function scriptedFetch(handler: (req: Seen) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const s: Seen = {
      method: request.method,
      path: new URL(request.url).pathname,
      auth: request.headers.get('Authorization'),
      body: request.body ? await request.text() : '',
    };
    seen.push(s);
    return handler(s);
  };
  return { fetch, seen };
}
