// The branding page: each colour picker and its hexadecimal field stay in step. The field
// alone is sent and works without this script; the picker is shown only when it runs.
(function () {
  "use strict";
  var HEX = /^#[0-9a-fA-F]{6}$/;
  document.querySelectorAll("input[data-colour-for]").forEach(function (picker) {
    var field = document.getElementById(picker.getAttribute("data-colour-for"));
    if (!field) {
      return;
    }
    picker.hidden = false;
    picker.addEventListener("input", function () {
      field.value = picker.value;
    });
    field.addEventListener("input", function () {
      var value = field.value.trim();
      if (value && value.charAt(0) !== "#") {
        value = "#" + value;
      }
      if (HEX.test(value)) {
        picker.value = value.toLowerCase();
      }
    });
  });
})();
