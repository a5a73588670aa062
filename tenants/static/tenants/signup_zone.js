// The sign-up form's hidden time_zone field: the browser's own zone (Europe/Berlin), so a new
// library shows its times in its own zone from the start. Without it the server guesses.
(function () {
  "use strict";
  var field = document.getElementById("id_time_zone");
  if (!field || field.value) {
    return;
  }
  try {
    field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    field.value = "";
  }
})();
