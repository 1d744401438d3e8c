// Small progressive enhancements of the page shell. Every page works without
// this file; it is loaded from a file because the CSP allows no inline scripts.
(() => {
  "use strict";

  function foldNavigation() {
    const toggle = document.querySelector(".nav-toggle");
    const nav = document.getElementById("main-nav");
    if (!toggle || !nav) return;
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("is-open", open);
    });
  }

  // The user menu is a <details>: it works without JavaScript; this closes it
  // on Escape and when clicking elsewhere, as people expect of a menu.
  function closeMenusOnLeave() {
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      document.querySelectorAll("details.user-menu[open]").forEach((menu) => {
        menu.open = false;
        menu.querySelector("summary").focus();
      });
    });
    document.addEventListener("click", (event) => {
      document.querySelectorAll("details.user-menu[open]").forEach((menu) => {
        if (!menu.contains(event.target)) menu.open = false;
      });
    });
  }

  // After a failed submit, focus the error summary so screen readers announce it.
  function focusErrorSummary() {
    const summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  }

  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", () => {
    foldNavigation();
    closeMenusOnLeave();
    focusErrorSummary();
  });
})();
