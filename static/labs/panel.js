// The lab panel (templates/labs/_panel.html), a progressive enhancement: the panel works
// without it. It counts the lab's time up every second and remembers (for this tab) that the
// panel was collapsed. (The result of a check needs no script: the page comes back to
// #task-<id>-result, a focusable live region, which the browser scrolls to and focuses.)
(function () {
  "use strict";
  var details = document.querySelector("[data-lab-panel]");
  if (!details) { return; }
  var KEY = "labs.panel.collapsed";
  try {
    // A page that comes back to a task (#task-…) shows it: the panel stays open.
    var toTask = window.location.hash.indexOf("#task-") === 0;
    if (!toTask && window.sessionStorage.getItem(KEY) === "1") { details.open = false; }
    details.addEventListener("toggle", function () {
      window.sessionStorage.setItem(KEY, details.open ? "0" : "1");
    });
  } catch (e) { /* storage refused: the panel simply opens each time */ }

  var timer = details.querySelector("[data-lab-timer]");
  if (timer) {
    var started = Number(timer.getAttribute("data-started")) * 1000;
    var minutes = Number(timer.getAttribute("data-minutes"));
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    var tick = function () {
      var seconds = Math.max(0, Math.floor((Date.now() - started) / 1000));
      var text = Math.floor(seconds / 60) + ":" + two(seconds % 60);
      if (timer.textContent !== text) { timer.textContent = text; }
      timer.parentNode.classList.toggle("lab-overtime", seconds >= minutes * 60);
    };
    tick();
    window.setInterval(tick, 1000);
  }

})();
