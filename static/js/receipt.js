/* The receipt page: buttons to copy and print the code appear only where this script runs; the
   page works without them (the code is on screen and can be downloaded as text). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var status = document.querySelector(".copy-status");
    var copy = document.querySelector("[data-copy]");
    if (copy && navigator.clipboard && window.isSecureContext) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        var code = document.getElementById(copy.getAttribute("data-copy")).textContent.trim();
        navigator.clipboard.writeText(code).then(function () {
          status.textContent = status.getAttribute("data-copied");
        }, function () {
          status.textContent = status.getAttribute("data-not-copied");
        });
      });
    }
    var print = document.querySelector("[data-print]");
    if (print && window.print) {
      print.hidden = false;
      print.addEventListener("click", function () { window.print(); });
    }
  });
}());
