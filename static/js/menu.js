/* The top bar's menu on narrow screens: a button opens and closes it. Without this file the
   menu is simply shown open, and its groups still open as <details>. */
(function () {
  "use strict";
  document.documentElement.classList.add("js-menu");

  function setOpen(button, menu, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("is-open", open);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".menu-button");
    var menu = button && document.getElementById(button.getAttribute("aria-controls"));
    if (menu) {
      button.hidden = false;
      button.addEventListener("click", function () {
        setOpen(button, menu, button.getAttribute("aria-expanded") !== "true");
      });
    }
    // A list's filters, folded behind their button on a phone (the CSS shows the button
    // there only); the button says how many filters are in use.
    var filtersToggle = document.querySelector(".filters-toggle");
    var filters = filtersToggle &&
      document.getElementById(filtersToggle.getAttribute("aria-controls"));
    if (filters) {
      var inUse = Array.prototype.filter.call(
        filters.querySelectorAll("input:not([type=hidden]), select"),
        function (field) { return field.value !== ""; }).length;
      if (inUse) {
        filtersToggle.querySelector(".filters-toggle__count").textContent = " (" + inUse + ")";
      }
      filtersToggle.hidden = false;
      filtersToggle.addEventListener("click", function () {
        var open = filtersToggle.getAttribute("aria-expanded") !== "true";
        filtersToggle.setAttribute("aria-expanded", open ? "true" : "false");
        filters.classList.toggle("is-open", open);
      });
    }
    var groups = Array.prototype.slice.call(document.querySelectorAll(".nav__group"));
    // One submenu open at a time; a click elsewhere or Escape closes it.
    groups.forEach(function (group) {
      group.addEventListener("toggle", function () {
        if (!group.open) { return; }
        groups.forEach(function (other) { if (other !== group) { other.open = false; } });
      });
    });
    document.addEventListener("click", function (event) {
      groups.forEach(function (group) {
        if (group.open && !group.contains(event.target)) { group.open = false; }
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      groups.forEach(function (group) {
        if (group.open) {
          group.open = false;
          group.querySelector("summary").focus();
        }
      });
      if (menu && menu.classList.contains("is-open")) {
        setOpen(button, menu, false);
        button.focus();
      }
    });
  });
})();
