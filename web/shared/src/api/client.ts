/**
 * The typed API client: openapi-fetch over the generated `paths`, with the audience's
 * tokens attached and refreshed by `AuthSession`. Every API call of the apps goes through
 * `api.client`.
 */
import createClient, { type Client } from 'openapi-fetch';
import { AuthSession, browserLock, type RefreshResult } from '../auth/session';
import { TokenStore, browserStorage, storageKey, type KeyValueStorage } from '../auth/tokens';
import type { paths } from './schema';
import type { Audience, TokenPair } from './types';

export type ApiClient = Client<paths>;

export interface ApiOptions {
  /** Prefix of API paths; empty in the apps (same origin), absolute in tests. */
  baseUrl?: string;
  fetch?: (request: Request) => Promise<Response>;
  storage?: KeyValueStorage;
}

export interface Api {
  audience: Audience;
  /** Authenticated client: bearer token, refresh-and-retry on 401. */
  client: ApiClient;
  /** Client without credentials, for log-in and other public endpoints. */
  publicClient: ApiClient;
  session: AuthSession;
  /** Stores a pair returned by a log-in. */
  signIn: (pair: TokenPair) => void;
  /** Revokes the session on the server (best effort) and forgets the tokens. */
  logout: () => Promise<void>;
}

/** Refresh statuses that mean the refresh token is no good; anything else may be passing. */
const REFUSED = new Set([400, 401, 403, 404, 422]);

export function createApi(audience: Audience, opts: ApiOptions = {}): Api {
  const baseUrl = opts.baseUrl ?? '';
  const baseFetch = opts.fetch ?? ((r: Request) => globalThis.fetch(r));
  const publicClient = createClient<paths>({ baseUrl, fetch: baseFetch });
  const tokens = new TokenStore(storageKey(audience), opts.storage ?? browserStorage());

  const refresh = async (refreshToken: string): Promise<RefreshResult> => {
    const { data, response } = await publicClient.POST('/api/v1/public/auth/refresh', {
      body: { refresh_token: refreshToken },
    });
    if (data) return data;
    return REFUSED.has(response.status) ? 'invalid' : 'failed';
  };

  const session = new AuthSession({ tokens, fetch: baseFetch, refresh, lock: browserLock(`${storageKey(audience)}.refresh`) });
  const client = createClient<paths>({ baseUrl, fetch: session.fetch });

  const logout = async (): Promise<void> => {
    const token = session.accessToken;
    if (token) {
      try {
        await publicClient.POST('/api/v1/public/auth/logout', {
          headers: { Authorization: `Bearer ${token}` },
        });
      } catch {
        // Offline: the session ends here anyway and expires on the server.
      }
    }
    session.end();
  };

  return { audience, client, publicClient, session, signIn: (p) => session.signIn(p), logout };
}
