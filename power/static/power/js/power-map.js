/* Power layer of the map: active sites coloured by power state (GET /api/v1/networks/<slug>/power/)
 * with their predicted loss of service, and the generator dispatch plan (…/power/dispatch/) drawn
 * as lines from the depot to each site with the premises each unit saves. Refreshed every minute
 * and on the live poller's changes. No inline script: strings come from #power-map-i18n. */
(function () {
  "use strict";
  const t = JSON.parse(document.getElementById("power-map-i18n").textContent);
  const COLOURS = { on_grid: "#2e7d32", on_battery: "#f08a24", on_generator: "#1c71d8", dark: "#111111" };
  const LABELS = { on_grid: t.onGrid, on_battery: t.onBattery, on_generator: t.onGenerator, dark: t.dark };

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }
  function hhmm(iso) {
    return iso ? new Date(iso).toLocaleTimeString(document.documentElement.lang || "fr", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Paris" }) : "";
  }

  document.addEventListener("vigie:map-ready", (event) => {
    const { map, config } = event.detail;
    if (!config.network) return;
    const net = encodeURIComponent(config.network);
    const layer = L.layerGroup().addTo(map);
    window.vigie.power = layer;
    let visible = true;

    async function load() {
      const [state, plan] = await Promise.all([
        fetch("/api/v1/networks/" + net + "/power/", { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null)),
        fetch("/api/v1/networks/" + net + "/power/dispatch/", { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null)),
      ]);
      layer.clearLayers();
      if (!state) return;
      state.sites.forEach((s) => {
        const latlng = [s.location[1], s.location[0]];
        const colour = COLOURS[s.state] || "#888";
        const marker = L.circleMarker(latlng, {
          radius: s.state === "on_grid" ? 6 : 10, color: s.at_risk ? "#d7301f" : colour, weight: s.at_risk ? 4 : 2,
          fillColor: colour, fillOpacity: 0.85,
        });
        let html = "<strong>" + esc(s.site_type) + " " + esc(s.name || s.code) + "</strong><br>" + esc(LABELS[s.state] || s.state);
        if (s.at_risk) html += " — " + esc(t.atRisk);
        if (s.dark_at && s.state !== "dark") html += "<br>" + esc(t.darkAt) + " " + esc(hhmm(s.dark_at)) + ", " + s.premises_cut + " " + esc(t.premises);
        if (s.state === "dark") html += "<br>" + s.premises_cut + " " + esc(t.premises);
        html += "<br><a href='/energie/" + net + "/sites/" + encodeURIComponent(s.code) + "/'>" + esc(t.edit) + "</a>";
        marker.bindPopup(html).addTo(layer);
      });
      ((plan && plan.assignments) || []).forEach((a) => {
        const from = [a.depot[1], a.depot[0]], to = [a.location[1], a.location[0]];
        L.polyline([from, to], { color: "#1c71d8", weight: 3, dashArray: "8 6" })
          .bindTooltip(esc(t.generator) + " " + esc(a.generator) + " → " + esc(a.site) + " : " + esc(t.saves) + " " + a.premises_saved + " " + esc(t.premises) + " (" + esc(t.arrival) + " " + esc(hhmm(a.arrival)) + ")", { permanent: true, direction: "center", className: "power-dispatch" })
          .addTo(layer);
        L.circleMarker(from, { radius: 5, color: "#1c71d8", fillOpacity: 1 }).addTo(layer);
      });
    }
    const legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      const div = L.DomUtil.create("div", "power-legend");
      div.innerHTML = "<strong>" + esc(t.title) + "</strong><br>" + Object.keys(COLOURS).map((k) =>
        "<span class='swatch dot' style='--c:" + COLOURS[k] + "'></span>" + esc(LABELS[k])).join("<br>") +
        "<br><span class='swatch line' style='--c:#1c71d8'></span>" + esc(t.generator);
      return div;
    };
    legend.addTo(map);
    document.addEventListener("vigie:toggle", (e) => {
      if (e.detail.layer !== "power") return;
      visible = e.detail.visible;
      if (visible) { layer.addTo(map); legend.addTo(map); } else { layer.remove(); legend.remove(); }
    });
    load().catch(() => {});
    setInterval(() => { if (visible) load().catch(() => {}); }, 60000);
  });
})();
