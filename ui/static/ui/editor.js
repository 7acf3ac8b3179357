/* The flow editor: a textarea over a highlighted copy of its text (a small YAML tokenizer),
   a line gutter marking errors and warnings, live validation against the API as you type,
   and the topology graph redrawn whenever the text validates. No dependencies. */
(function () {
  "use strict";
  var conf = window.KESTRA || {};
  var area = document.getElementById("source");
  var hl = document.querySelector("#editor pre.hl");
  var gutter = document.querySelector("#editor .gutter");
  var problems = document.getElementById("problems");
  var graphBox = document.getElementById("graph");
  if (!area) return;

  function esc(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function span(css, text) { return '<span class="tok-' + css + '">' + esc(text) + "</span>"; }

  // Expressions `{{ ... }}` inside a scalar stand out from the rest of the string.
  function scalar(text, css) {
    var out = "", rest = text, at;
    while ((at = rest.indexOf("{{")) >= 0) {
      var end = rest.indexOf("}}", at);
      if (end < 0) break;
      out += span(css, rest.slice(0, at)) + span("expr", rest.slice(at, end + 2));
      rest = rest.slice(end + 2);
    }
    return out + (rest ? span(css, rest) : "");
  }

  function value(text) {
    var trimmed = text.trim();
    if (!trimmed) return esc(text);
    var lead = text.slice(0, text.indexOf(trimmed.charAt(0)));
    var comment = "";
    var hash = trimmed.search(/\s#/);
    if (hash >= 0 && trimmed.charAt(0) !== '"' && trimmed.charAt(0) !== "'") {
      comment = trimmed.slice(hash);
      trimmed = trimmed.slice(0, hash);
    }
    var body;
    if (/^(true|false|null|~|yes|no)$/i.test(trimmed)) body = span("bool", trimmed);
    else if (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) body = span("num", trimmed);
    else if (/^[|>][-+]?\d*$/.test(trimmed)) body = span("punct", trimmed);
    else if (/^[\[{]/.test(trimmed)) body = scalar(trimmed, "punct");
    else body = scalar(trimmed, "str");
    return esc(lead) + body + (comment ? span("com", comment) : "");
  }

  // One line at a time; a block scalar (| or >) keeps its lines as strings.
  function highlight(text) {
    var lines = text.split("\n"), out = [], block = -1;
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      var indent = line.length - line.replace(/^\s+/, "").length;
      if (block >= 0) {
        if (!line.trim() || indent > block) { out.push(scalar(line, "str")); continue; }
        block = -1;
      }
      var m;
      if (/^\s*#/.test(line)) { out.push(span("com", line)); continue; }
      if (/^(---|\.\.\.)\s*$/.test(line)) { out.push(span("doc", line)); continue; }
      m = /^(\s*)(- )?((?:"[^"]*"|'[^']*'|[^\s#'"{\[][^:#]*?)\s*)(:)(\s.*|$)/.exec(line);
      if (m) {
        var dash = m[2] ? span("punct", "- ") : "";
        out.push(esc(m[1]) + dash + span("key", m[3]) + span("punct", ":") + value(m[5]));
        if (/^\s*[|>][-+]?\d*\s*$/.test(m[5])) block = indent + (m[2] ? 2 : 0);
        continue;
      }
      m = /^(\s*)(- )(.*)$/.exec(line);
      if (m) { out.push(esc(m[1]) + span("punct", "- ") + value(m[3])); continue; }
      out.push(value(line));
    }
    return out.join("\n") + "\n";
  }

  var marks = {};  // line -> "err" | "warn"
  function renderGutter() {
    var count = area.value.split("\n").length, html = [];
    for (var i = 1; i <= count; i++) {
      var css = marks[i] ? ' class="' + marks[i] + '"' : "";
      html.push("<div" + css + ' data-line="' + i + '">' + i + "</div>");
    }
    gutter.innerHTML = html.join("");
    gutter.scrollTop = area.scrollTop;
  }
  function render() {
    hl.innerHTML = highlight(area.value);
    renderGutter();
    sync();
  }
  function sync() {
    hl.scrollTop = area.scrollTop;
    hl.scrollLeft = area.scrollLeft;
    gutter.scrollTop = area.scrollTop;
  }

  // Tab indents with two spaces (YAML has no tabs).
  area.addEventListener("keydown", function (event) {
    if (event.key === "Tab" && !event.shiftKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      var start = area.selectionStart, end = area.selectionEnd;
      area.value = area.value.slice(0, start) + "  " + area.value.slice(end);
      area.selectionStart = area.selectionEnd = start + 2;
      changed();
    } else if ((event.ctrlKey || event.metaKey) && event.key === "s") {
      event.preventDefault();
      document.getElementById("editor-form").requestSubmit();
    }
  });
  area.addEventListener("scroll", sync);
  area.addEventListener("input", changed);

  var timer = null, generation = 0;
  function changed() {
    render();
    clearTimeout(timer);
    timer = setTimeout(validate, 350);
  }

  function show(errors, warnings) {
    marks = {};
    warnings.forEach(function (w) { if (w.line) marks[w.line] = "warn"; });
    errors.forEach(function (e) { if (e.line) marks[e.line] = "err"; });
    renderGutter();
    if (!errors.length && !warnings.length) {
      problems.innerHTML = '<span class="ok" id="valid">✓ Valid flow</span>';
      return;
    }
    var items = errors.map(function (e) {
      return '<li class="error" data-line="' + (e.line || "") + '">' + (e.line ? "line " + e.line + ": " : "") +
        esc((e.path ? e.path + ": " : "") + e.message) + "</li>";
    }).concat(warnings.map(function (w) {
      return '<li class="warning" data-line="' + (w.line || "") + '">' + (w.line ? "line " + w.line + ": " : "") +
        "warning: " + esc((w.path ? w.path + ": " : "") + w.message) + "</li>";
    }));
    problems.innerHTML = "<strong>" + errors.length + " error(s), " + warnings.length +
      " warning(s)</strong><ul>" + items.join("") + "</ul>";
  }

  function post(url, body, type) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": type, "X-CSRFToken": conf.csrf, "Accept": "application/json"},
      body: body
    }).then(function (r) {
      if (!r.ok && r.status !== 422) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  function validate() {
    var mine = ++generation, text = area.value;
    var api = post(conf.validate, text, "application/x-yaml");
    var preview = post(conf.preview, new URLSearchParams({source: text}).toString(),
      "application/x-www-form-urlencoded");
    Promise.all([api, preview]).then(function (answers) {
      if (mine !== generation) return;  // the text changed meanwhile
      var reports = Array.isArray(answers[0]) ? answers[0] : [answers[0]];
      var errors = [];
      reports.forEach(function (r) { errors = errors.concat(r.violations || []); });
      var warnings = answers[1].warnings || [];
      show(errors, warnings);
      if (answers[1].svg) graphBox.innerHTML = answers[1].svg;
    }).catch(function (error) {
      if (mine === generation) problems.innerHTML = '<span class="field-error">Validation unavailable: ' + esc(String(error)) + "</span>";
    });
  }

  // A click on a problem puts the cursor on its line.
  problems.addEventListener("click", function (event) {
    var li = event.target.closest("li[data-line]");
    if (!li || !li.dataset.line) return;
    var line = parseInt(li.dataset.line, 10), offset = 0, lines = area.value.split("\n");
    for (var i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
    area.focus();
    area.setSelectionRange(offset, offset + (lines[line - 1] || "").length);
    area.scrollTop = Math.max(0, (line - 5) * 19);
    sync();
  });

  render();
  validate();
})();
