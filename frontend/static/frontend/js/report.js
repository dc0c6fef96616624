/* Damage report page: fill the position from the device (Geolocation API) on request. */
(function () {
  "use strict";
  const button = document.getElementById("report-locate");
  if (!button || !("geolocation" in navigator)) return;
  const i18n = JSON.parse(document.getElementById("report-i18n").textContent);
  const status = document.getElementById("report-locate-status");
  button.hidden = false;
  button.addEventListener("click", () => {
    status.textContent = i18n.locating;
    navigator.geolocation.getCurrentPosition((pos) => {
      document.getElementById("report-lat").value = pos.coords.latitude.toFixed(6);
      document.getElementById("report-lon").value = pos.coords.longitude.toFixed(6);
      status.textContent = i18n.located.replace("%(m)s", String(Math.round(pos.coords.accuracy)));
    }, () => { status.textContent = i18n.failed; }, { enableHighAccuracy: true, timeout: 15000 });
  });
})();
