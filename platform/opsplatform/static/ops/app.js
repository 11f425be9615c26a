// Small behaviours for every page. No inline scripts anywhere (the Content-Security-Policy forbids
// them): pages opt in with data- attributes.
(function () {
  "use strict";

  // After a refused form, move focus to the error summary so keyboard and screen-reader users
  // hear what to fix.
  function focusErrors(root) {
    var summary = root.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }

  // <button data-confirm="…">: ask before an irreversible step.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // <select data-autosubmit>: submit its form on change (filters).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-autosubmit]") && target.form) {
      target.form.requestSubmit();
    }
  });

  // A box that scrolls sideways (a wide table on a phone) must be reachable by keyboard, or its
  // hidden columns are out of reach without a mouse: make each overflowing box focusable.
  function scrollablesFocusable() {
    document.querySelectorAll(".table-wrap, .card").forEach(function (box) {
      var overflowing = box.scrollWidth > box.clientWidth + 1;
      if (overflowing && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-focus", "");
      } else if (!overflowing && box.hasAttribute("data-scroll-focus")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-focus");
      }
    });
    // The width the boxes were last checked at: lets a test wait for the check after a resize.
    document.documentElement.setAttribute("data-scroll-checked", String(window.innerWidth));
  }
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(scrollablesFocusable, 100);
  });

  document.addEventListener("DOMContentLoaded", function () {
    focusErrors(document);
    scrollablesFocusable();
    // A search typed before the scripts ran (a fast typist on a slow connection: the page shows
    // before its deferred scripts run) had no one listening, and htmx took the typed text as the
    // field's starting value, so "input changed" stays silent until the next key. htmx has
    // processed the page by now (its DOMContentLoaded handler was registered first): send the
    // "search" event every search box listens for, or "input" where it has no "changed" guard.
    document.querySelectorAll("input[type=search]").forEach(function (input) {
      if (input.value !== input.defaultValue) {
        input.dispatchEvent(new Event("search", { bubbles: true }));
        input.dispatchEvent(new Event("input", { bubbles: true }));
      }
    });
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    focusErrors(event.target);
    scrollablesFocusable();
  });
})();
