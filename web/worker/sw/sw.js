// The worker app's service worker: precaches the app shell so the app opens offline and
// installs as a PWA. The build (sw/plugin.ts) fills in the file list and the version.
// Pages are network-first (a new release shows at once), built assets cache-first (their
// names carry a content hash), and the API is never cached.

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
