// Camera scanning for the add page's ISBN field: a "Scan with the camera" button reads an
// EAN-13 barcode through the BarcodeDetector API (the browser's own, or the polyfill in
// vendor/) and looks the ISBN up. Without JavaScript or a camera the typed ISBN still works.
// Its words come translated from the form's data-camera-* attributes.
(function () {
  "use strict";
  // A field given the focus with a value in it (the suggested copy barcode) has it selected:
  // a scan then replaces it instead of being typed in front of it.
  var focused = document.querySelector("input[autofocus]");
  if (focused && focused.value) {
    focused.focus();
    focused.select();
  }
  var form = document.getElementById("scan-form");
  var field = document.getElementById("id_isbn_scan");
  if (!form || !field || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  function said(name) {
    return form.getAttribute("data-camera-" + name) || "";
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
  button.textContent = said("button");
  var status = document.createElement("p");
  status.id = "camera-status";
  status.setAttribute("role", "status");
  var video = document.createElement("video");
  video.muted = true;
  video.playsInline = true;
  video.hidden = true;
  video.setAttribute("aria-label", said("video"));
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
    status.textContent = said("starting");
    var stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (error) {
      status.textContent = said("refused");
      button.disabled = false;
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    var detector = new window.BarcodeDetector({ formats: ["ean_13"] });
    status.textContent = said("aim");
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
        status.textContent = said("read").replace("{isbn}", isbn);
        form.submit();
        return;
      }
      await pause(150);
    }
    stop(stream);
    status.textContent = said("none");
  }

  button.addEventListener("click", scan);
})();
