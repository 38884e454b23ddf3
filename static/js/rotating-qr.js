// Keeps a rotating QR code current without reloading the page: the server signs a new token
// every minute. Without JavaScript the page reloads itself instead (a <noscript> meta refresh).
// <div data-rotating-qr="/url/of/current.svg" data-first="seconds to the next change" data-seconds="60">
(function () {
  if (!window.fetch || !document.querySelectorAll) return;
  Array.prototype.forEach.call(document.querySelectorAll("[data-rotating-qr]"), function (box) {
    var every = (parseInt(box.getAttribute("data-seconds"), 10) || 60) * 1000;
    var first = (parseInt(box.getAttribute("data-first"), 10) || 60) * 1000;
    function refresh() {
      fetch(box.getAttribute("data-rotating-qr"), { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (svg) { if (svg) box.innerHTML = svg; })
        .catch(function () {});
    }
    // A second after the step changes, then every step; and at once when a locked phone wakes.
    setTimeout(function () { refresh(); setInterval(refresh, every); }, first + 1000);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") refresh();
    });
  });
})();
