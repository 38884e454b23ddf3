// Optional camera scanning at the counter. Uses the browser's own BarcodeDetector (Chrome on
// Android); where it is missing, or the page is not on HTTPS, the button never appears and the
// typed / scanner-gun field works as before. No library, nothing from outside.
(function () {
  var form = document.getElementById("scan-form");
  var button = document.getElementById("camera-scan");
  if (!form || !button || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var field = form.querySelector("input[name=code]");
  var video = document.getElementById("camera-video");
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var timer = setInterval(function () {
        detector.detect(video).then(function (codes) {
          if (!codes.length) return;
          clearInterval(timer);
          stream.getTracks().forEach(function (t) { t.stop(); });
          field.value = codes[0].rawValue;
          form.submit();
        }).catch(function () {});
      }, 300);
    }).catch(function () { button.hidden = true; });
  });
})();
