// The worker app's service worker: precaches the app shell so the app opens offline and
// installs as a PWA. The build (sw/plugin.ts) fills in the file list and the version.
// Pages are network-first (a new release shows at once), built assets cache-first (their
// names carry a content hash), and the API is never cached. It also shows Web Push
// messages (docs/notifications.md, "Push") and opens the app where a tap leads.

const VERSION = self.__VERSION__;
const PRECACHE = self.__PRECACHE__;
const PREFIX = 'daojia-worker-';
const CACHE = PREFIX + VERSION;
const SCOPE = new URL(self.registration.scope).pathname;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE)) return;
  if (request.mode === 'navigate') {
    event.respondWith(
      fetch(request).catch(() => caches.match(SCOPE + 'index.html').then((hit) => hit ?? Response.error())),
    );
    return;
  }
  event.respondWith(caches.match(request).then((hit) => hit ?? fetch(request)));
});

// A push carries the message as JSON: {"title", "body", "url", "tag"} (the server's
// PushMessage). A later message with the same tag replaces the earlier one on the device.
self.addEventListener('push', (event) => {
  let msg = {};
  if (event.data) {
    try {
      msg = event.data.json();
    } catch {
      msg = { body: event.data.text() };
    }
  }
  const options = {
    body: typeof msg.body === 'string' ? msg.body : '',
    icon: SCOPE + 'icons/icon-192.png',
    badge: SCOPE + 'icons/icon-192.png',
    data: { url: typeof msg.url === 'string' ? msg.url : '' },
  };
  if (typeof msg.tag === 'string' && msg.tag) {
    options.tag = msg.tag;
    options.renotify = true;
  }
  event.waitUntil(self.registration.showNotification(typeof msg.title === 'string' && msg.title ? msg.title : '到家', options));
});

// Where a tap leads: a path inside the app (`/today`, `/offers`) under the app's scope;
// anything else (another origin, a malformed value) opens the app's start page.
function landing(url) {
  if (typeof url !== 'string' || !url.startsWith('/') || url.startsWith('//')) return SCOPE;
  return SCOPE + url.slice(1);
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = new URL(landing(event.notification.data && event.notification.data.url), self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).pathname.startsWith(SCOPE));
      if (open) {
        return open
          .focus()
          .then((w) => (w && 'navigate' in w ? w.navigate(target) : w))
          .catch(() => self.clients.openWindow(target));
      }
      return self.clients.openWindow(target);
    }),
  );
});
