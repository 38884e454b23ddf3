// Keeps the member QR current: the server rotates the signed token every minute.
(function () {
  var box = document.getElementById("member-qr");
  if (!box || !window.fetch) return;
  var seconds = parseInt(box.getAttribute("data-seconds"), 10) || 60;
  setInterval(function () {
    fetch(box.getAttribute("data-src"), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (svg) { if (svg) box.innerHTML = svg; })
      .catch(function () {});
  }, seconds * 1000);
})();
