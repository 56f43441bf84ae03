/* The admin's autocomplete fields (Select2) draw a combobox named only by the chosen value, so
   an empty one has no name at all. Name each by its field's label as well ("Compte MARTIN"): the
   <label> of the hidden <select>, or its aria-label in an inline's row. Select2 builds its
   boxes when the page is ready and when a row is added, so new ones are watched for. */
(function () {
  "use strict";

  function labelId(select) {
    var label = select.id ? document.querySelector('label[for="' + CSS.escape(select.id) + '"]') : null;
    if (!label && select.getAttribute("aria-label")) {
      label = document.createElement("span");
      label.className = "visually-hidden";
      label.textContent = select.getAttribute("aria-label");
      select.parentNode.insertBefore(label, select);
    }
    if (!label) {
      return null;
    }
    if (!label.id) {
      label.id = (select.id || "tutti-autocomplete") + "-name";
    }
    return label.id;
  }

  function name(select) {
    var box = select.nextElementSibling;
    if (!box || !box.classList.contains("select2")) {
      return;
    }
    var combobox = box.querySelector(".select2-selection");
    if (!combobox || combobox.hasAttribute("data-tutti-named")) {
      return;
    }
    var id = labelId(select);
    if (!id) {
      return;
    }
    var value = combobox.getAttribute("aria-labelledby");
    combobox.setAttribute("aria-labelledby", value ? id + " " + value : id);
    // The chosen value's own box (a read-only textbox) is named by the label too.
    var rendered = value ? document.getElementById(value) : null;
    if (rendered) {
      rendered.setAttribute("aria-labelledby", id);
    }
    combobox.setAttribute("data-tutti-named", "");
    var search = box.querySelector(".select2-search__field");
    if (search) {
      search.setAttribute("aria-labelledby", id);
    }
  }

  function nameAll() {
    document.querySelectorAll("select.admin-autocomplete").forEach(name);
  }

  new MutationObserver(nameAll).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener("DOMContentLoaded", nameAll);
}());
