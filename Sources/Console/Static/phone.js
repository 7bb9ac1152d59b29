// A virtual phone: its own WebSocket from the browser to the gateway, exactly as an app holds
// one, with the spec's best practices made visible: reconnect with backoff, and actions queued
// while the socket is down and sent once it is open again.
import { element, newTraceparent, traceIdOf, userOfToken } from './api.js';
import { LineChart } from './chart.js';

// Close reasons after which another try with the same token cannot succeed.
const TOKEN_REFUSALS = ['Authentication required', 'Invalid authentication token', 'Token expired'];
const MAX_LOG = 500;

export class Phone {
  constructor({ container, gatewayURL, token, label, onTrace }) {
    this.gatewayURL = gatewayURL;
    this.token = token;
    this.user = userOfToken(token);
    this.onTrace = onTrace;
    this.queue = [];
    this.attempt = 0;
    this.closedByUser = false;
    this.root = document.getElementById('phone-template').content.firstElementChild.cloneNode(true);
    this.root.dataset.user = this.user;
    this.root.setAttribute('aria-label', `Phone of user ${this.user}`);
    this.part('.phone-title').textContent = label || `User ${this.user}`;
    this.chart = new LineChart(this.part('.chart'));
    this.root.querySelectorAll('[data-action]').forEach((button) =>
      button.addEventListener('click', () => this.sendAction(button.dataset.action)));
    this.part('.close-phone').addEventListener('click', () => this.close());
    container.append(this.root);
    this.connect();
  }

  part(selector) { return this.root.querySelector(selector); }

  setState(state, detail = '') {
    const badge = this.part('.state');
    badge.dataset.state = state;
    badge.textContent = state + (this.queue.length ? ` · ${this.queue.length} queued` : '');
    this.part('.connection-detail').textContent = detail;
  }

  connect() {
    const url = `${this.gatewayURL.replace(/\/$/, '')}/?token=${encodeURIComponent(this.token)}`;
    this.setState(this.attempt ? 'reconnecting' : 'connecting', `opening ${this.gatewayURL}`);
    const socket = new WebSocket(url);
    this.socket = socket;
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      this.attempt = 0;
      this.setState('open', `connected to ${this.gatewayURL} as user ${this.user}`);
      const queued = this.queue.splice(0);
      queued.forEach((message) => this.transmit(message));
      this.setState('open', `connected to ${this.gatewayURL} as user ${this.user}` + (queued.length ? `; sent ${queued.length} queued` : ''));
    });
    socket.addEventListener('message', (event) => this.receive(event.data));
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket) return;
      const how = `${event.code}${event.reason ? ` "${event.reason}"` : ''}`;
      this.root.dataset.closeCode = String(event.code);
      this.root.dataset.closeReason = event.reason;
      if (this.closedByUser) return this.setState('closed', `closed by you (${how})`);
      if (event.code === 1008 && TOKEN_REFUSALS.includes(event.reason)) {
        return this.setState('refused', `the gateway refused the token: close ${how}. Log in again for a new token.`);
      }
      // Exponential backoff with jitter, as the spec's best practices ask: 0.5 s doubling to 30 s.
      const delay = Math.min(30000, 500 * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
      this.attempt += 1;
      const why = opened ? `the connection closed: ${how}` : `the gateway at ${this.gatewayURL} is unreachable (close ${how} before the socket opened)`;
      this.setState('reconnecting', `${why}; retry ${this.attempt} in ${(delay / 1000).toFixed(1)} s`);
      this.retry = setTimeout(() => this.connect(), delay);
    });
  }

  close() {
    this.closedByUser = true;
    clearTimeout(this.retry);
    this.socket?.close(1000, 'Phone closed');
    this.root.remove();
  }

  sendAction(action) {
    const form = this.part('.actions');
    const charger = form.charger_id.value.trim();
    const connector = Number(form.connector_id.value) || 1;
    const data = {
      start_charging: { charger_id: charger, connector_id: connector },
      stop_charging: charger ? { charger_id: charger } : {},
      get_charger_status: { charger_id: charger },
      get_active_session: {},
      list_chargers: {},
    }[action];
    const message = { action, data, traceparent: newTraceparent() };
    if (this.socket?.readyState === WebSocket.OPEN) this.transmit(message);
    else {
      this.queue.push(message);
      this.log('out', message, 'queued: the socket is not open');
      this.setState(this.part('.state').dataset.state, this.part('.connection-detail').textContent);
    }
  }

  transmit(message) {
    this.socket.send(JSON.stringify(message));
    this.log('out', message);
  }

  receive(text) {
    let message;
    try { message = JSON.parse(text); } catch { return this.log('in', text, 'not JSON'); }
    this.log('in', message);
    const data = message.data || {};
    switch (message.type) {
      case 'response': return this.response(message.action, data);
      case 'session_update': return this.sessionUpdate(message, data);
      case 'notification': return this.notify(message.title, message.message, 'notification');
      case 'charger_update': return this.chargerUpdate(message, data);
      case 'error': return this.notify('Error', message.message, 'error');
    }
  }

  response(action, data) {
    if (data.success === false) return this.notify(`${action} failed`, data.message || data.error, 'error');
    if (action === 'start_charging' && data.session_id !== undefined) {
      this.session = data.session_id;
      this.part('.session-line').textContent = `Session ${data.session_id} on ${data.charger_id}/${data.connector_id}: ${data.status || 'starting'}`;
      this.part('.summary').hidden = true;
      this.chart.clear();
    }
    if (action === 'list_chargers' && Array.isArray(data.chargers)) this.showChargers(data.chargers);
    if (action === 'get_charger_status' && data.charger_id) this.showChargers([data], false);
    if (action === 'get_active_session' && data.session_id !== undefined) {
      this.part('.session-line').textContent = `Session ${data.session_id} on ${data.charger_id}/${data.connector_id}: ${data.status}`;
      this.readings(data.energy_delivered, data.power);
    }
  }

  sessionUpdate(message, data) {
    const line = this.part('.session-line');
    switch (message.event) {
      case 'session_started':
        this.session = message.session_id;
        line.textContent = `Session ${message.session_id} on ${data.charger_id}/${data.connector_id}: charging`;
        this.part('.summary').hidden = true;
        this.chart.clear();
        break;
      case 'meter_value':
        this.readings(data.energy_delivered, data.power, data.meter_value);
        this.chart.add(Date.parse(data.timestamp || message.timestamp), Number(data.energy_delivered) || 0);
        break;
      case 'session_completed':
        // It follows session_stopped, whose figures make the summary.
        line.textContent = `Session ${message.session_id}: completed`;
        if (data.energy_delivered === undefined) break;
      // falls through
      case 'session_stopped': {
        if (message.event === 'session_stopped') line.textContent = `Session ${message.session_id}: stopped`;
        const summary = this.part('.summary');
        const minutes = data.duration !== undefined ? `${(data.duration / 60).toFixed(0)} min` : '';
        summary.textContent = `Summary: ${Number(data.energy_delivered ?? 0).toFixed(2)} kWh` +
          (minutes ? ` in ${minutes}` : '') + (data.stop_reason ? ` (${data.stop_reason})` : '');
        summary.hidden = false;
        break;
      }
      case 'session_error':
        this.notify('Session error', data.message || data.error_code || data.reason || 'the session reported an error', 'error');
        break;
    }
  }

  readings(energy, power, meter) {
    if (energy !== undefined) this.part('.energy').textContent = `${Number(energy).toFixed(3)} kWh`;
    if (power !== undefined) this.part('.power').textContent = `${Number(power).toFixed(1)} kW`;
    if (meter !== undefined) this.part('.meter').textContent = `${meter} Wh`;
  }

  chargerUpdate(message, data) {
    const item = this.part(`.chargers [data-charger="${CSS.escape(message.charger_id)}"]`);
    if (item) item.querySelector('.charger-status').textContent = data.status;
    if (data.status === 'Faulted' || message.event === 'error') {
      this.notify('Charger fault', `${message.charger_id} connector ${data.connector_id ?? ''}: ${data.error_code || data.status}`, 'error');
    }
  }

  showChargers(chargers, replace = true) {
    const list = this.part('.chargers');
    if (replace) list.replaceChildren();
    for (const charger of chargers) {
      const connectors = (charger.connectors || []).map((c) => `${c.connector_id}: ${c.status}`).join(', ');
      const item = element('li', { 'data-charger': charger.charger_id },
        element('strong', { text: charger.charger_id }), ` ${charger.name || ''} `,
        element('span', { class: 'charger-status', text: charger.status || '' }), connectors ? ` (${connectors})` : '');
      list.querySelector(`[data-charger="${CSS.escape(charger.charger_id)}"]`)?.remove();
      list.append(item);
    }
  }

  notify(title, text, kind) {
    const list = this.part('.notifications');
    list.prepend(element('li', { 'data-kind': kind }, element('strong', { text: title }), text || ''));
    while (list.children.length > 50) list.lastElementChild.remove();
  }

  log(direction, message, note) {
    const list = this.part('.log');
    const text = typeof message === 'string' ? message : JSON.stringify(message, null, 2);
    const headline = typeof message === 'string' ? message.slice(0, 80)
      : `${message.type || message.action}${message.event ? ' ' + message.event : ''}${message.action && message.type ? ' ' + message.action : ''}${note ? ' — ' + note : ''}`;
    const details = element('details', {}, element('summary', { text: `${new Date().toLocaleTimeString()} ${headline}` }), element('pre', { text }));
    const item = element('li', { 'data-dir': direction }, details);
    if (message.traceparent) {
      const trace = traceIdOf(message.traceparent);
      const button = element('button', { type: 'button', text: 'Hops' });
      button.addEventListener('click', () => this.onTrace(trace));
      details.append(button);
    }
    list.append(item);
    while (list.children.length > MAX_LOG) list.firstElementChild.remove();
    this.part('.log-count').textContent = String(list.children.length);
  }
}
