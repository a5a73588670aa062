// Polls a running import's progress and reloads the page when its status changes.
(function () {
  var bar = document.getElementById("import-progress");
  if (!bar) { return; }
  var label = document.getElementById("import-status");
  var status = bar.dataset.status;
  function poll() {
    fetch(bar.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (job) {
        bar.value = Math.round(job.progress * 100);
        bar.textContent = bar.value + "%";
        if (job.status !== status) { window.location.reload(); return; }
        // The status is the page's own, in its language: a new one reloads the page.
        var left = job.seconds_left != null
          ? ", " + label.dataset.left.replace("{seconds}", Math.round(job.seconds_left)) : "";
        label.textContent = label.dataset.label + left;
        setTimeout(poll, 700);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 500);
})();
