/* Import quality report: the located faults on a Leaflet map, coloured by severity.
   Data: the GeoJSON report of the API (same filters as the page), URL in data-geojson-url. */
(function () {
  "use strict";
  var el = document.getElementById("report-map");
  if (!el || !window.L) { return; }
  var colours = {blocking: "#b2182b", major: "#ef8a62", minor: "#67a9cf"};
  var map = L.map(el).setView([46.6, 2.4], 6);
  fetch(el.dataset.geojsonUrl, {credentials: "same-origin", headers: {Accept: "application/geo+json"}})
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var located = (data.features || []).filter(function (f) { return f.geometry; });
      if (!located.length) { el.textContent = el.dataset.empty; return; }
      var layer = L.geoJSON({type: "FeatureCollection", features: located}, {
        style: function (f) { return {color: colours[f.properties.severity] || "#555", weight: 3}; },
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, {radius: 5, color: colours[f.properties.severity] || "#555", fillOpacity: 0.8});
        },
        onEachFeature: function (f, l) {
          var p = f.properties, div = document.createElement("div");
          div.textContent = p.severity + " · " + p.rule + " — " + p.table + ":" + p.row + " " + p.field + " : " + p.message;
          l.bindPopup(div);
        }
      }).addTo(map);
      map.fitBounds(layer.getBounds(), {maxZoom: 17});
    });
  document.querySelectorAll("#report-filters select").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });
}());
