// The portal as an installable app: registers its service worker, and once
// the person has signed out asks it to forget the pages it kept for them.
// Pages work the same without this file.
(function () {
  if (!("serviceWorker" in navigator)) return;
  var session = document.documentElement.getAttribute("data-session");
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
    if (session === "out" && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage("forget");
    }
  }).catch(function () { /* no worker: the site still works online */ });
})();
