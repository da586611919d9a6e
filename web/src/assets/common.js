// What every page shares: the HTTP API client (spec/api.md), the
// WebAssembly client loader, DOM helpers, messages for errors, and the
// booth-build check shown in the footer.

import { t, initLanguage, language, has } from './i18n.js';

export { t };

// A refused or failed request: the server's JSON error (spec/api.md §1.1),
// or `network` when the server could not be reached.
export class ApiFailure extends Error {
  constructor(status, code, field, message, retryAfter = null, rows = null) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfter = retryAfter;
    this.rows = rows;
  }
}

// Calls the API; resolves to the parsed JSON body (or text, for NDJSON),
// rejects with an ApiFailure.
export async function api(path, { method = 'GET', body, token, contentType, accept } = {}) {
  const headers = { Accept: accept || 'application/json' };
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = contentType || 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: payload,
      cache: 'no-store',
      credentials: 'same-origin',
      referrerPolicy: 'no-referrer',
    });
  } catch (error) {
    throw new ApiFailure(0, 'network', null, String(error && error.message ? error.message : error));
  }
  const text = await response.text();
  if (response.ok) {
    const type = response.headers.get('Content-Type') || '';
    if (type.includes('application/json')) {
      try {
        return text ? JSON.parse(text) : null;
      } catch (error) {
        throw new ApiFailure(response.status, 'bad-response', null, String(error.message));
      }
    }
    return text;
  }
  let code = 'http';
  let field = null;
  let message = `HTTP ${response.status}`;
  let rows = null;
  try {
    const parsed = JSON.parse(text);
    if (parsed && parsed.error) {
      code = parsed.error.code || code;
      field = parsed.error.field ?? null;
      message = parsed.error.message || message;
    }
    if (parsed && Array.isArray(parsed.rows)) rows = parsed.rows;
  } catch (_) {
    // Not our JSON error body (a proxy's page?): keep the status.
  }
  const retry = Number(response.headers.get('Retry-After'));
  throw new ApiFailure(response.status, code, field, message, Number.isFinite(retry) ? retry : null, rows);
}

// The WebAssembly client, loaded once, its bytes checked against the
// integrity hash the page carries.
let clientPromise = null;
export function loadClient() {
  if (!clientPromise) {
    clientPromise = (async () => {
      const meta = document.querySelector('meta[name="psephos-wasm"]');
      const url = meta ? meta.content : '/assets/psephos_wasm_bg.wasm';
      const integrity = meta ? meta.dataset.integrity : undefined;
      const module = await import('./psephos_wasm.js');
      await module.default({ module_or_path: fetch(url, integrity ? { integrity } : {}) });
      return module;
    })();
  }
  return clientPromise;
}

// The stable code of an error thrown by the WebAssembly client
// ("bad-link: …" → "bad-link").
export function clientErrorCode(error) {
  const message = String(error && error.message ? error.message : error);
  const match = /^([a-z-]+):/.exec(message);
  return match ? match[1] : 'internal';
}

export function clientErrorDetail(error) {
  return String(error && error.message ? error.message : error);
}

// A message for people, from an ApiFailure or a client error.
export function errorMessage(error) {
  if (error instanceof ApiFailure) {
    if (error.code === 'network') return t('error.network');
    if (error.code === 'rate_limited') {
      return error.retryAfter ? t('error.rate_limited_after', { seconds: error.retryAfter }) : t('error.rate_limited');
    }
    const key = `error.api.${error.code}`;
    const base = has(key) ? t(key) : t('error.api.other', { status: error.status });
    return error.field ? `${base} ${t('error.field', { field: error.field, message: error.message })}` : `${base} ${error.message}`;
  }
  const code = clientErrorCode(error);
  const key = `error.client.${code}`;
  return has(key) ? t(key) : t('error.client.internal');
}

// el('p', {class: 'x', text: '…'}, child, …): a small element builder.
// Attributes starting with "on" are listeners; `text` sets textContent.
export function el(tag, attributes = {}, ...children) {
  const node = tag === 'svg' || attributes.svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false || name === 'svg') continue;
    if (name === 'text') node.textContent = value;
    else if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function svg(tag, attributes = {}, ...children) {
  return el(tag, { ...attributes, svg: true }, ...children);
}

// Moves focus to a new view's heading so that screen readers announce it.
export function focusHeading(container) {
  const heading = container.querySelector('h1, h2');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: false });
  }
  window.scrollTo(0, 0);
}

export function notice(kind, ...children) {
  return el('div', { class: `notice ${kind}`, role: kind === 'bad' ? 'alert' : null }, ...children);
}

export function download(filename, text, type = 'application/json') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = el('a', { href: url, download: filename, class: 'hidden' });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// Dates in the page's language, with the zone named.
export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(language(), { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(date);
}

export function formatNumber(value, options = {}) {
  return new Intl.NumberFormat(language(), options).format(value);
}

export function formatPercent(part, whole) {
  if (!whole) return formatNumber(0, { style: 'percent', maximumFractionDigits: 1 });
  return formatNumber(part / whole, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

// The election id named by the page's path (/results/<id>) or fragment
// (/results#<id>).
export function electionIdFromUrl(prefix) {
  const path = window.location.pathname;
  if (path.startsWith(`${prefix}/`) && path.length > prefix.length + 1) {
    return decodeURIComponent(path.slice(prefix.length + 1));
  }
  const hash = window.location.hash.slice(1);
  return hash ? decodeURIComponent(hash) : null;
}

export function encodeId(id) {
  return encodeURIComponent(id);
}

// The booth build: /assets/manifest.json lists every file of web/dist with
// its SHA-256; the booth hash is SHA-256 of the lines "<sha256>  <file>\n"
// in file order (spec/api.md §6). The check re-fetches each file and hashes
// what this browser actually received.
let buildPromise = null;
export function boothBuild() {
  if (!buildPromise) buildPromise = api('/assets/manifest.json').catch(() => null);
  return buildPromise;
}

export async function checkBoothBuild() {
  const build = await boothBuild();
  if (!build) return { hash: null, ok: false };
  const client = await loadClient();
  const encoder = new TextEncoder();
  let lines = '';
  let ok = true;
  for (const file of build.files) {
    const response = await fetch(file.url, { cache: 'no-cache' });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const hash = client.sha256Hex(bytes);
    if (hash !== file.sha256) ok = false;
    lines += `${hash}  ${file.file}\n`;
  }
  const hash = client.sha256Hex(encoder.encode(lines));
  return { hash, ok: ok && hash === build.booth_hash, published: build.booth_hash };
}

// Language, footer, and the build hash line every page shows.
export function setupPage() {
  initLanguage();
  const slot = document.getElementById('build-hash');
  if (slot) {
    boothBuild().then((build) => {
      if (build) slot.textContent = build.booth_hash;
    });
  }
}
