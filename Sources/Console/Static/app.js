// The console: finds the stack through /api/config and /api/status, says plainly which part
// is missing, and wires the three views.
import { api } from './api.js';
import { Phone } from './phone.js';
import { fleetStats, startFleet } from './fleet.js';
import { showTrace, startHops } from './hops.js';

const banner = document.getElementById('banner');
const problems = new Map();
function problem(source, text) {
  if (text) problems.set(source, text); else problems.delete(source);
  banner.textContent = [...problems.values()].join('\n');
  banner.hidden = problems.size === 0;
}

function showView(name) {
  document.querySelectorAll('.tab').forEach((tab) => tab.setAttribute('aria-pressed', String(tab.dataset.view === name)));
  document.querySelectorAll('main > section').forEach((section) => { section.hidden = section.id !== name; });
}
document.querySelectorAll('.tab').forEach((tab) => tab.addEventListener('click', () => showView(tab.dataset.view)));

async function watchStatus() {
  try {
    const answers = await api('/api/status');
    const list = document.getElementById('stack-status');
    list.replaceChildren(...answers.map((answer) => {
      const item = document.createElement('li');
      item.dataset.ok = String(answer.reachable);
      item.dataset.program = answer.name;
      item.textContent = `${answer.name}: ${answer.reachable ? answer.message : answer.url ? 'down' : 'not in this stack'}`;
      item.title = answer.url || '';
      return item;
    }));
    for (const answer of answers) problem(answer.name, answer.reachable || !answer.url ? null : answer.message);
    problem('console', null);
  } catch (error) { problem('console', `The console does not answer: ${error.message}`); }
  setTimeout(watchStatus, 2000);
}

async function main() {
  let config;
  try { config = await api('/api/config'); } catch (error) { return problem('console', `The console could not read its configuration: ${error.message}`); }
  window.consoleStats = { fleet: fleetStats };
  const users = document.getElementById('seeded-users');
  for (const user of config.seeded_users) users.append(new Option(`user ${user.id}`, user.email));
  const phones = document.getElementById('phone-list');
  const openTrace = (trace) => { showView('hops'); showTrace(trace); };

  document.getElementById('add-phone').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.target;
    if (event.submitter?.name === 'use-token') {
      const token = form.token.value.trim();
      if (!token) return problem('login', 'Paste a token first.');
      problem('login', null);
      return new Phone({ container: phones, gatewayURL: config.gateway_url, token, onTrace: openTrace });
    }
    try {
      const answer = await api('/backend/api/auth/login', { method: 'POST', body: { email: form.email.value, password: form.password.value } });
      problem('login', null);
      new Phone({ container: phones, gatewayURL: config.gateway_url, token: answer.access_token, label: form.email.value, onTrace: openTrace });
    } catch (error) {
      problem('login', error.status === 401 ? `Login refused for ${form.email.value}: wrong email or password.` : `Login failed: ${error.message}`);
    }
  });
  if (!config.backend) problem('login', 'No backend in this stack: open a phone with a pasted token.');
  if (config.sim) startFleet({ onError: (text) => problem('fleet', text) });
  else document.getElementById('fleet').prepend(Object.assign(document.createElement('p'), { textContent: 'No charger-sim in this stack.' }));
  startHops();
  watchStatus();
}

main();
