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

self.addEventListener("sync", (event) => {
  if (event.tag === "tessera-outbox") event.waitUntil(replay());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "replay") event.waitUntil(replay());
  if (event.data === "forget") {
    event.waitUntil(caches.delete(CACHE).then(() => caches.open(CACHE)).then((cache) => cache.add(OFFLINE)));
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && QUEUED.some((pattern) => pattern.test(url.pathname))) {
    event.respondWith(sendOrKeep(request));
    return;
  }
  if (request.method !== "GET") return;
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

// Forms a treasurer may fill in without a network: a payment typed offline
// is kept on this device and sent when the network is back. Each form
// carries the idempotency key the server gave it, so however many times
// it is sent, it is recorded once.
const QUEUED = [/^\/treasury\/payments\/new$/];
const SAVED_PAGE = {
  fr: ["Enregistré sur cet appareil", "Pas de réseau : ce paiement sera envoyé dès que la connexion reviendra.", "Saisir un autre paiement"],
  en: ["Saved on this device", "No network: this payment will be sent as soon as the connection is back.", "Record another payment"],
};

async function sendOrKeep(request) {
  const body = await request.clone().text();
  try {
    return await fetch(request);
  } catch (offline) {
    await outbox("readwrite", (store) => store.add({ url: request.url, body, at: Date.now() }));
    if (self.registration.sync) self.registration.sync.register("tessera-outbox").catch(() => {});
    const [title, text, again] = SAVED_PAGE["__LOCALE__"] || SAVED_PAGE.en;
    const html = `<!doctype html><html lang="__LOCALE__"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><main class="wrap"><h1 class="section-title">${title}</h1><p data-offline-saved>${text}</p><p><a href="/treasury/payments/new">${again}</a></p></main></html>`;
    return new Response(html, { status: 202, headers: { "Content-Type": "text/html; charset=utf-8" } });
  }
}

// Sends what was kept, oldest first; keeps what could not leave.
async function replay() {
  const kept = await outbox("readonly", (store) => store.getAll());
  for (const item of kept || []) {
    let response;
    try {
      response = await post(item.url, item.body);
      // Signed in again since: the form's CSRF token was the old session's.
      if (response.status === 403) response = await post(item.url, await withFreshToken(item));
    } catch (offline) {
      return;
    }
    // Recorded (a redirect to the payment), or refused for good: either
    // way sending it again would change nothing. A lost session waits.
    if (![401, 403, 429].includes(response.status) && response.status < 500) {
      await outbox("readwrite", (store) => store.delete(item.id));
    }
  }
}

function post(url, body) {
  return fetch(url, {
    method: "POST",
    body,
    credentials: "same-origin",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
}

async function withFreshToken(item) {
  const page = await (await fetch(item.url, { credentials: "same-origin" })).text();
  const found = page.match(/name="csrf_token" value="([^"]+)"/);
  const fields = new URLSearchParams(item.body);
  if (found) fields.set("csrf_token", found[1]);
  return fields.toString();
}

function outbox(mode, use) {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open("tessera", 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore("outbox", { keyPath: "id", autoIncrement: true });
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const db = opening.result;
      const tx = db.transaction("outbox", mode);
      const request = use(tx.objectStore("outbox"));
      tx.oncomplete = () => { db.close(); resolve(request.result); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    };
  });
}
