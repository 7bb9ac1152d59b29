// An action's timeline across the programs (the scenarios' timeline: each program's
// /debug/traces/ID put together by the console), and each program's health and key metrics.
import { api, element } from './api.js';

export function startHops() {
  const form = document.getElementById('trace-form');
  form.addEventListener('submit', (event) => { event.preventDefault(); showTrace(form.trace.value.trim()); });
  // Only while the view is shown: a hidden panel need not load the gateway's /metrics.
  const view = document.getElementById('hops');
  (async function loop() { if (view.hidden) previous = null; else await refreshMetrics(); setTimeout(loop, 2000); })();
}

export async function showTrace(trace) {
  const form = document.getElementById('trace-form');
  form.trace.value = trace;
  const body = document.querySelector('#timeline tbody');
  const note = document.getElementById('timeline-note');
  body.replaceChildren();
  try {
    const answer = await api(`/api/traces/${encodeURIComponent(trace)}`);
    const origin = answer.hops[0]?.started_at_ms ?? 0;
    for (const hop of answer.hops) {
      const row = element('tr', { 'data-wrong': String(hop.span_id === answer.went_wrong && hop.failed) },
        element('td', { text: `+${(hop.started_at_ms - origin).toFixed(1)} ms` }),
        element('td', { text: hop.program }), element('td', { text: hop.name }),
        element('td', { text: hop.status ?? '' }), element('td', { text: `${hop.duration_ms.toFixed(2)} ms` }),
        element('td', { text: (hop.span_id === answer.went_wrong && hop.failed ? '✗ went wrong here. ' : '') + (hop.detail ?? '') }));
      body.append(row);
    }
    note.textContent = answer.hops.length ? `trace ${answer.trace_id}: ${answer.hops.length} hops` : `trace ${answer.trace_id}: no program recorded it`;
    if (answer.unavailable.length) note.textContent += ` · not available: ${answer.unavailable.join('; ')}`;
  } catch (error) { note.textContent = error.message; }
}

// The gateway's Prometheus text, summed over labels, for the figures worth watching live.
const WATCHED = ['gateway_connections', 'gateway_messages_in_total', 'gateway_messages_out_total', 'gateway_redis_connected',
  'gateway_redis_reconnects', 'gateway_backend_errors_total', 'gateway_backend_request_duration_seconds_sum', 'gateway_backend_request_duration_seconds_count'];
let previous = null;

function parseMetrics(text) {
  const values = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = line.match(/^([a-z_]+)(\{[^}]*\})?\s+([-+0-9.eE]+|NaN)/);
    if (match && WATCHED.includes(match[1])) values[match[1]] = (values[match[1]] || 0) + Number(match[3]);
  }
  return values;
}

async function refreshMetrics() {
  const list = document.getElementById('metrics');
  const rows = [];
  try {
    const values = parseMetrics(await api('/gateway/metrics'));
    const now = performance.now();
    rows.push(['gateway sockets', values.gateway_connections ?? 0]);
    if (previous) {
      const seconds = (now - previous.at) / 1000;
      rows.push(['gateway messages in/s', ((values.gateway_messages_in_total - previous.values.gateway_messages_in_total) / seconds).toFixed(1)]);
      rows.push(['gateway messages out/s', ((values.gateway_messages_out_total - previous.values.gateway_messages_out_total) / seconds).toFixed(1)]);
    }
    const count = values.gateway_backend_request_duration_seconds_count;
    if (count) rows.push(['backend call, mean', `${((values.gateway_backend_request_duration_seconds_sum / count) * 1000).toFixed(2)} ms over ${count} calls`]);
    rows.push(['backend errors', values.gateway_backend_errors_total ?? 0]);
    rows.push(['Redis subscriber', values.gateway_redis_connected ? 'connected' : 'disconnected']);
    rows.push(['Redis reconnects', values.gateway_redis_reconnects ?? 0]);
    previous = { at: now, values };
  } catch (error) { rows.push(['gateway', error.message]); }
  try {
    const stats = await api('/sim/api/stats');
    rows.push(['charger-sim sessions', stats.sessions], ['CMS events delivered', stats.events_delivered], ['CMS events waiting', stats.events_waiting]);
  } catch (error) { rows.push(['charger-sim', error.message]); }
  list.replaceChildren(...rows.flatMap(([name, value]) => [element('dt', { text: name }), element('dd', { text: String(value) })]));
}
