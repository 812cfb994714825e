// Web Push for the portal's service worker, which loads this file with
// importScripts("/static/<hash>/js/sw-push.js"). The payload is what
// notifications::deliver sends: {"title", "body", "url", "tag", "kind"}.
// `tag` is one per notice, so a notice delivered twice shows once.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { body: event.data ? event.data.text() : "" }; }
  var url = typeof data.url === "string" && data.url.charAt(0) === "/" && data.url.charAt(1) !== "/" ? data.url : "/notifications/";
  event.waitUntil(self.registration.showNotification(data.title || self.registration.scope, {
    body: data.body || "",
    tag: data.tag,
    data: { url: url }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL((event.notification.data && event.notification.data.url) || "/notifications/", self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if (windows[i].url === target && "focus" in windows[i]) return windows[i].focus();
    }
    return self.clients.openWindow ? self.clients.openWindow(target) : null;
  }));
});
