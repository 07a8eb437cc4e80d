// The invitations of an office import: poll the JSON endpoint named by
// #invitations[data-url] and update its figures until nothing is waiting.
(function () {
  "use strict";
  var box = document.getElementById("invitations");
  if (!box) { return; }
  var url = box.getAttribute("data-url");
  var bar = box.querySelector("progress");
  function show(data) {
    ["sent", "total", "pending", "failed"].forEach(function (name) {
      var cell = box.querySelector('[data-figure="' + name + '"]');
      if (cell) { cell.textContent = String(data[name]); }
    });
    if (bar) { bar.max = Math.max(1, data.total); bar.value = data.sent; bar.textContent = String(data.sent); }
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); })
      .then(function (data) {
        show(data);
        box.setAttribute("data-pending", String(data.pending));
        if (data.pending > 0) { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  poll();
})();
