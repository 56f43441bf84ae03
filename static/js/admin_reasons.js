/* Admin refusal page: picking a ready-made reason copies it into the reason text, to edit. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-tutti-reason-for]").forEach(function (select) {
      var text = document.getElementById(select.getAttribute("data-tutti-reason-for"));
      if (!text) {
        return;
      }
      select.addEventListener("change", function () {
        if (select.selectedIndex > 0) {
          text.value = select.options[select.selectedIndex].text;
          text.focus();
        }
      });
    });
  });
}());
