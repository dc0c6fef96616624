/* Behaviour that used to sit in inline handlers (the Content-Security-Policy forbids them):
 *   <select data-autosubmit>   submits its form when changed (language, network, crisis pickers);
 *   <form data-no-submit>      is never submitted (its controls act through JavaScript). */
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { if (select.form) select.form.submit(); });
  });
  document.querySelectorAll("form[data-no-submit]").forEach(function (form) {
    form.addEventListener("submit", function (event) { event.preventDefault(); });
  });
})();
