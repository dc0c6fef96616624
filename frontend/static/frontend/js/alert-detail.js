/* Alert page: the area on its map (callback of the Leaflet map), and, while the exposure is still
 * being computed ([data-exposure-pending]), a reload once a new exposure run lands (live.js). */
(function () {
  "use strict";
  window.vigieAlertMap = function (map) {
    var area = JSON.parse(document.getElementById("alert-area").textContent);
    var layer = L.geoJSON(area, {style: {color: "#d7301f", weight: 2, fillOpacity: 0.15}}).addTo(map);
    map.fitBounds(layer.getBounds());
  };
  if (document.querySelector("[data-exposure-pending]") && window.vigieLive) {
    window.vigieLivePeriod = 5000;
    window.vigieLive.on(function (changes, previous) {
      if (previous && changes.exposure !== previous.exposure) window.location.reload();
    });
  }
})();
