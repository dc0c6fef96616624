/* Live refresh without reloading: poll /ui/changes/ (~15 s) and tell listeners what changed.
 * window.vigieLive.on(function (changes, previous) {...}) — `previous` is null on the first poll.
 * Keys: token (anything changed), networks {slug: version}, alerts, exposure, tickets, log. */
(function () {
  "use strict";
  const PERIOD = 15000;
  const listeners = [];
  let previous = null, timer = null;
  const url = (document.querySelector("[data-changes-url]") || {}).dataset?.changesUrl || "/ui/changes/";

  async function poll() {
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      if (!previous || previous.token !== data.token) listeners.forEach((fn) => fn(data, previous));
      previous = data;
      window.vigieLive.polls += 1;
      document.dispatchEvent(new CustomEvent("vigie:live-ok"));
    } catch (e) {
      document.dispatchEvent(new CustomEvent("vigie:live-error"));
    }
    timer = window.setTimeout(poll, window.vigieLivePeriod || PERIOD);
  }
  window.vigieLive = {
    polls: 0,
    on: (fn) => listeners.push(fn),
    pollNow: () => { window.clearTimeout(timer); return poll(); },
  };
  document.addEventListener("DOMContentLoaded", () => { timer = window.setTimeout(poll, 0); });
})();
