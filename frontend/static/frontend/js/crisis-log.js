/* Crisis log page: a "correct" button fills the hidden `corrects` field of the entry form. */
(function () {
  "use strict";
  var form = document.getElementById("log-form");
  if (!form) return;
  var hidden = form.querySelector("input[name=corrects]"), box = document.getElementById("correcting");
  document.querySelectorAll("button.correct").forEach(function (b) {
    b.addEventListener("click", function () {
      hidden.value = b.dataset.entry; box.hidden = false; box.querySelector("output").textContent = "n° " + b.dataset.entry;
      form.querySelector("input[name=text]").focus();
    });
  });
  document.getElementById("cancel-correction").addEventListener("click", function () { hidden.value = ""; box.hidden = true; });
})();
