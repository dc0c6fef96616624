/* Restoration chart of the dashboard: premises without service over time, predicted by the plan
 * (dashed) and actual from the tickets (solid), drawn in SVG from GET /api/v1/crises/<id>/restoration/,
 * with the ETA per commune in the table below. No inline script: strings come from #restoration-i18n. */
(function () {
  "use strict";
  const charts = document.querySelectorAll("svg.restoration-chart[data-restoration-url]");
  if (!charts.length) return;
  const i18n = JSON.parse(document.getElementById("restoration-i18n").textContent);
  const NS = "http://www.w3.org/2000/svg";
  const lang = document.documentElement.lang || "fr";
  const when = new Intl.DateTimeFormat(lang, { timeZone: "Europe/Paris", day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" });
  const W = 720, H = 280, M = { l: 64, r: 16, t: 16, b: 40 };

  function el(name, attrs, text) {
    const node = document.createElementNS(NS, name);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fmt(iso) { return iso ? when.format(new Date(iso)) : "—"; }

  function draw(svg, data) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const pts = data.curve.map((p) => ({ t: Date.parse(p.time), pred: p.premises_without_service_predicted, act: p.premises_without_service_actual }));
    if (!pts.length) { svg.appendChild(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, i18n.none)); return; }
    const t0 = pts[0].t, t1 = Math.max(pts[pts.length - 1].t, t0 + 3600e3);
    const ymax = Math.max(1, ...pts.map((p) => Math.max(p.pred || 0, p.act || 0)));
    const x = (t) => M.l + (t - t0) / (t1 - t0) * (W - M.l - M.r);
    const y = (v) => H - M.b - v / ymax * (H - M.t - M.b);
    svg.appendChild(el("line", { x1: M.l, y1: H - M.b, x2: W - M.r, y2: H - M.b, class: "axis" }));
    svg.appendChild(el("line", { x1: M.l, y1: M.t, x2: M.l, y2: H - M.b, class: "axis" }));
    for (let i = 0; i <= 4; i++) {
      const v = Math.round(ymax * i / 4), yy = y(v);
      svg.appendChild(el("line", { x1: M.l - 4, y1: yy, x2: W - M.r, y2: yy, class: "grid" }));
      svg.appendChild(el("text", { x: M.l - 8, y: yy + 4, "text-anchor": "end", class: "tick" }, v.toLocaleString(lang)));
    }
    for (let i = 0; i <= 4; i++) {
      const t = t0 + (t1 - t0) * i / 4;
      svg.appendChild(el("text", { x: x(t), y: H - M.b + 18, "text-anchor": "middle", class: "tick" }, when.format(new Date(t))));
    }
    function path(key, cls) {
      const d = pts.filter((p) => p[key] !== null && p[key] !== undefined)
        .map((p, i, a) => (i ? "H" + x(p.t).toFixed(1) + "V" + y(p[key]).toFixed(1) : "M" + x(p.t).toFixed(1) + "," + y(p[key]).toFixed(1)))
        .join("");
      if (d) svg.appendChild(el("path", { d: d, class: cls }));
    }
    path("pred", "line predicted");
    path("act", "line actual");
    const now = Date.parse(data.at);
    if (now >= t0 && now <= t1) {
      svg.appendChild(el("line", { x1: x(now), y1: M.t, x2: x(now), y2: H - M.b, class: "now" }));
      svg.appendChild(el("text", { x: x(now) + 4, y: M.t + 10, class: "tick" }, i18n.now));
    }
    svg.appendChild(el("text", { x: W - M.r, y: M.t + 10, "text-anchor": "end", class: "legend" }, "- - " + i18n.predicted + "   —— " + i18n.actual));
  }

  function table(section, data) {
    const tbl = section.querySelector("table.restoration-communes");
    const body = tbl.tBodies[0];
    while (body.firstChild) body.removeChild(body.firstChild);
    data.communes.slice().sort((a, b) => b.premises_without_service - a.premises_without_service).slice(0, 15).forEach((c) => {
      const tr = document.createElement("tr");
      [c.name || c.insee, String(c.premises_without_service), c.restored ? i18n.restored : fmt(c.eta_p50), c.restored ? i18n.restored : fmt(c.eta_p90)]
        .forEach((text, i) => { const td = document.createElement("td"); td.textContent = text; if (i === 1) td.className = "num"; tr.appendChild(td); });
      body.appendChild(tr);
    });
    tbl.hidden = !data.communes.length;
    section.querySelector(".restoration-summary").textContent = i18n.summary
      .replace("%(n)s", String(data.totals.premises_without_service || 0)).replace("%(end)s", fmt(data.totals.end))
      .replace("%(teams)s", String(data.teams.teams));
  }

  function load(svg) {
    const section = svg.closest("section");
    fetch(svg.dataset.restorationUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then((data) => { draw(svg, data); table(section, data); })
      .catch(() => { section.querySelector(".restoration-summary").textContent = i18n.error; });
  }

  charts.forEach((svg) => { load(svg); setInterval(() => load(svg), 60000); });
})();
