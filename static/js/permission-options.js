// Create user, Set permissions: show the panel of the chosen permissions option only.
// Without this script the "Show option" button does the same through the server.
(function () {
  "use strict";
  var options = document.querySelector("[data-permission-options]");
  if (!options) { return; }
  var show = options.querySelector("[data-show-option]");
  if (show) { show.hidden = true; }
  function update() {
    var chosen = options.querySelector("input[type=radio]:checked");
    document.querySelectorAll("[data-option-panel]").forEach(function (panel) {
      panel.hidden = !chosen || panel.getAttribute("data-option-panel") !== chosen.value;
    });
  }
  options.addEventListener("change", update);
  update();
})();
