// The message catalogue: every string a page shows comes from here, in
// English or French. Static text in the HTML carries data-i18n="key" (its
// text) or data-i18n-attr="attribute:key,…" (attributes); pages render the
// rest through t(). The choice is kept in localStorage, never sent anywhere.

import en from './messages-en.js';
import fr from './messages-fr.js';

const CATALOGUES = { en, fr };
export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'fr', name: 'Français' },
];
const STORAGE_KEY = 'psephos-lang';

let current = 'en';
const listeners = [];

function pick() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && CATALOGUES[saved]) return saved;
  } catch (_) {
    // Storage may be disabled; fall back to the browser's languages.
  }
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const code = String(tag).slice(0, 2).toLowerCase();
    if (CATALOGUES[code]) return code;
  }
  return 'en';
}

export function language() {
  return current;
}

// t('key', {name: value}) with {name} placeholders; a key ending in a count
// form picks `key.one` / `key.other` with the `count` variable.
export function t(key, vars = {}) {
  const catalogue = CATALOGUES[current];
  let entry = catalogue[key] ?? en[key];
  if (entry && typeof entry === 'object') {
    const form = new Intl.PluralRules(current).select(Number(vars.count ?? 0));
    entry = entry[form] ?? entry.other;
  }
  if (entry === undefined) {
    console.warn(`psephos: missing message ${key}`);
    return key;
  }
  return entry.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole,
  );
}

export function has(key) {
  return Object.prototype.hasOwnProperty.call(en, key);
}

export function translateStatic(root = document) {
  for (const node of root.querySelectorAll('[data-i18n]')) {
    node.textContent = t(node.dataset.i18n);
  }
  for (const node of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of node.dataset.i18nAttr.split(',')) {
      const [attribute, key] = pair.split(':');
      node.setAttribute(attribute.trim(), t(key.trim()));
    }
  }
}

function apply(code) {
  current = CATALOGUES[code] ? code : 'en';
  document.documentElement.lang = current;
  translateStatic();
  const title = document.querySelector('meta[name="psephos-title"]');
  if (title) document.title = `${t(title.content)} · Psephos`;
}

export function setLanguage(code) {
  apply(code);
  try {
    localStorage.setItem(STORAGE_KEY, current);
  } catch (_) {
    // Not remembered; the page still switches.
  }
  for (const listener of listeners) listener(current);
}

export function onLanguageChange(listener) {
  listeners.push(listener);
}

// Sets the language from the saved or browser preference and wires the
// page's <select id="language">.
export function initLanguage() {
  apply(pick());
  const select = document.getElementById('language');
  if (select) {
    select.replaceChildren(
      ...LANGUAGES.map(({ code, name }) => {
        const option = document.createElement('option');
        option.value = code;
        option.lang = code;
        option.textContent = name;
        option.selected = code === current;
        return option;
      }),
    );
    select.addEventListener('change', () => setLanguage(select.value));
  }
}

export const catalogues = CATALOGUES;
