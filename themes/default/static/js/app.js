// The portal as an installable app: registers its service worker, and once
// the person has signed out asks it to forget the pages it kept for them.
// Pages work the same without this file.
(function () {
  if (!("serviceWorker" in navigator)) return;
  var session = document.documentElement.getAttribute("data-session");
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
    var worker = navigator.serviceWorker.controller;
    if (!worker) return;
    if (session === "out") worker.postMessage("forget");
    // Payments kept while offline leave as soon as a page loads online.
    if (session === "in") worker.postMessage("replay");
    window.addEventListener("online", function () { worker.postMessage("replay"); });
  }).catch(function () { /* no worker: the site still works online */ });
})();
