/* An execution's page: live logs over server-sent events (filtered by task and level in the
   page), and the state, Gantt, graph and outputs refreshed while the execution runs. */
(function () {
  "use strict";
  var LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"];
  var logs = document.getElementById("logs");
  var status = document.getElementById("log-status");
  var taskSelect = document.getElementById("log-task");
  var levelSelect = document.getElementById("log-level");
  var live = document.getElementById("live");
  var lines = [];

  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function visible(entry) {
    var task = taskSelect.value, min = LEVELS.indexOf(levelSelect.value);
    return (!task || entry.taskId === task) && LEVELS.indexOf(entry.level) >= min;
  }
  function row(entry) {
    var ts = (entry.timestamp || "").replace("T", " ").slice(0, 23);
    return '<div class="line" data-task="' + esc(entry.taskId || "") + '" data-level="' + entry.level + '">' +
      '<span class="ts">' + esc(ts) + '</span> <span class="lvl ' + entry.level + '">' + entry.level +
      "</span> " + (entry.taskId ? '<span class="task">' + esc(entry.taskId) + "</span> " : "") +
      esc(entry.message) + "</div>";
  }
  function redraw() {
    logs.innerHTML = lines.filter(visible).map(row).join("");
    logs.scrollTop = logs.scrollHeight;
    var task = taskSelect.value;
    var link = document.getElementById("log-download");
    var base = link.getAttribute("href").split("?")[0];
    var query = new URLSearchParams({minLevel: levelSelect.value});
    if (task) query.set("taskId", task);
    link.setAttribute("href", base + "?" + query.toString());
  }
  taskSelect.addEventListener("change", redraw);
  levelSelect.addEventListener("change", redraw);

  var source = new EventSource(logs.dataset.follow + "?minLevel=TRACE");
  source.onopen = function () { status.textContent = "live"; };
  source.addEventListener("progress", function (event) {
    var entry = JSON.parse(event.data);
    lines.push(entry);
    if (entry.taskId && !Array.prototype.some.call(taskSelect.options, function (o) { return o.value === entry.taskId; })) {
      var option = document.createElement("option");
      option.textContent = entry.taskId;
      taskSelect.appendChild(option);
    }
    if (visible(entry)) {
      var stick = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 30;
      logs.insertAdjacentHTML("beforeend", row(entry));
      if (stick) logs.scrollTop = logs.scrollHeight;
    }
  });
  source.onerror = function () {
    // The server ends the stream once the execution is over and every line was sent.
    source.close();
    status.textContent = lines.length + " line(s)";
  };

  // The rest of the page follows the execution until it ends.
  if (live && live.dataset.terminal !== "1") {
    var timer = setInterval(function () {
      fetch(live.dataset.url, {credentials: "same-origin"}).then(function (r) {
        return r.ok ? r.text() : null;
      }).then(function (html) {
        if (html === null) return;
        live.innerHTML = html;
        var state = document.getElementById("execution-state");
        var terminal = ["SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "SKIPPED"];
        if (state && terminal.indexOf(state.textContent.trim()) >= 0) {
          clearInterval(timer);
          // The actions available change with the state: reload the page once.
          setTimeout(function () { window.location.reload(); }, 300);
        }
      }).catch(function () {});
    }, 1500);
  }
})();
