/* Dashboard: sortable commune table (buttons in the headers: keyboard usable, aria-sort kept up to
 * date) and live refresh of the figures (the server renders the fragment; the sort is re-applied). */
(function () {
  "use strict";
  const live = document.getElementById("dashboard-live");
  if (!live) return;
  const i18n = JSON.parse(document.getElementById("live-i18n").textContent);
  let sortState = null; // {col, dir}

  function sortTable(table, col, dir) {
    const tbody = table.tBodies[0];
    const kind = table.tHead.rows[0].cells[col].querySelector("button").dataset.sort;
    const rows = Array.from(tbody.rows);
    rows.sort((a, b) => {
      const x = a.cells[col].dataset.value, y = b.cells[col].dataset.value;
      const c = kind === "num" ? Number(x) - Number(y) : x.localeCompare(y, document.documentElement.lang);
      return dir === "ascending" ? c : -c;
    });
    rows.forEach((r) => tbody.appendChild(r));
    Array.from(table.tHead.rows[0].cells).forEach((th, i) => th.setAttribute("aria-sort", i === col ? dir : "none"));
  }

  function wire() {
    const table = document.getElementById("commune-table");
    if (!table) return;
    table.tHead.querySelectorAll("button[data-sort]").forEach((button) => {
      button.addEventListener("click", () => {
        const th = button.closest("th");
        const col = th.cellIndex;
        const current = th.getAttribute("aria-sort");
        const dir = current === "descending" ? "ascending" : "descending";
        sortState = { col: col, dir: dir };
        sortTable(table, col, dir);
      });
    });
    if (sortState) sortTable(table, sortState.col, sortState.dir);
  }
  wire();

  const state = document.getElementById("live-state");
  window.vigieLive.on(async (changes, previous) => {
    if (!previous) return; // first poll: the page is fresh
    const focusedId = document.activeElement && document.activeElement.closest("#dashboard-live") ? document.activeElement.textContent : null;
    const response = await fetch(live.dataset.fragmentUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    live.innerHTML = await response.text();
    wire();
    if (focusedId) {
      const again = Array.from(live.querySelectorAll("button, a")).find((el) => el.textContent === focusedId);
      if (again) again.focus();
    }
    state.textContent = i18n.updated + " " + new Date().toLocaleTimeString(document.documentElement.lang);
    document.dispatchEvent(new CustomEvent("vigie:dashboard-refreshed"));
  });
  document.addEventListener("vigie:live-error", () => { state.textContent = i18n.offline; });
})();
