import { describe, expect, it } from 'vitest';
import { nextTick, ref } from 'vue';
import { useAsync } from '../src/composables/useAsync';
import { useAuthedUrls } from '../src/composables/useAuthedUrls';
import { usePaged, type Page } from '../src/composables/usePaged';
import { TokenStore } from '../src/auth/tokens';
import { newIdempotencyKey } from '../src/api/idempotency';
import { memoryStorage, pair } from './helpers';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

describe('useAsync', () => {
  it('goes loading → data, and loading → error on a retry that fails', async () => {
    let calls = 0;
    const state = useAsync(async () => {
      calls += 1;
      if (calls === 2) throw new Error('down');
      return calls;
    });
    expect(state.loading.value).toBe(true);
    await state.run(); // the immediate run and this one overlap; only the last one counts
    expect(state.error.value).toBeInstanceOf(Error);
    expect(state.loading.value).toBe(false);
    await state.run();
    expect(state.data.value).toBe(3);
    expect(state.error.value).toBeNull();
  });

  it('ignores an older answer that arrives after a newer one', async () => {
    const answers = [deferred<string>(), deferred<string>()];
    let i = 0;
    const state = useAsync(() => answers[i++].promise, { immediate: false });
    const first = state.run();
    const second = state.run();
    answers[1].resolve('new');
    await second;
    answers[0].resolve('old');
    await first;
    expect(state.data.value).toBe('new');
  });
});

describe('usePaged', () => {
  const pages: Record<string, Page<number>> = {
    start: { items: [1, 2], next_cursor: 'c2' },
    c2: { items: [3], next_cursor: null },
  };

  it('loads the first page, then more until the cursor runs out', async () => {
    const asked: (string | undefined)[] = [];
    const list = usePaged(async (cursor) => {
      asked.push(cursor);
      return pages[cursor ?? 'start'];
    });
    expect(list.loaded.value).toBe(false);
    await list.reload();
    expect(list.items.value).toEqual([1, 2]);
    expect(list.hasMore.value).toBe(true);
    await list.loadMore();
    expect(list.items.value).toEqual([1, 2, 3]);
    expect(list.hasMore.value).toBe(false);
    await list.loadMore(); // nothing more to ask for
    expect(asked).toEqual([undefined, 'c2']);
    await list.reload();
    expect(list.items.value).toEqual([1, 2]);
  });

  it('keeps what it had and shows the error when a page fails', async () => {
    let fail = false;
    const list = usePaged(async (cursor) => {
      if (fail) throw new Error('offline');
      return pages[cursor ?? 'start'];
    });
    await list.reload();
    fail = true;
    await list.loadMore();
    expect(list.items.value).toEqual([1, 2]);
    expect(list.error.value).toBeInstanceOf(Error);
    expect(list.loading.value).toBe(false);
  });

  it('tells "empty" from "not loaded yet"', async () => {
    const list = usePaged(async () => ({ items: [] as number[] }));
    expect(list.loaded.value).toBe(false);
    await list.reload();
    expect(list.loaded.value).toBe(true);
    expect(list.items.value).toEqual([]);
    expect(list.hasMore.value).toBe(false);
  });
});

describe('TokenStore', () => {
  it('stores when the access token expires and forgets on clear', () => {
    const storage = memoryStorage();
    const store = new TokenStore('k', storage);
    store.set(pair(1, 900), 1_000);
    expect(store.get()).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-1', accessExpiresAt: 901_000, sessionId: 'session-1' });
    store.clear();
    expect(store.get()).toBeNull();
  });

  it('treats damaged storage as signed out', () => {
    const storage = memoryStorage();
    const store = new TokenStore('k', storage);
    storage.setItem('k', '{not json');
    expect(store.get()).toBeNull();
    storage.setItem('k', JSON.stringify({ accessToken: 1 }));
    expect(store.get()).toBeNull();
  });

  it('works without storage (private mode) as a store that keeps nothing', () => {
    const store = new TokenStore('k', undefined);
    store.set(pair(1));
    expect(store.get()).toBeNull();
  });
});

describe('newIdempotencyKey', () => {
  const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  it('gives a fresh v4 UUID each time', () => {
    const a = newIdempotencyKey();
    expect(a).toMatch(UUID4);
    expect(newIdempotencyKey()).not.toBe(a);
  });
  it('works where randomUUID is missing (plain HTTP pages)', () => {
    const insecure = { getRandomValues: globalThis.crypto.getRandomValues.bind(globalThis.crypto) };
    const keys = new Set(Array.from({ length: 50 }, () => newIdempotencyKey(insecure)));
    expect(keys.size).toBe(50);
    for (const k of keys) expect(k).toMatch(UUID4);
  });
});

describe('useAuthedUrls', () => {
  const flush = () => new Promise((r) => setTimeout(r, 0));

  it('fetches each image with the session’s fetch, shows it from an object URL and revokes what goes away', async () => {
    const asked: string[] = [];
    const fetcher = async (r: Request) => {
      asked.push(r.url);
      return r.url.endsWith('/bad') ? new Response('no', { status: 404 }) : new Response(new Blob(['img'], { type: 'image/jpeg' }));
    };
    const list = ref(['http://x/api/1', 'http://x/api/bad']);
    const { urls, failed, dispose } = useAuthedUrls(fetcher, () => list.value);
    await flush();
    expect(asked).toEqual(['http://x/api/1', 'http://x/api/bad']);
    expect(urls.value['http://x/api/1']).toMatch(/^blob:/);
    expect([...failed.value]).toEqual(['http://x/api/bad']);

    const first = urls.value['http://x/api/1'];
    list.value = ['http://x/api/2'];
    await nextTick();
    await flush();
    expect(Object.keys(urls.value)).toEqual(['http://x/api/2']);
    // A revoked object URL no longer resolves.
    await expect(fetch(first)).rejects.toThrow();
    dispose();
    expect(urls.value).toEqual({});
  });
});
