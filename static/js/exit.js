/* Quick exit: the link works without this script. With it, the link replaces this page in
   history, pressing Shift three times leaves at once, and the back button shows a blank page. */
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) { return; }
  var target = link.getAttribute("href");
  var KEY = "portal-exited";

  function leave(event) {
    if (event) { event.preventDefault(); }
    try { window.sessionStorage.setItem(KEY, "1"); } catch (e) { /* storage may be off */ }
    document.documentElement.classList.add("exiting");
    document.title = "";
    window.location.replace(target);
  }

  link.addEventListener("click", leave);

  var presses = 0;
  var timer = null;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift" || event.repeat) { return; }
    presses += 1;
    clearTimeout(timer);
    timer = setTimeout(function () { presses = 0; }, 1000);
    if (presses >= 3) { leave(); }
  });

  /* a page restored from the back-forward cache after leaving stays blank and leaves again */
  window.addEventListener("pageshow", function () {
    var exited = false;
    try { exited = window.sessionStorage.getItem(KEY) === "1"; } catch (e) { exited = false; }
    if (exited) {
      try { window.sessionStorage.removeItem(KEY); } catch (e) { /* ignore */ }
      document.documentElement.classList.add("exiting");
      window.location.replace(target);
    }
  });

  document.documentElement.classList.add("js");
}());
