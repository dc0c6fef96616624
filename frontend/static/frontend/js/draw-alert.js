/* Drawing a manual alert: Leaflet.draw (shipped by django-leaflet) writes the polygon, as GeoJSON,
 * into the form's hidden `geometry` field. The map shows the communes of the chosen network's area
 * as background through the vector tiles when MapLibre is present; otherwise a blank map with the
 * network's extent. */
(function () {
  "use strict";
  const bounds = JSON.parse(document.getElementById("network-bounds").textContent);
  const t = JSON.parse(document.getElementById("draw-i18n").textContent);
  const field = document.getElementById("id_geometry");
  const networkSelect = document.getElementById("id_network");
  const status = document.getElementById("draw-status");

  window.vigieDrawMap = function (map) {
    window.vigieDraw = { map: map };
    function fit() {
      const b = bounds[networkSelect.value];
      if (b) map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [20, 20] });
    }
    fit();
    // background: the chosen network's communes and routes (vector tiles), as on the main map
    function style() {
      const tiles = (layer) => [window.location.origin + "/tiles/" + layer + "/{z}/{x}/{y}.pbf?network=" + encodeURIComponent(networkSelect.value)];
      return { version: 8,
        sources: { communes: { type: "vector", tiles: tiles("communes"), maxzoom: 16 }, routes: { type: "vector", tiles: tiles("routes"), maxzoom: 16 } },
        layers: [
          { id: "communes-fill", type: "fill", source: "communes", "source-layer": "communes", paint: { "fill-color": "#eef1f4" } },
          { id: "communes-line", type: "line", source: "communes", "source-layer": "communes", paint: { "line-color": "#9aa5b1" } },
          { id: "routes", type: "line", source: "routes", "source-layer": "routes", paint: { "line-color": "#2171b5", "line-width": 2 } },
        ] };
    }
    let gl = null;
    if (L.maplibreGL) {
      gl = L.maplibreGL({ style: style(), interactive: false }).addTo(map);
    }
    networkSelect.addEventListener("change", () => { fit(); if (gl) gl.getMaplibreMap().setStyle(style()); });
    const drawn = new L.FeatureGroup().addTo(map);
    window.vigieDraw.drawn = drawn;
    if (field.value) {
      try { L.geoJSON(JSON.parse(field.value)).eachLayer((l) => drawn.addLayer(l)); } catch (e) { /* ignore */ }
    }
    map.addControl(new L.Control.Draw({
      draw: { polygon: { allowIntersection: false, showArea: false }, rectangle: true, polyline: false, circle: false,
              marker: false, circlemarker: false },
      edit: { featureGroup: drawn },
    }));
    function save() {
      const layers = drawn.getLayers();
      if (!layers.length) { field.value = ""; status.textContent = t.removed; return; }
      const geometry = layers[layers.length - 1].toGeoJSON().geometry;
      field.value = JSON.stringify(geometry);
      status.textContent = t.drawn.replace("%(n)s", String(geometry.coordinates[0].length - 1));
    }
    map.on(L.Draw.Event.CREATED, (e) => { drawn.clearLayers(); drawn.addLayer(e.layer); save(); });
    map.on(L.Draw.Event.EDITED, save);
    map.on(L.Draw.Event.DELETED, save);
  };
})();
