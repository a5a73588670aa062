// The desk's scans sent one after another without leaving the page. A scanner types the next
// barcode while the desk is still answering the last one; a page being reloaded would drop
// those keystrokes (or send half a barcode), so the field stays put and keeps them, and each
// scan waits in turn for the one before it.
(function () {
  var form = document.getElementById("scan");
  if (!form || !window.fetch || !window.DOMParser || !window.FormData) { return; }
  var field = document.getElementById("barcode");
  var label = form.querySelector("label");
  var shown = form.querySelector("input[name=shown_patron]");
  var deskPage = form.querySelector("input[name=desk_page]");
  var queue = [];
  var busy = false;

  // Put the answer's lines, patron and field label in place of the page's, and the patron it
  // shows in the form: the next scan says which patron it was scanned for (another tab of the
  // desk may change the patron meanwhile, and the desk then lends nothing).
  function show(html) {
    var answer = new DOMParser().parseFromString(html, "text/html");
    var answerForm = answer.getElementById("scan");
    if (!answerForm) { return false; }  // signed out, say: the caller loads the page itself
    label.textContent = answerForm.querySelector("label").textContent;
    shown.value = answerForm.querySelector("input[name=shown_patron]").value;
    // The lines shown are this page's own (another tab has its own): the same token, and an
    // address that keeps them when the page is loaded again.
    var answerPage = answerForm.querySelector("input[name=desk_page]");
    if (deskPage && answerPage) { deskPage.value = answerPage.value; }
    var anchor = form;
    ["lines", "patron"].forEach(function (id) {
      var mine = document.getElementById(id);
      var theirs = answer.getElementById(id);
      if (mine && theirs) {
        mine.innerHTML = theirs.innerHTML;  // the same element: a live region stays live
      } else if (mine) {
        mine.remove();
      } else if (theirs) {
        mine = document.importNode(theirs, true);
        anchor.after(mine);
      }
      anchor = mine || anchor;
    });
    return true;
  }

  function unsent(codes) {
    var lines = document.getElementById("lines");
    if (!lines) {
      lines = document.createElement("ul");
      lines.id = "lines";
      lines.setAttribute("aria-live", "polite");
      form.after(lines);
    }
    var line = document.createElement("li");
    line.className = "desk-error";
    line.setAttribute("role", "alert");
    line.textContent = form.dataset.unsent + " " + codes.join(", ");
    lines.prepend(line);
  }

  function next() {
    if (busy || queue.length === 0) { return; }
    busy = true;
    var code = queue.shift();
    var body = new FormData(form);
    body.set("barcode", code);
    fetch(form.action, {method: "POST", body: body, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        if (response.redirected && window.history && window.history.replaceState) {
          window.history.replaceState(null, "", response.url);
        }
        return response.text();
      })
      .then(function (html) {
        if (!show(html)) { window.location.assign(window.location.href); }
        busy = false;
        next();
      })
      .catch(function () {
        // Nothing more is sent after a failure: those scans would land on the wrong patron.
        unsent([code].concat(queue));
        queue = [];
        busy = false;
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    queue.push(field.value.trim());
    field.value = "";
    field.focus();
    next();
  });
})();
