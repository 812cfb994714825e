// Tessera's service worker, one per portal (scope "/"). It keeps what a
// member needs when the network is gone: the pages they opened among
// their card, their membership and receipts, and the announcements, plus
// the styles those pages use. Pages are fetched from the network first
// and kept when they arrive; offline, the kept copy is shown, else the
// offline page. Nothing else is kept, and everything is forgotten when
// the person signs out (the page then tells this worker).
const VERSION = "__VERSION__";
const CACHE = "tessera-" + VERSION;
const OFFLINE = "/offline";
const KEPT = [
  /^\/$/,
  /^\/membership\/card$/,
  /^\/membership\/?$/,
  /^\/membership\/receipts\/\d+\.pdf$/,
  /^\/announcements\/?$/,
  /^\/announcements\/\d+$/,
  /^\/notifications\/?$/,
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.add(OFFLINE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "forget") {
    event.waitUntil(caches.delete(CACHE).then(() => caches.open(CACHE)).then((cache) => cache.add(OFFLINE)));
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (KEPT.some((pattern) => pattern.test(url.pathname))) {
    event.respondWith(networkFirst(request, true));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(request, false));
  }
});

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

async function networkFirst(request, keep) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // A redirect (to sign in) or an error page is not worth keeping.
    if (keep && response.ok && !response.redirected) cache.put(request, response.clone());
    return response;
  } catch (offline) {
    const kept = await cache.match(request, { ignoreSearch: true });
    if (kept) return kept;
    if (request.mode === "navigate") return (await cache.match(OFFLINE)) || Response.error();
    return Response.error();
  }
}
