// Progressive enhancement for the JSON policy editor (templates/policies/_policy_editor.html).
// Without it the page works: the server renders the gutter and the findings on submit.
// With it: the gutter and the textarea height follow the text, and findings refresh live
// from /iam/policies/validate/ (access-analyzer:ValidatePolicy) a moment after typing stops.
(function () {
  "use strict";
  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  var CSS = {ERROR: "error", SECURITY_WARNING: "security", WARNING: "warning", SUGGESTION: "suggestion"};
  function setup(editor) {
    var textarea = editor.querySelector("textarea[data-policy-editor]");
    var gutter = editor.querySelector(".editor-gutter");
    var backdrop = editor.querySelector(".editor-backdrop");
    var list = editor.querySelector("[data-findings]");
    var size = editor.querySelector("[data-size]");
    var url = editor.getAttribute("data-validate-url");
    var marks = {};
    var timer = null;
    function render() {
      var count = textarea.value.split("\n").length;
      textarea.rows = Math.max(count + 2, 14);
      gutter.textContent = ""; backdrop.textContent = "";
      for (var n = 1; n <= count; n++) {
        var li = el("li", marks[n] ? "mark-" + marks[n] : "", String(n));
        gutter.appendChild(li);
        var row = el("div", marks[n] ? "mark-" + marks[n] : ""); row.innerHTML = "&nbsp;";
        backdrop.appendChild(row);
      }
      if (size) size.textContent = String(textarea.value.replace(/\s/g, "").length);
    }
    function show(data) {
      marks = {};
      list.textContent = "";
      var findings = data.findings || [];
      if (!findings.length) { list.appendChild(el("p", "finding finding-ok", "No errors, warnings or suggestions.")); }
      var ul = el("ul", "findings");
      findings.slice().reverse().forEach(function (f) { marks[f.line] = CSS[f.level] || ""; });
      findings.forEach(function (f) {
        var li = el("li", "finding finding-" + (CSS[f.level] || "info"));
        li.appendChild(el("span", "finding-level", f.label));
        li.appendChild(el("span", "finding-where mono", f.where));
        li.appendChild(el("p", "finding-message", f.message));
        if (f.detail) li.appendChild(el("p", "help", f.detail));
        ul.appendChild(li);
      });
      if (findings.length) list.appendChild(ul);
      if (data.more) { list.appendChild(el("p", "help", "And " + data.more + " more finding" + (data.more === 1 ? "" : "s") + ": fix these first.")); }
      editor.classList.toggle("has-errors", !!data.has_errors);
      render();
    }
    function check() {
      if (!url || !window.fetch) return;
      var body = new URLSearchParams();
      body.set("document", textarea.value);
      body.set("max_size", editor.getAttribute("data-max-size") || "");
      body.set("kind", editor.getAttribute("data-kind") || "identity");
      fetch(url, {method: "POST", credentials: "same-origin", body: body,
                  headers: {"X-CSRFToken": csrfToken(textarea.form)}})
        .then(function (r) {
          if (r.status === 403) { throw new Error("Live validation needs access-analyzer:ValidatePolicy; findings appear when you submit."); }
          if (!r.ok) { throw new Error("Live validation is unavailable; findings appear when you submit."); }
          return r.json();
        })
        .then(show)
        .catch(function (e) { list.textContent = ""; list.appendChild(el("p", "help", e.message)); });
    }
    textarea.addEventListener("input", function () {
      render();
      clearTimeout(timer);
      timer = setTimeout(check, 600);
    });
    textarea.addEventListener("keydown", function (e) {
      if (e.key === "Tab" && !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey) {
        // Indent instead of leaving the field; Esc then Tab still moves focus on.
        if (textarea.dataset.escaped === "1") { textarea.dataset.escaped = ""; return; }
        e.preventDefault();
        var s = textarea.selectionStart, t = textarea.selectionEnd;
        textarea.value = textarea.value.slice(0, s) + "    " + textarea.value.slice(t);
        textarea.selectionStart = textarea.selectionEnd = s + 4;
        textarea.dispatchEvent(new Event("input"));
      } else if (e.key === "Escape") { textarea.dataset.escaped = "1"; }
    });
    // Keep the server's marks until the first live result arrives.
    Array.prototype.forEach.call(gutter.children, function (li) {
      var m = /mark-(\w+)/.exec(li.className); if (m) marks[li.getAttribute("data-line")] = m[1];
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".policy-editor"), setup);
  });
})();
