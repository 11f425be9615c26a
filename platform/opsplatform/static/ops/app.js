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
  // A link to a closed <details> (a step's form further down) opens it, so that following
  // "what is due" lands on the form itself.
  function openTarget(hash) {
    if (!hash || hash.length < 2) { return; }
    var target = document.getElementById(decodeURIComponent(hash.slice(1)));
    if (target && target.tagName === "DETAILS") { target.open = true; }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#']");
    if (link) { openTarget(link.getAttribute("href")); }
  });
  window.addEventListener("hashchange", function () { openTarget(window.location.hash); });

  // Keyboard shortcuts. [data-shortcut="k"]: the key k, pressed outside a text field, focuses
  // the element (a field) or clicks it (a button, a link, a summary). A form with
  // [data-submit-shortcut]: Ctrl+Enter (Cmd+Enter) in it submits it, from any of its fields.
  function typing(element) {
    if (!element) { return false; }
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      var form = event.target.closest && event.target.closest("form[data-submit-shortcut]");
      if (form) {
        event.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var key = event.key;
    if (!key || key.length !== 1) { return; }
    if (key === '"' || key === "\\") { return; }
    var matches = document.querySelectorAll('[data-shortcut="' + key + '"]');
    // The page's own element for the key wins over the header's (the last one in the document).
    var target = matches.length ? matches[matches.length - 1] : null;
    if (!target || target.offsetParent === null) { return; }
    event.preventDefault();
    if (typing(target)) {
      target.focus();
      if (target.select) { target.select(); }
    } else {
      target.click();
      target.focus();
    }
  });

  // <table class="cards">: on a phone each row is a card; each cell is labelled with its
  // column's heading (base.css shows data-label before the value).
  function labelCardCells(root) {
    root.querySelectorAll("table.cards").forEach(function (table) {
      var heads = [];
      table.querySelectorAll("thead tr:first-child th").forEach(function (th) {
        var span = parseInt(th.getAttribute("colspan") || "1", 10);
        for (var i = 0; i < span; i++) { heads.push(th.textContent.trim()); }
      });
      table.querySelectorAll("tbody tr, tfoot tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          if (heads[i] && !cell.hasAttribute("data-label") && !cell.hasAttribute("colspan")) {
            cell.setAttribute("data-label", heads[i]);
          }
        });
      });
    });
  }

  // The element the address points at may come with a part of the page asked for after load
  // (the case file's sections): scroll to it once, when it arrives.
  var hashTargetShown = false;
  function showLateHashTarget() {
    var hash = window.location.hash;
    if (hashTargetShown || hash.length < 2) { return; }
    var wanted = document.getElementById(decodeURIComponent(hash.slice(1)));
    if (wanted) {
      hashTargetShown = true;
      openTarget(hash);
      wanted.scrollIntoView();
    }
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(scrollablesFocusable, 100);
  });

  document.addEventListener("DOMContentLoaded", function () {
    openTarget(window.location.hash);
    hashTargetShown = window.location.hash.length > 1 &&
      document.getElementById(decodeURIComponent(window.location.hash.slice(1))) !== null;
    focusErrors(document);
    labelCardCells(document);
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
    // A part of the page asked for after load (the case file's sections) may hold the element
    // the address points at: show it once it is there.
    showLateHashTarget();
    labelCardCells(event.target.ownerDocument || document);
    focusErrors(event.target);
    scrollablesFocusable();
  });
})();
