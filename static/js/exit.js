/* Quick exit: the link works without this script. With it, the link replaces this page in
   history, pressing Shift three times on its own leaves at once, and going back to the portal
   after leaving leaves again before the page shows. */
(function () {
  "use strict";
  var KEY = "portal-exited";
  var root = document.documentElement;

  function exited() {
    try { return window.sessionStorage.getItem(KEY) === "1"; } catch (e) { return false; }
  }

  function remember(value) {
    try {
      if (value) { window.sessionStorage.setItem(KEY, "1"); } else { window.sessionStorage.removeItem(KEY); }
    } catch (e) { /* storage may be off: the link still leaves */ }
  }

  function target() {
    var link = document.getElementById("quick-exit");
    return link ? link.getAttribute("href") : "about:blank";
  }

  function leave(event) {
    if (event) { event.preventDefault(); }
    remember(true);
    root.classList.add("exiting");
    document.title = "";
    window.location.replace(target());
  }

  function cameBack(event) {
    if (event && event.persisted) { return true; }
    var entries = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation") : [];
    return entries.length > 0 && entries[0].type === "back_forward";
  }

  /* this script runs in the head, before the page shows: a page reached with Back after
     leaving is hidden at once and replaced by the exit site; a page opened anew forgets */
  if (exited()) {
    if (cameBack()) {
      root.classList.add("exiting");
      document.addEventListener("DOMContentLoaded", function () { window.location.replace(target()); });
    } else {
      remember(false);
    }
  }
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && exited()) {
      root.classList.add("exiting");
      window.location.replace(target());
    }
  });

  /* Shift counts only when pressed and released on its own: the Shift of a capital letter is
     followed by another key, which starts the count again */
  var presses = 0;
  var alone = false;
  var timer = null;
  document.addEventListener("keydown", function (event) {
    if (event.key === "Shift") {
      if (!event.repeat) { alone = true; }
      return;
    }
    alone = false;
    presses = 0;
  });
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift" || !alone) { return; }
    alone = false;
    presses += 1;
    clearTimeout(timer);
    timer = setTimeout(function () { presses = 0; }, 5000);
    if (presses >= 3) { leave(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var link = document.getElementById("quick-exit");
    if (link) { link.addEventListener("click", leave); }
  });

  root.classList.add("js");
}());
