/* A conversation's page: "Use this template" puts the template's text into the reply box at once.
   Without this script the button reloads the page with the text in the box. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-templates]");
    var box = document.querySelector("#reply ~ form textarea[name=message]");
    if (!form || !box) {
      return;
    }
    form.addEventListener("submit", function (event) {
      var select = form.querySelector("select[name=template]");
      var option = select.options[select.selectedIndex];
      if (!option) {
        return;
      }
      event.preventDefault();
      box.value = option.getAttribute("data-text");
      box.focus();
    });
  });
}());
