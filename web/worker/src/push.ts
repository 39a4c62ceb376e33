/**
 * Web Push for the worker app ("开启通知", docs/notifications.md "Push"): the browser
 * subscribes with the server's VAPID public key and the subscription is registered with the
 * server, which pushes offers and job updates to it; the service worker (sw/sw.js) shows
 * them. Turning it off unsubscribes the browser and removes the server's record.
 */
import { unwrap } from '@daojia/shared';
import { api } from './api';

/** Where the id of the server's record of this browser's subscription is kept. */
export const SUBSCRIPTION_KEY = 'daojia.worker.push.subscription';

/** The VAPID key (base64url, as the server gives it) as `applicationServerKey` takes it. */
export function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** Whether two keys are the same bytes (a subscription made with an older server key must be renewed). */
export function sameKey(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a) return false;
  const x = new Uint8Array(a);
  return x.length === b.length && x.every((v, i) => v === b[i]);
}

/** What registering a subscription sends, from `PushSubscription.toJSON()`. */
export function registration(json: PushSubscriptionJSON): { kind: 'webpush'; endpoint: string; p256dh: string; auth: string } {
  const { endpoint, keys } = json;
  if (!endpoint || !keys?.p256dh || !keys.auth) throw new Error('the browser gave an incomplete push subscription');
  return { kind: 'webpush', endpoint, p256dh: keys.p256dh, auth: keys.auth };
}

/** Why push cannot be turned on here. */
export type PushBlocker = 'unsupported' | 'denied' | 'not_configured' | 'no_service_worker';

export class PushUnavailable extends Error {
  constructor(readonly reason: PushBlocker) {
    super(reason);
  }
}

/** Whether this browser has the Push API at all. */
export function pushSupported(): boolean {
  return typeof window !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

async function registrationOfApp(): Promise<ServiceWorkerRegistration> {
  const reg = await navigator.serviceWorker.getRegistration(import.meta.env.BASE_URL);
  if (!reg) throw new PushUnavailable('no_service_worker');
  return reg;
}

/** Whether this browser is subscribed now (and the permission still granted). */
export async function pushEnabled(): Promise<boolean> {
  if (!pushSupported() || Notification.permission !== 'granted') return false;
  const reg = await navigator.serviceWorker.getRegistration(import.meta.env.BASE_URL);
  return Boolean(reg && (await reg.pushManager.getSubscription()));
}

/** Asks for permission, subscribes with the server's key and registers the subscription. */
export async function enablePush(): Promise<void> {
  if (!pushSupported()) throw new PushUnavailable('unsupported');
  if ((await Notification.requestPermission()) !== 'granted') throw new PushUnavailable('denied');
  const config = await unwrap(api.client.GET('/api/v1/worker/push/config'));
  if (!config.vapid_public_key) throw new PushUnavailable('not_configured');
  const key = keyBytes(config.vapid_public_key);
  const reg = await registrationOfApp();
  let sub = await reg.pushManager.getSubscription();
  if (sub && !sameKey(sub.options.applicationServerKey, key)) {
    await sub.unsubscribe();
    sub = null;
  }
  sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  const saved = await unwrap(api.client.POST('/api/v1/worker/push/subscriptions', { body: registration(sub.toJSON()) }));
  localStorage.setItem(SUBSCRIPTION_KEY, saved.id);
}

/** Unsubscribes this browser and removes the server's record of it. */
export async function disablePush(): Promise<void> {
  const id = localStorage.getItem(SUBSCRIPTION_KEY);
  if (id) {
    try {
      await unwrap(api.client.DELETE('/api/v1/worker/push/subscriptions/{id}', { params: { path: { id } } }));
    } catch (e) {
      // Already gone on the server: nothing to remove.
      if ((e as { status?: number }).status !== 404) throw e;
    }
    localStorage.removeItem(SUBSCRIPTION_KEY);
  }
  if (!pushSupported()) return;
  const reg = await navigator.serviceWorker.getRegistration(import.meta.env.BASE_URL);
  const sub = reg ? await reg.pushManager.getSubscription() : null;
  await sub?.unsubscribe();
}
