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

  document.addEventListener("DOMContentLoaded", function () { focusErrors(document); });
  document.addEventListener("htmx:afterSwap", function (event) { focusErrors(event.target); });
})();
