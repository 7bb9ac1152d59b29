// charger-sim's fleet, live: every connector's OCPP status (polled once a second, only the
// cells that changed are touched, so a fleet of thousands stays responsive), the faults and
// commands charger-sim has, and its simulated clock.
import { api } from './api.js';

export const fleetStats = { updates: 0, lastUpdateMs: 0, maxUpdateMs: 0, rows: 0 };

export function startFleet({ onError }) {
  const body = document.querySelector('#fleet-table tbody');
  const form = document.getElementById('fleet-controls');
  const result = document.getElementById('fleet-result');
  const cells = new Map(); // "CP001/1" -> status cell
  const chargerList = document.getElementById('charger-ids');

  body.addEventListener('click', (event) => {
    const row = event.target.closest('tr');
    if (!row) return;
    body.querySelector('tr[aria-selected="true"]')?.setAttribute('aria-selected', 'false');
    row.setAttribute('aria-selected', 'true');
    form.charger.value = row.dataset.charger;
    form.connector.value = row.dataset.connector;
  });

  async function command(path, payload) {
    try {
      const answer = await api(`/sim/api/chargers/${encodeURIComponent(form.charger.value.trim())}${path}`, { method: 'POST', body: payload });
      result.textContent = `${path.split('/').pop()}: ${answer?.status ?? 'done'}${answer?.reason ? ' — ' + answer.reason : ''}`;
      refresh();
    } catch (error) { result.textContent = `refused: ${error.message}`; }
  }
  form.querySelectorAll('[data-command]').forEach((button) => button.addEventListener('click', () => {
    const name = button.dataset.command;
    const payload = {
      fault: { error_code: form.error_code.value },
      'walk-in': { id_tag: form.id_tag.value || 'WALKIN' },
      reserve: { id_tag: form.id_tag.value, reservation_id: Math.floor(Math.random() * 1e6), expires_in: 900 },
    }[name];
    command(`/connectors/${Number(form.connector.value) || 1}/${name}`, payload);
  }));
  form.querySelectorAll('[data-charger-command]').forEach((button) =>
    button.addEventListener('click', () => command(`/${button.dataset.chargerCommand}`)));

  const clockForm = document.getElementById('clock');
  const clockNow = document.getElementById('clock-now');
  clockForm.querySelectorAll('[data-clock]').forEach((button) => button.addEventListener('click', async () => {
    const what = button.dataset.clock;
    const payload = { advance: { seconds: Number(clockForm.seconds.value) }, speed: { speed: Number(clockForm.speed.value) } }[what];
    try { showClock(await api(`/sim/api/clock/${what}`, { method: 'POST', body: payload })); refresh(); }
    catch (error) { clockNow.textContent = `clock: ${error.message}`; }
  }));
  // Walk-in drivers who start and stop sessions by themselves (charger-sim's --auto), on and off.
  const walkIns = clockForm.walk_ins;
  api('/sim/api/walk-ins').then((answer) => { walkIns.checked = answer.enabled; }).catch(() => {});
  walkIns.addEventListener('change', async () => {
    try { walkIns.checked = (await api('/sim/api/walk-ins', { method: 'POST', body: { enabled: walkIns.checked } })).enabled; }
    catch (error) { clockNow.textContent = `walk-ins: ${error.message}`; walkIns.checked = !walkIns.checked; }
  });
  function showClock(clock) {
    clockNow.textContent = `clock ${clock.now} · ${clock.paused ? 'paused' : `${clock.speed}× speed`}`;
  }

  function render(statuses) {
    const started = performance.now();
    const fragment = document.createDocumentFragment();
    for (const charger of Object.keys(statuses).sort()) {
      for (const connector of Object.keys(statuses[charger]).sort((a, b) => a - b)) {
        const key = `${charger}/${connector}`;
        const status = statuses[charger][connector];
        let cell = cells.get(key);
        if (!cell) {
          const row = document.createElement('tr');
          row.dataset.charger = charger;
          row.dataset.connector = connector;
          row.tabIndex = 0;
          row.setAttribute('aria-selected', 'false');
          row.innerHTML = '<td></td><td></td><td></td>';
          row.children[0].textContent = charger;
          row.children[1].textContent = connector;
          cell = row.children[2];
          cells.set(key, cell);
          fragment.append(row);
          if (connector === '1') chargerList.append(new Option(charger));
        }
        if (cell.dataset.status !== status) { cell.dataset.status = status; cell.textContent = status; }
      }
    }
    if (fragment.childNodes.length) body.append(fragment);
    const took = performance.now() - started;
    Object.assign(fleetStats, { updates: fleetStats.updates + 1, lastUpdateMs: took, maxUpdateMs: Math.max(fleetStats.maxUpdateMs, took), rows: cells.size });
  }

  async function refresh() {
    try {
      render(await api('/sim/api/chargers'));
      showClock(await api('/sim/api/clock'));
      onError(null);
    } catch (error) { onError(`charger-sim: ${error.message}`); }
  }
  body.addEventListener('keydown', (event) => { if (event.key === 'Enter') event.target.closest('tr')?.click(); });

  (async function loop() { await refresh(); setTimeout(loop, 1000); })();
}
