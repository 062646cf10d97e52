// The page works without this script; it only saves a click: moving the as-of slider
// (with the pointer) or ticking a box shows the answer at once. Keyboard users move the
// slider with the arrow keys and press Enter, so each key press does not reload the page.
(function () {
  "use strict";
  var keyed = false;
  document.addEventListener("keydown", function () { keyed = true; });
  document.addEventListener("pointerdown", function () { keyed = false; });
  var slider = document.getElementById("as-of-position");
  var shown = document.getElementById("as-of-position-value");
  if (slider && shown) {
    slider.addEventListener("input", function () { shown.textContent = "@" + slider.value; });
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-autosubmit]"), function (control) {
    control.addEventListener("change", function () {
      if (keyed && control.type === "range") { return; }
      var form = control.form;
      if (control.type === "range") {
        var date = form.querySelector("input[name=on]");
        if (date) { date.disabled = true; }  // the position wins over a date left in the box
      }
      form.submit();
    });
  });
})();
