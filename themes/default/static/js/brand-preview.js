// Console branding form: the preview follows the colours as they are typed.
// Without this script, the "Preview" button redraws it on the server.
(function () {
  var preview = document.getElementById("brand-preview");
  if (!preview) return;
  function readableText(hex) {
    var n = parseInt(hex.slice(1), 16);
    var channel = function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    var l = 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
    return (1.05 / (l + 0.05)) >= ((l + 0.05) / 0.05) ? "#ffffff" : "#1d2330";
  }
  document.querySelectorAll("[data-brand]").forEach(function (input) {
    input.addEventListener("input", function () {
      var value = input.value.trim();
      if (!/^#[0-9a-fA-F]{6}$/.test(value)) return;
      preview.style.setProperty("--brand-" + input.dataset.brand, value);
      preview.style.setProperty("--brand-" + input.dataset.brand + "-text", readableText(value));
    });
  });
})();
