// Camera scanning for the add page's ISBN field: a "Scan with the camera" button reads an
// EAN-13 barcode through the BarcodeDetector API (the browser's own, or the polyfill in
// vendor/) and looks the ISBN up. Without JavaScript or a camera the typed ISBN still works.
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  var field = document.getElementById("id_isbn_scan");
  if (!form || !field || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  var vendor = form.getAttribute("data-vendor");
  if (window.BarcodeDetectionAPI && vendor) {
    // The polyfill would fetch its WebAssembly from a CDN; this site serves it.
    window.BarcodeDetectionAPI.setZXingModuleOverrides({
      locateFile: function (path, prefix) {
        return path.endsWith(".wasm") ? vendor + path : prefix + path;
      },
    });
  }
  if (!window.BarcodeDetector) {
    return;
  }
  var button = document.createElement("button");
  button.type = "button";
  button.id = "camera-button";
  button.textContent = "Scan with the camera";
  var status = document.createElement("p");
  status.id = "camera-status";
  status.setAttribute("role", "status");
  var video = document.createElement("video");
  video.muted = true;
  video.playsInline = true;
  video.hidden = true;
  video.setAttribute("aria-label", "What the camera sees");
  field.insertAdjacentElement("afterend", button);
  form.appendChild(status);
  form.appendChild(video);

  function pause(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function stop(stream) {
    stream.getTracks().forEach(function (track) { track.stop(); });
    video.hidden = true;
    button.disabled = false;
  }

  async function scan() {
    button.disabled = true;
    status.textContent = "Starting the camera…";
    var stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (error) {
      status.textContent = "The camera could not be opened: type the ISBN instead.";
      button.disabled = false;
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    var detector = new window.BarcodeDetector({ formats: ["ean_13"] });
    status.textContent = "Hold the barcode on the back of the book in front of the camera.";
    var deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      var codes = [];
      try {
        codes = await detector.detect(video);
      } catch (error) {
        codes = [];
      }
      var isbn = codes.map(function (c) { return c.rawValue; })
        .find(function (value) { return /^97[89][0-9]{10}$/.test(value); });
      if (isbn) {
        stop(stream);
        field.value = isbn;
        status.textContent = "Read ISBN " + isbn + ": looking it up.";
        form.submit();
        return;
      }
      await pause(150);
    }
    stop(stream);
    status.textContent = "No barcode was read: type the ISBN instead.";
  }

  button.addEventListener("click", scan);
})();
