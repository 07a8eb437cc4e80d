// Forms with a datetime-local field and a hidden utc_offset (data-utc-offset="ID of that input").
// A field marked data-utc comes from the server in UTC: it is shown in the browser's time zone.
// On submit, the browser's offset (minutes east of UTC) at the chosen time goes with the form.
(function () {
  document.querySelectorAll("form[data-utc-offset]").forEach(function (form) {
    var offset = document.getElementById(form.dataset.utcOffset);
    var when = form.querySelector("input[type=datetime-local]");
    if (when && when.value && when.hasAttribute("data-utc")) {
      var utc = new Date(when.value + ":00Z");
      if (!isNaN(utc)) {
        when.value = new Date(utc.getTime() - utc.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
      }
    }
    form.addEventListener("submit", function () {
      var chosen = when && when.value ? new Date(when.value) : new Date();
      offset.value = String(-(isNaN(chosen) ? new Date() : chosen).getTimezoneOffset());
    });
  });
})();
