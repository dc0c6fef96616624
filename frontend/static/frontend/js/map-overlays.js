/* Map overlays drawn by Leaflet above the network's vector tiles: active alert areas, the exposed
 * assets of the selected alert (from GET /api/v1/alerts/<id>/exposure/), and the damaged assets of
 * open tickets. Refreshed by the live poller: tiles when the network version changes, overlays
 * when alerts, exposure or tickets change. */
(function () {
  "use strict";
  const t = JSON.parse(document.getElementById("map-i18n").textContent);
  // 5 violet (confinement) and 6 grey (cyclone passed): the overseas cyclone vigilance beyond red
  const LEVEL_COLOURS = { 1: "#4caf50", 2: "#f6d32d", 3: "#f08a24", 4: "#d7301f", 5: "#7b2d8e", 6: "#8c8c8c" };
  const SEVERITY_COLOURS = { critical: "#b3261e", major: "#e66100", minor: "#1c71d8" };

  function esc(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  document.addEventListener("vigie:map-ready", (event) => {
    const { map, gl, config } = event.detail;
    if (!config.network) return;
    const net = encodeURIComponent(config.network);
    const visible = { alerts: true, exposed: true, tickets: true };
    const layers = {
      alerts: L.geoJSON(null, {
        interactive: false,
        style: (f) => ({ color: LEVEL_COLOURS[f.properties.level] || "#888", weight: 2, fillOpacity: 0.12, dashArray: "6 4" }),
      }),
      exposed: L.geoJSON(null, {
        interactive: false,
        style: () => ({ color: "#ff00ff", weight: 5, opacity: 0.7 }),
        pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 7, color: "#ff00ff", weight: 3, fill: false, interactive: false }),
      }),
      tickets: L.geoJSON(null, {
        pointToLayer: (f, latlng) => L.marker(latlng, {
          title: t.ticket + " " + f.properties.ticket + " — " + f.properties.code,
          keyboard: true,
          icon: L.divIcon({ className: "ticket-marker sev-" + f.properties.severity, html: "!", iconSize: [22, 22] }),
        }),
        // a marker opens the damaged asset's card (which lists its open tickets); a cable has no card: a popup
        onEachFeature: (f, layer) => {
          if (f.properties.type === "Cable") {
            layer.bindPopup("<a href='" + f.properties.url + "'>" + esc(t.ticket) + " n° " + f.properties.ticket +
              "</a><br>" + esc(f.properties.type) + " " + esc(f.properties.code) + "<br>" + esc(f.properties.status));
          } else {
            layer.on("click", (e) => window.vigie.showCardFor(f.properties.type, f.properties.code, e.latlng));
          }
        },
      }),
    };
    Object.values(layers).forEach((l) => l.addTo(map));
    window.vigie.overlays = layers;

    async function load(url) {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(url + " " + response.status);
      return response;
    }
    async function loadAlerts() {
      const data = await (await load("/ui/map/alerts.json?network=" + net)).json();
      layers.alerts.clearLayers().addData(data);
      document.dispatchEvent(new CustomEvent("vigie:overlay", { detail: { layer: "alerts", count: data.features.length } }));
    }
    async function loadTickets() {
      const data = await (await load("/ui/map/tickets.json?network=" + net)).json();
      layers.tickets.clearLayers().addData(data);
      document.dispatchEvent(new CustomEvent("vigie:overlay", { detail: { layer: "tickets", count: data.features.length } }));
    }
    const select = document.getElementById("exposure-alert");
    const status = document.getElementById("exposure-status");
    async function loadExposed() {
      layers.exposed.clearLayers();
      status.textContent = "";
      if (!select.value) return;
      const response = await load("/api/v1/alerts/" + encodeURIComponent(select.value) + "/exposure/?network=" + net);
      if (response.status === 202) { status.textContent = t.pending; return; }
      const data = await response.json();
      // the exposure links its paged asset list: the overlay draws its first page (5000 assets);
      // a département-wide alert is drawn by the exposure tiles
      let features = [];
      if (data.assets && data.assets.href) {
        const page = await (await load(data.assets.href + "&page_size=5000")).json();
        features = page.features || [];
      }
      layers.exposed.addData({ type: "FeatureCollection", features: features });
      status.textContent = features.length + " " + t.exposedCount;
      document.dispatchEvent(new CustomEvent("vigie:overlay", { detail: { layer: "exposed", count: features.length } }));
    }
    select.addEventListener("change", () => loadExposed().catch(() => { status.textContent = ""; }));

    document.addEventListener("vigie:toggle", (e) => {
      const layer = layers[e.detail.layer];
      if (!layer) return;
      visible[e.detail.layer] = e.detail.visible;
      if (e.detail.visible) layer.addTo(map); else map.removeLayer(layer);
    });

    loadAlerts().catch(() => {});
    loadTickets().catch(() => {});
    loadExposed().catch(() => {});

    const liveState = document.getElementById("live-state");
    window.vigieLive.on((changes, previous) => {
      if (!previous) return;
      const version = changes.networks[config.network];
      if (version !== previous.networks[config.network]) {
        // new network version: refetch every vector tile source (cache-busted by the version)
        Object.keys(gl.getStyle().sources).forEach((id) => {
          const source = gl.getSource(id);
          if (source && source.setTiles) {
            source.setTiles([window.location.origin + "/tiles/" + id + "/{z}/{x}/{y}.pbf?network=" + net + "&v=" + version]);
          }
        });
      }
      if (changes.alerts !== previous.alerts) loadAlerts().catch(() => {});
      if (changes.alerts !== previous.alerts || changes.exposure !== previous.exposure) loadExposed().catch(() => {});
      if (changes.tickets !== previous.tickets) loadTickets().catch(() => {});
      liveState.textContent = t.updated + " " + new Date().toLocaleTimeString(document.documentElement.lang);
    });
  });
})();
