/**
 * The signed-in session's tokens, kept in localStorage under one key per audience so that
 * the customer, worker and admin apps on one origin never share a login.
 */
import type { Audience, TokenPair } from '../api/types';

/** What is stored: the pair plus when the access token stops working (epoch ms). */
export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: number;
  sessionId: string;
}

/** The part of the Web Storage API the store needs (tests pass a Map-backed one). */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function storageKey(audience: Audience): string {
  return `daojia.${audience}.tokens`;
}

export class TokenStore {
  constructor(
    private readonly key: string,
    private readonly storage: KeyValueStorage | undefined,
  ) {}

  get(): StoredTokens | null {
    const raw = this.storage?.getItem(this.key);
    if (!raw) return null;
    try {
      const t = JSON.parse(raw) as Partial<StoredTokens>;
      if (typeof t.accessToken !== 'string' || typeof t.refreshToken !== 'string') return null;
      return {
        accessToken: t.accessToken,
        refreshToken: t.refreshToken,
        accessExpiresAt: Number(t.accessExpiresAt) || 0,
        sessionId: String(t.sessionId ?? ''),
      };
    } catch {
      return null;
    }
  }

  /** Stores a fresh pair; the refresh token rotates on every refresh, so always replace it. */
  set(pair: TokenPair, now: number = Date.now()): void {
    const t: StoredTokens = {
      accessToken: pair.access_token,
      refreshToken: pair.refresh_token,
      accessExpiresAt: now + pair.expires_in * 1000,
      sessionId: pair.session_id,
    };
    this.storage?.setItem(this.key, JSON.stringify(t));
  }

  clear(): void {
    this.storage?.removeItem(this.key);
  }
}

/** localStorage when the page has one (not in a worker or on the server). */
export function browserStorage(): KeyValueStorage | undefined {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined;
  }
}
