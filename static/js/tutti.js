/* Tutti: after a submit, put the keyboard focus and the view where the news is (RGAA 7.1, 11.10).
 *
 * - A failed submit: focus goes to the error summary (#form-errors), or to an error message.
 *   The server already starts the page title with "Erreur : ".
 * - A successful one (post/redirect/get): focus and view go to the confirmation (role="status"),
 *   and the address loses the field fragment the browser carried over the redirect, so the page
 *   does not jump back down to that field.
 * - The main menu works without JavaScript too: the "no-js" class shows it open.
 *
 * No inline script anywhere: this file is the portal's only script besides Bootstrap.
 */
(function () {
  "use strict";

  document.documentElement.classList.remove("no-js");

  function focusOn(element, scrollToTop) {
    if (!element.hasAttribute("tabindex")) {
      element.setAttribute("tabindex", "-1");
    }
    if (scrollToTop) {
      window.scrollTo(0, 0);
    }
    element.focus({ preventScroll: true });
    var box = element.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) {
      element.scrollIntoView({ block: "start" });
    }
  }

  function putFocusWhereTheNewsIs() {
    var errors = document.getElementById("form-errors") ||
      document.querySelector(".tutti-messages [role='alert']");
    if (errors) {
      focusOn(errors, false);
      return;
    }
    var confirmation = document.querySelector(".tutti-messages [role='status']");
    if (confirmation) {
      if (window.location.hash) {
        window.history.replaceState(null, "", window.location.pathname + window.location.search);
      }
      focusOn(confirmation, true);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", putFocusWhereTheNewsIs);
  } else {
    putFocusWhereTheNewsIs();
  }
  // The browser scrolls to a fragment once the page has loaded: come back to the news after it.
  window.addEventListener("load", function () {
    var active = document.activeElement;
    if (active && active.closest && active.closest(".tutti-messages, #form-errors")) {
      var box = active.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) {
        active.scrollIntoView({ block: "start" });
      }
    }
  });
}());
