// Sign-up form: checks the slug as it is typed. The form works the same
// without this script (the "check availability" button).
(function () {
  var input = document.getElementById("f-slug");
  var status = document.getElementById("slug-status");
  if (!input || !status || !window.fetch) return;
  var timer = null;
  var asked = "";
  function show(answer) {
    var text = status.dataset[answer.status] || "";
    status.textContent = text.replace("HOST", answer.host || "");
    status.className = answer.status === "available" ? "field__help" : "field__error";
  }
  function check() {
    var slug = input.value.trim().toLowerCase();
    if (slug === asked || slug.length < 3) return;
    asked = slug;
    fetch("/signup/slug?slug=" + encodeURIComponent(slug), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) { if (answer && slug === asked) show(answer); })
      .catch(function () {});
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
})();
