/* Kiosk mode: after a while without a touch or a key, the screen clears for the next person. */
(function () {
  "use strict";
  var root = document.documentElement;
  var seconds = parseInt(root.getAttribute("data-kiosk-idle"), 10) || 120;
  var target = root.getAttribute("data-kiosk-clear");
  var timer = null;
  function restart() {
    clearTimeout(timer);
    timer = setTimeout(function () { window.location.replace(target); }, seconds * 1000);
  }
  ["keydown", "pointerdown", "touchstart", "input", "scroll"].forEach(function (name) {
    window.addEventListener(name, restart, { passive: true, capture: true });
  });
  restart();
}());
