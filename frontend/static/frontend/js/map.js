/* Vigie Fibre crisis map: Leaflet (django-leaflet) for the map and drawing, MapLibre GL (through
 * maplibre-gl-leaflet) for the network's vector tiles served by /tiles/<layer>/{z}/{x}/{y}.pbf.
 * No external tile server: the communes layer is the background; OSM_TILE_URL adds a raster one. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const t = JSON.parse(document.getElementById("map-i18n").textContent);
  const origin = window.location.origin;

  const UNDERGROUND = ["4", "5", "6", "7", "8"];
  const routeColour = ["match", ["get", "laying_mode"],
    "0", "#d7301f", "1", "#7b3294", "2", "#fd8d3c", UNDERGROUND, "#2171b5", "#888888"];

  function tiles(layer) {
    return [origin + "/tiles/" + layer + "/{z}/{x}/{y}.pbf?network=" + encodeURIComponent(config.network)];
  }
  function vectorSource(layer) {
    return { type: "vector", tiles: tiles(layer), minzoom: 0, maxzoom: 16 };
  }

  // Layer groups toggled by the switcher: switcher key -> MapLibre layer ids.
  const GROUPS = {
    communes: ["communes-fill", "communes-line"],
    routes: ["routes"],
    supports: ["supports"],
    sites: ["sites"],
    enclosures: ["enclosures"],
    premises: ["premises-heat", "premises-points"],
  };

  function style() {
    if (!config.network) return { version: 8, sources: {}, layers: [] };
    return {
      version: 8,
      sources: {
        communes: vectorSource("communes"), routes: vectorSource("routes"), supports: vectorSource("supports"),
        sites: vectorSource("sites"), enclosures: vectorSource("enclosures"), premises: vectorSource("premises"),
      },
      layers: [
        { id: "communes-fill", type: "fill", source: "communes", "source-layer": "communes",
          paint: { "fill-color": "#eef1f4", "fill-opacity": config.osmTileUrl ? 0.1 : 0.9 } },
        { id: "communes-line", type: "line", source: "communes", "source-layer": "communes",
          paint: { "line-color": "#9aa5b1", "line-width": 0.8 } },
        { id: "premises-heat", type: "heatmap", source: "premises", "source-layer": "premises", maxzoom: 15,
          // z13–14 tiles carry grid cells (kind "cell") with a count: weight the density by it
          paint: { "heatmap-radius": 12, "heatmap-opacity": 0.6,
                   "heatmap-weight": ["interpolate", ["linear"], ["coalesce", ["get", "count"], 1], 1, 0.2, 50, 1] } },
        { id: "routes", type: "line", source: "routes", "source-layer": "routes",
          paint: { "line-color": routeColour, "line-width": ["interpolate", ["linear"], ["zoom"], 10, 1, 16, 4] } },
        { id: "supports", type: "circle", source: "supports", "source-layer": "supports", minzoom: 13,
          paint: { "circle-radius": ["case", ["==", ["get", "kind"], "cell"], ["min", 9, ["+", 2, ["sqrt", ["get", "count"]]]], 3],
                   "circle-color": ["match", ["get", "support_type"], "A", "#8c510a", "C", "#01665e", "#666"] } },
        { id: "enclosures", type: "circle", source: "enclosures", "source-layer": "enclosures", minzoom: 13,
          paint: { "circle-radius": 4, "circle-color": "#e7298a", "circle-stroke-color": "#fff", "circle-stroke-width": 1 } },
        { id: "premises-points", type: "circle", source: "premises", "source-layer": "premises", minzoom: 13,
          // z13–14: grid cells sized by their premises count; from z15 every premises (critical in red)
          paint: { "circle-radius": ["case", ["!=", ["get", "critical_category"], ""], 6,
                                     ["==", ["get", "kind"], "cell"], ["min", 10, ["+", 2, ["sqrt", ["get", "count"]]]], 2.5],
                   "circle-color": ["case", ["!=", ["get", "critical_category"], ""], "#b3261e", "#4d4d4d"] } },
        { id: "sites", type: "circle", source: "sites", "source-layer": "sites",
          paint: { "circle-radius": ["match", ["get", "site_type"], "NRO", 9, 6],
                   "circle-color": ["match", ["get", "site_type"], "NRO", "#111111", "#08519c"],
                   "circle-stroke-color": "#fff", "circle-stroke-width": 2 } },
      ],
    };
  }

  const CLICKABLE = ["sites", "enclosures", "supports", "premises-points", "routes"];
  const REFERRED_TYPE = { sites: "Site", enclosures: "Enclosure", supports: "SupportPoint", routes: "RouteSegment" };

  function layerKey(feature) {
    return feature.layer.id === "premises-points" ? "premises" : feature.layer.id;
  }

  let lastClick = null;

  function showCard(feature, layerId, others) {
    const card = document.getElementById("asset-card");
    const p = feature.properties || {};
    const rows = Object.keys(p).filter((k) => k !== "code" && p[k] !== "" && p[k] !== null)
      .map((k) => "<tr><th scope='row'>" + escapeHtml(k) + "</th><td>" + escapeHtml(String(p[k])) + "</td></tr>").join("");
    const typeLabel = (t.types && t.types[layerId]) || layerId;
    let html = "<h2 id='asset-card-title'>" + escapeHtml(p.code || "") + "</h2><p class='asset-type'>" + escapeHtml(typeLabel) + "</p>";
    const referred = REFERRED_TYPE[layerId];
    if (referred && p.code) {
      html += "<p id='asset-serves' class='serves'>" + t.loading + "</p><div id='asset-tickets'></div>";
      const url = "/tickets/nouveau/?network=" + encodeURIComponent(config.network) + "&type=" + referred + "&code=" + encodeURIComponent(p.code);
      html += "<p><a class='button danger' id='declare-damage' href='" + url + "'>" + t.declare + "</a></p>";
    }
    if (lastClick && t.report) {  // a field damage report at the tapped point (restoration app)
      const rurl = "/signalement/?network=" + encodeURIComponent(config.network) + "&lon=" + lastClick.lng.toFixed(6) + "&lat=" + lastClick.lat.toFixed(6);
      html += "<p><a class='button secondary' id='report-damage' href='" + rurl + "'>" + t.report + "</a></p>";
    }
    const also = (others || []).filter((f) => f.properties && f.properties.code && f.properties.code !== p.code).slice(0, 6);
    if (also.length) {
      html += "<p class='also'>" + t.alsoHere + " " + also.map((f, i) => "<button type='button' class='secondary small' data-also='" + i + "'>" +
        escapeHtml((t.types && t.types[layerKey(f)]) || layerKey(f)) + " " + escapeHtml(f.properties.code) + "</button>").join(" ") + "</p>";
    }
    html += "<details><summary>" + t.attributes + "</summary><table>" + rows + "</table></details>";
    html += "<button type='button' id='card-close' class='secondary'>" + t.close + "</button>";
    card.innerHTML = html;
    card.hidden = false;
    card.setAttribute("aria-labelledby", "asset-card-title");
    document.getElementById("card-close").addEventListener("click", () => { card.hidden = true; document.getElementById("map").focus(); });
    card.querySelectorAll("button[data-also]").forEach((b) => b.addEventListener("click", () => {
      const f = also[Number(b.dataset.also)];
      showCard(f, layerKey(f), [feature].concat(also.filter((x) => x !== f)));
    }));
    const first = card.querySelector("a, button");
    if (first) first.focus();
    if (referred && p.code) loadCard(referred, p.code);
  }

  // The card of an asset named by type and code (e.g. from a ticket marker): same card, fewer attributes.
  function showCardFor(referred, code, latlng) {
    const layerId = Object.keys(REFERRED_TYPE).find((k) => REFERRED_TYPE[k] === referred);
    if (!layerId) return false;
    const here = latlng ? featuresAt(latlng) : [];
    const same = here.find((f) => layerKey(f) === layerId && f.properties.code === code);
    showCard(same || { properties: { code: code }, layer: { id: layerId } }, layerId, here.filter((f) => f !== same));
    return true;
  }

  // The clickable features drawn within 5 px of a point, topmost first, each once.
  function featuresAt(latlng) {
    const glmap = window.vigie.gl;
    const point = glmap.project([latlng.lng, latlng.lat]);
    const box = [[point.x - 5, point.y - 5], [point.x + 5, point.y + 5]];
    const layers = CLICKABLE.filter((id) => glmap.getLayer(id));
    const seen = new Set();
    return glmap.queryRenderedFeatures(box, { layers: layers }).filter((f) => {
      const k = f.layer.id + ":" + (f.properties || {}).code;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  async function loadCard(referred, code) {
    const url = "/ui/map/asset/?network=" + encodeURIComponent(config.network) + "&type=" + referred + "&code=" + encodeURIComponent(code);
    const serves = document.getElementById("asset-serves");
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      if (document.getElementById("asset-card-title").textContent !== code) return; // another card since
      const s = data.serves;
      serves.innerHTML = s ? "<strong>" + t.serves + "</strong> : <span data-figure='serves-premises'>" + s.premises + "</span> " + t.premises +
        " (" + s.households + " " + t.households + ", " + s.businesses + " " + t.businesses + ", " + t.critical + " : " + s.critical_sites + ")" : "";
      const list = document.getElementById("asset-tickets");
      list.innerHTML = "<h3>" + t.openTickets + "</h3>" + (data.tickets.length ? "<ul>" + data.tickets.map((tk) =>
        "<li><a href='" + tk.url + "'>n° " + tk.id + "</a> " + escapeHtml(tk.name) + " — " + escapeHtml(tk.status_label) + "</li>").join("") + "</ul>"
        : "<p>" + t.noTicket + "</p>");
    } catch (e) {
      serves.textContent = "";
    }
  }

  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  window.vigieMapInit = function (map) {
    window.vigie = { map: map, config: config, showCard: showCard, showCardFor: showCardFor };
    if (config.osmTileUrl) L.tileLayer(config.osmTileUrl, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
    if (config.bounds) {
      map.fitBounds([[config.bounds[1], config.bounds[0]], [config.bounds[3], config.bounds[2]]]);
    }
    const gl = L.maplibreGL({ style: style(), interactive: false }).addTo(map);
    const glmap = gl.getMaplibreMap();
    window.vigie.gl = glmap;

    document.querySelectorAll("#layer-switcher input[data-layer]").forEach((box) => {
      box.addEventListener("change", () => {
        const ids = GROUPS[box.dataset.layer];
        if (ids) ids.forEach((id) => glmap.getLayer(id) && glmap.setLayoutProperty(id, "visibility", box.checked ? "visible" : "none"));
        document.dispatchEvent(new CustomEvent("vigie:toggle", { detail: { layer: box.dataset.layer, visible: box.checked } }));
      });
    });

    map.on("click", (e) => {
      lastClick = e.latlng;
      const unique = featuresAt(e.latlng);
      if (unique.length) showCard(unique[0], layerKey(unique[0]), unique.slice(1));
    });
    document.dispatchEvent(new CustomEvent("vigie:map-ready", { detail: { map: map, gl: glmap, config: config } }));
  };
})();
