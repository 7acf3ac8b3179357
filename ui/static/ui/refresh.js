/* The executions list refreshes its rows every 5 seconds (while the box is ticked). */
(function () {
  "use strict";
  var box = document.getElementById("execution-rows");
  var toggle = document.getElementById("autorefresh");
  if (!box) return;
  setInterval(function () {
    if (toggle && !toggle.checked) return;
    if (document.hidden) return;
    fetch(box.dataset.url, {credentials: "same-origin"}).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) { if (html !== null) box.innerHTML = html; }).catch(function () {});
  }, 5000);
})();
