// HTTP to the stack through the console: /backend, /sim and /gateway are forwarded to their
// program; an unreachable one answers 502 with a message, which becomes the error's text.
export class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

export async function api(path, { method = 'GET', body, token, traceparent } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  if (traceparent) headers.traceparent = traceparent;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ApiError(`The console itself does not answer (${error.message})`, 0);
  }
  const text = await response.text();
  let data = text;
  try { data = text ? JSON.parse(text) : null; } catch { /* a text answer, e.g. /metrics */ }
  if (!response.ok) {
    const message = (data && (data.message || data.error)) || `HTTP ${response.status}`;
    throw new ApiError(message, response.status);
  }
  return data;
}

/// A W3C traceparent for an action: the hops view finds its timeline by the trace id.
export function newTraceparent() {
  const hex = (bytes) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `00-${hex(16)}-${hex(8)}-01`;
}

export function traceIdOf(traceparent) { return traceparent.split('-')[1]; }

/// The user id in a JWT's `sub` (shown only; the gateway takes it from the verified token).
export function userOfToken(token) {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return String(payload.sub ?? '?');
  } catch { return '?'; }
}

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text') node.textContent = value; else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}
