// "Turn on notifications on this device" (notifications/preferences.html).
// Progressive enhancement: the panel stays hidden where Web Push is not
// available. It asks the association's VAPID key, subscribes through the
// page's service worker, and posts the subscription with the CSRF token;
// turning it off unsubscribes and tells the server. The service worker
// itself imports sw-push.js for the `push` and `notificationclick` events.
(function () {
  var panel = document.getElementById("push-device");
  if (!panel || !("serviceWorker" in navigator) || !("PushManager" in window) || !window.fetch) return;
  var enable = panel.querySelector("[data-action=enable]");
  var disable = panel.querySelector("[data-action=disable]");
  var status = panel.querySelector("[data-status]");
  var data = panel.dataset;

  function say(text) { status.textContent = text || ""; }
  function show(subscribed) {
    enable.hidden = subscribed;
    disable.hidden = !subscribed;
  }
  function send(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": data.csrf },
      body: JSON.stringify(body)
    }).then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r; });
  }
  // base64url → bytes, as pushManager.subscribe wants the key.
  function bytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function registration() {
    return navigator.serviceWorker.getRegistration().then(function (r) {
      if (!r) throw new Error("no service worker");
      return navigator.serviceWorker.ready;
    });
  }

  enable.addEventListener("click", function () {
    enable.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { say(data.denied); return null; }
      return fetch(data.keyUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
        .then(function (key) {
          return registration().then(function (reg) {
            return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes(key.public_key) });
          });
        })
        .then(function (subscription) { return send(data.subscribeUrl, subscription.toJSON()); })
        .then(function () { show(true); say(data.enabled); });
    }).catch(function () { say(data.failed); }).then(function () { enable.disabled = false; });
  });

  disable.addEventListener("click", function () {
    registration().then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(function (subscription) {
        if (!subscription) return null;
        var endpoint = subscription.endpoint;
        return subscription.unsubscribe().then(function () { return send(data.unsubscribeUrl, { endpoint: endpoint }); });
      })
      .then(function () { show(false); say(data.disabled); })
      .catch(function () { say(data.failed); });
  });

  registration().then(function (reg) { return reg.pushManager.getSubscription(); })
    .then(function (subscription) { show(!!subscription); panel.hidden = false; })
    .catch(function () { /* no service worker here: nothing to offer */ });
})();
