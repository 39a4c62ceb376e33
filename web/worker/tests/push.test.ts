import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { keyBytes, registration, sameKey } from '../src/push';

describe('subscribing', () => {
  it('turns the base64url VAPID key into the bytes applicationServerKey takes', () => {
    // RFC 8291's example public key: 65 bytes, an uncompressed P-256 point.
    const k = keyBytes('BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4');
    expect(k.length).toBe(65);
    expect(k[0]).toBe(4);
    expect(sameKey(k.buffer, k)).toBe(true);
    expect(sameKey(keyBytes('AAAA').buffer, k)).toBe(false);
    expect(sameKey(null, k)).toBe(false);
  });

  it('registers the endpoint and keys of the browser’s subscription, and refuses an incomplete one', () => {
    expect(registration({ endpoint: 'https://push.example.net/x', keys: { p256dh: 'BC', auth: 'AA' } })).toEqual({
      kind: 'webpush',
      endpoint: 'https://push.example.net/x',
      p256dh: 'BC',
      auth: 'AA',
    });
    expect(() => registration({ endpoint: 'https://push.example.net/x', keys: {} })).toThrow();
  });
});

type Handler = (event: Record<string, unknown>) => void;

/** Loads sw/sw.js into a fake service-worker global and returns its event handlers. */
function loadServiceWorker() {
  const handlers: Record<string, Handler> = {};
  const shown: { title: string; options: NotificationOptions & { data: { url: string } } }[] = [];
  const opened: string[] = [];
  const navigated: string[] = [];
  const windows: { url: string; focus: () => Promise<unknown>; navigate: (u: string) => Promise<unknown> }[] = [];
  const self = {
    __VERSION__: 'test',
    __PRECACHE__: [],
    registration: {
      scope: 'https://daojia.example/worker/',
      showNotification: (title: string, options: NotificationOptions & { data: { url: string } }) => {
        shown.push({ title, options });
        return Promise.resolve();
      },
    },
    location: { origin: 'https://daojia.example' },
    clients: {
      matchAll: () => Promise.resolve(windows),
      openWindow: (u: string) => {
        opened.push(u);
        return Promise.resolve(null);
      },
      claim: () => Promise.resolve(),
    },
    addEventListener: (name: string, h: Handler) => {
      handlers[name] = h;
    },
    skipWaiting: () => Promise.resolve(),
  };
  const source = readFileSync(new URL('../sw/sw.js', import.meta.url), 'utf8');
  new Function('self', source)(self);
  const fire = async (name: string, event: Record<string, unknown>) => {
    let wait: Promise<unknown> = Promise.resolve();
    handlers[name]({ ...event, waitUntil: (p: Promise<unknown>) => (wait = p) });
    await wait;
  };
  const window = (url: string) => {
    const w = {
      url,
      focus: () => Promise.resolve(w),
      navigate: (u: string) => {
        navigated.push(u);
        return Promise.resolve(w);
      },
    };
    windows.push(w);
  };
  return { fire, shown, opened, navigated, window };
}

const pushEvent = (payload: string | null) => ({
  data: payload === null ? null : { json: () => JSON.parse(payload) as unknown, text: () => payload },
});

describe('the service worker', () => {
  it('shows a pushed message with its tag, and a tap opens the app where it leads', async () => {
    const sw = loadServiceWorker();
    await sw.fire('push', pushEvent('{"title":"新派单","body":"保洁 2 小时","url":"/offers","tag":"offer-1"}'));
    expect(sw.shown).toHaveLength(1);
    expect(sw.shown[0].title).toBe('新派单');
    expect(sw.shown[0].options).toMatchObject({ body: '保洁 2 小时', tag: 'offer-1', renotify: true, data: { url: '/offers' } });
    const close = vi.fn();
    await sw.fire('notificationclick', { notification: { close, data: { url: '/offers' } } });
    expect(close).toHaveBeenCalled();
    expect(sw.opened).toEqual(['https://daojia.example/worker/offers']);
  });

  it('focuses an open window of the app instead of opening another', async () => {
    const sw = loadServiceWorker();
    sw.window('https://daojia.example/worker/today');
    await sw.fire('notificationclick', { notification: { close: () => {}, data: { url: '/today' } } });
    expect(sw.opened).toEqual([]);
    expect(sw.navigated).toEqual(['https://daojia.example/worker/today']);
  });

  it('never leaves the app on a tap, and shows a text push as its body', async () => {
    const sw = loadServiceWorker();
    for (const url of ['https://evil.example/', '//evil.example/x', 'javascript:alert(1)']) {
      await sw.fire('notificationclick', { notification: { close: () => {}, data: { url } } });
    }
    expect(sw.opened).toEqual(Array(3).fill('https://daojia.example/worker/'));
    await sw.fire('push', { data: { json: () => JSON.parse('not json') as unknown, text: () => 'plain text' } });
    expect(sw.shown[0]).toMatchObject({ title: '到家', options: { body: 'plain text' } });
    expect(sw.shown[0].options.tag).toBeUndefined();
  });
});
