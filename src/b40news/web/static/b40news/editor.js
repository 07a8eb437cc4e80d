/* The segment editor (web/office/review.html): save without reloading, keyboard, filters.
 *
 * Progressive enhancement: without this file every segment's form posts and the
 * page comes back; with it, the form's fields go to its data-json endpoint and
 * only the segment's row changes. No inline script, no eval (the office's CSP).
 * Keys: Alt+Down / Alt+Up next / previous segment, Alt+F next flagged segment,
 * Ctrl+Enter (Cmd+Enter) save and go to the next, Escape close the editor.
 */
(function () {
  "use strict";
  var root = document.getElementById("editor");
  if (!root) { return; }
  var rows = Array.prototype.slice.call(root.querySelectorAll("tr.segment"));
  var say = document.getElementById("editor-status");
  var current = null;

  function text(name) { return root.getAttribute("data-msg-" + name) || ""; }
  function editorOf(row) { return row ? row.querySelector('details[data-role="editor"]') : null; }
  function visible() { return rows.filter(function (row) { return !row.hidden; }); }

  function tell(message, failed) {
    if (!say) { return; }
    say.textContent = message;
    say.className = failed ? "error" : "muted";
  }

  function open(row) {
    if (!row) { return; }
    rows.forEach(function (other) {
      if (other !== row) {
        var details = editorOf(other);
        if (details) { details.open = false; }
        other.classList.remove("active");
      }
    });
    current = row;
    row.classList.add("active");
    var details = editorOf(row);
    if (details) {
      details.open = true;
      var area = details.querySelector("textarea");
      if (area) { area.focus(); }
    }
    row.scrollIntoView({block: "nearest"});
  }

  function close() {
    var details = editorOf(current);
    if (details) { details.open = false; }
    if (current) { current.classList.remove("active"); }
  }

  function step(delta, flaggedOnly) {
    var list = visible();
    if (!list.length) { return; }
    var at = list.indexOf(current);
    for (var n = 1; n <= list.length; n += 1) {
      var index = at === -1 ? (delta > 0 ? n - 1 : list.length - n) : (at + delta * n + list.length * n) % list.length;
      var row = list[index];
      if (!flaggedOnly || row.getAttribute("data-flagged") === "1") { open(row); return; }
    }
    if (flaggedOnly) { tell(text("none-flagged"), false); }
  }

  function item(html) {
    var li = document.createElement("li");
    li.textContent = html;
    return li;
  }

  function update(row, data) {
    var target = row.querySelector('[data-role="target"]');
    target.textContent = data.target;
    var state = row.querySelector('[data-role="state"]');
    state.textContent = data.state_label;
    state.className = "state state-" + data.state;
    row.setAttribute("data-state", data.state);
    row.setAttribute("data-flagged", data.flagged ? "1" : "0");
    var flags = row.querySelector('[data-role="flags"]');
    if (flags && !data.flagged) { flags.remove(); }
    var questions = row.querySelector('[data-role="questions"]');
    if (questions) { questions.remove(); }
    if (data.questions && data.questions.length) {
      questions = document.createElement("ul");
      questions.className = "questions";
      questions.setAttribute("data-role", "questions");
      data.questions.forEach(function (term) { questions.appendChild(item(text("question").replace("%s", term))); });
      target.parentNode.insertBefore(questions, editorOf(row));
    }
    if (data.history) {
      var history = row.querySelector('[data-role="history"]');
      var li = document.createElement("li");
      var del = document.createElement("del");
      var ins = document.createElement("ins");
      del.textContent = data.history.before;
      ins.textContent = data.history.after;
      li.appendChild(document.createTextNode(data.history.when + " · " + data.history.who + ": "));
      li.appendChild(del);
      li.appendChild(document.createTextNode(" → "));
      li.appendChild(ins);
      li.className = "saved";
      history.querySelector('[data-role="history-list"]').appendChild(li);
      history.hidden = false;
    }
    var count = document.getElementById("flagged-count");
    if (count && data.flagged_text) {
      count.textContent = data.flagged_text;
      count.setAttribute("data-count", String(data.flagged_count));
    }
    var approve = document.getElementById("approve-button");
    if (approve && data.approve_text) { approve.textContent = data.approve_text; }
    var approveForm = document.getElementById("approve-form");
    if (approveForm && data.approvable) { approveForm.hidden = false; }  // the last segment was just written
    var status = document.getElementById("translation-status");
    if (status) {
      status.textContent = data.status_label;
      status.className = "status status-" + data.status;
    }
  }

  function save(row, thenNext) {
    var form = editorOf(row).querySelector("form");
    var area = form.querySelector("textarea");
    if (!area.value.trim()) { tell(text("empty"), true); area.focus(); return; }
    row.classList.add("saving");
    fetch(form.getAttribute("data-json"), {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: {"Accept": "application/json", "X-Requested-With": "fetch"}
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    }).then(function (result) {
      row.classList.remove("saving");
      if (!result.ok || !result.data.ok) { tell(result.data.error || text("failed"), true); return; }
      update(row, result.data);
      tell(result.data.message, false);
      if (thenNext) { step(1, false); }
    }).catch(function () {
      row.classList.remove("saving");
      tell(text("failed"), true);
    });
  }

  function filter(name) {
    rows.forEach(function (row) {
      var state = row.getAttribute("data-state");
      row.hidden = (name === "flagged" && row.getAttribute("data-flagged") !== "1") ||
        (name === "todo" && state !== "empty" && state !== "draft");
    });
    root.querySelectorAll("[data-filter]").forEach(function (link) {
      if (link.getAttribute("data-filter") === name) { link.setAttribute("aria-current", "true"); }
      else { link.removeAttribute("aria-current"); }
    });
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", "?filter=" + encodeURIComponent(name) + window.location.hash);
    }
  }

  rows.forEach(function (row) {
    var details = editorOf(row);
    if (!details) { return; }
    var target = row.querySelector('[data-role="target"]');
    target.addEventListener("click", function () { open(row); });
    target.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); open(row); }
    });
    details.addEventListener("toggle", function () { if (details.open && current !== row) { open(row); } });
    details.querySelector("form").addEventListener("submit", function (event) {
      event.preventDefault();
      save(row, false);
    });
  });

  root.querySelectorAll("[data-filter]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      filter(link.getAttribute("data-filter"));
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey && event.key === "ArrowDown") { event.preventDefault(); step(1, false); }
    else if (event.altKey && event.key === "ArrowUp") { event.preventDefault(); step(-1, false); }
    else if (event.altKey && event.code === "KeyF") { event.preventDefault(); step(1, true); }
    else if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && current && editorOf(current) &&
             editorOf(current).contains(event.target)) { event.preventDefault(); save(current, true); }
    else if (event.key === "Escape" && current) { close(); }
  });

  root.setAttribute("data-ready", "1");
}());
