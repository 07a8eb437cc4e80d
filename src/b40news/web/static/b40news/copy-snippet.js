// "Copy" buttons: <button data-copy="ID" data-copied="Copied"> copies the text of #ID.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) { return; }
      var label = button.textContent;
      function done() {
        button.textContent = button.getAttribute("data-copied") || label;
        window.setTimeout(function () { button.textContent = label; }, 2000);
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done, function () { source.select(); });
      } else {
        source.focus(); source.select();
        try { document.execCommand("copy"); done(); } catch (error) { /* selected: the visitor copies it */ }
      }
    });
  });
})();
