// Live figures on a dashboard (progressive enhancement; the page is whole
// without it). The page names its stream: <… data-live-stream="/dashboard/stream">.
// `totals` events ({"figures": {name: text}}) replace the text of every
// [data-live-figure="name"]; `payment` and `signup` events ({"text": …})
// are prepended to [data-live-feed] as <li>, 20 at most. EventSource
// reconnects by itself after a dropped connection (not after a refusal:
// a 429 when the association has too many dashboards open).
(function () {
  var source = document.querySelector("[data-live-stream]");
  if (!source || !window.EventSource || !window.JSON) return;
  var url = source.getAttribute("data-live-stream");
  if (!url) return;
  var feed = document.querySelector("[data-live-feed]");
  var stream = new EventSource(url, { withCredentials: true });

  function parse(event) {
    try { return JSON.parse(event.data); } catch (e) { return null; }
  }
  stream.addEventListener("totals", function (event) {
    var data = parse(event);
    if (!data || !data.figures) return;
    var nodes = document.querySelectorAll("[data-live-figure]");
    for (var i = 0; i < nodes.length; i++) {
      var name = nodes[i].getAttribute("data-live-figure");
      if (Object.prototype.hasOwnProperty.call(data.figures, name)) nodes[i].textContent = data.figures[name];
    }
  });
  function prepend(event) {
    var data = parse(event);
    if (!feed || !data || typeof data.text !== "string") return;
    var item = document.createElement("li");
    item.textContent = data.text;
    feed.insertBefore(item, feed.firstChild);
    while (feed.children.length > 20) feed.removeChild(feed.lastElementChild);
  }
  stream.addEventListener("payment", prepend);
  stream.addEventListener("signup", prepend);
})();
