// Administration (/admin): sign in with the administrator token (kept in
// sessionStorage for this tab, sent as a bearer token), create an election
// from a manifest, import the member roll (errors shown per row), open and
// close voting, watch turnout, follow the trustees' ceremony, start the
// tally and publish the result.

import { onLanguageChange } from './i18n.js';
import {
  t,
  api,
  ApiFailure,
  el,
  notice,
  setupPage,
  encodeId,
  errorMessage,
  formatTime,
  formatNumber,
  formatPercent,
  boothBuild,
  focusHeading,
} from './common.js';

setupPage();

const TOKEN_KEY = 'psephos-admin-token';
const signin = document.getElementById('signin');
const consoleBox = document.getElementById('console');
const messages = document.getElementById('admin-messages');
const list = document.getElementById('election-list');
const panel = document.getElementById('election-panel');
const panelTitle = document.getElementById('panel-title');
const panelBody = document.getElementById('panel-body');

let token = sessionStorage.getItem(TOKEN_KEY);
let elections = [];
let selected = null; // { view, status, turnout, roll, rollError, result }
let refreshTimer = null;

function say(kind, text, extra = null) {
  messages.replaceChildren(notice(kind, el('p', { text }), extra));
  if (kind === 'bad') {
    messages.querySelector('p').setAttribute('tabindex', '-1');
    messages.querySelector('p').focus();
  }
}

function adminApi(path, options = {}) {
  return api(path, { ...options, token }).catch((error) => {
    if (error instanceof ApiFailure && error.status === 401) signOut(t('admin.token_rejected'));
    throw error;
  });
}

function signOut(reason) {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  clearInterval(refreshTimer);
  consoleBox.classList.add('hidden');
  signin.classList.remove('hidden');
  const form = document.getElementById('signin-form');
  form.querySelectorAll('.notice').forEach((node) => node.remove());
  if (reason) form.prepend(notice('bad', el('p', { text: reason })));
  document.getElementById('token').focus();
}

async function signIn(candidate) {
  token = candidate;
  try {
    const server = await api('/api/admin/server', { token });
    sessionStorage.setItem(TOKEN_KEY, token);
    document.getElementById('server-board-key').textContent = server.board_key;
    signin.classList.add('hidden');
    consoleBox.classList.remove('hidden');
    await loadElections();
    focusHeading(consoleBox.parentElement);
  } catch (error) {
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    signOut(error instanceof ApiFailure && error.status === 401 ? t('admin.token_rejected') : errorMessage(error));
  }
}

async function loadElections() {
  elections = await api('/api/elections');
  renderList();
}

function renderList() {
  if (!elections.length) {
    list.replaceChildren(el('p', { class: 'muted', text: t('home.none') }));
    return;
  }
  list.replaceChildren(
    el(
      'div',
      { class: 'table-scroll' },
      el(
        'table',
        {},
        el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('admin.col.title') }), el('th', { scope: 'col', text: t('admin.col.id') }), el('th', { scope: 'col', text: t('admin.col.phase') }), el('th', { scope: 'col', text: '' }))),
        el(
          'tbody',
          {},
          ...elections.map((election) =>
            el(
              'tr',
              {},
              el('th', { scope: 'row', text: election.title }),
              el('td', { class: 'mono', text: election.election_id }),
              el('td', { text: t(`phase.${election.phase}`) }),
              el('td', {}, el('button', { type: 'button', class: 'secondary', onclick: () => select(election.election_id), text: t('admin.manage'), 'aria-label': t('admin.manage_named', { title: election.title }) })),
            ),
          ),
        ),
      ),
    ),
  );
}

async function select(id) {
  clearInterval(refreshTimer);
  selected = { id };
  await refresh();
  panel.classList.remove('hidden');
  focusHeading(panel);
  refreshTimer = setInterval(() => {
    if (selected && selected.view && selected.view.phase === 'open') refresh({ quiet: true });
  }, 10000);
}

async function refresh({ quiet = false } = {}) {
  if (!selected) return;
  const id = encodeId(selected.id);
  try {
    selected.view = await api(`/api/elections/${id}`);
    selected.status = await api(`/api/elections/${id}/trustees/status`).catch(() => null);
    selected.turnout = await adminApi(`/api/admin/elections/${id}/turnout`).catch(() => null);
  } catch (error) {
    if (!quiet) say('bad', errorMessage(error));
    return;
  }
  renderPanel();
}

function renderPanel() {
  const { view, status, turnout } = selected;
  const { manifest } = view;
  panelTitle.textContent = manifest.title;
  const phase = view.phase;
  const body = [
    el('p', {}, el('strong', { text: t('admin.phase') }), ' ', t(`phase.${phase}`)),
    el('p', { text: t('admin.window', { opens: formatTime(manifest.voting_window.opens), closes: formatTime(manifest.voting_window.closes) }) }),
    el('p', {}, el('strong', { text: t('admin.booth_hash') }), ' ', el('code', { class: 'hash', text: manifest.booth_hash || t('admin.none') })),
  ];
  body.push(el('h3', { text: t('admin.trustees') }), trusteesView(status));
  body.push(el('h3', { text: t('admin.roll') }), rollView());
  body.push(el('h3', { text: t('admin.voting') }), votingView(phase));
  body.push(el('h3', { text: t('admin.turnout') }), turnoutView(turnout));
  body.push(el('h3', { text: t('admin.count') }), countView(phase));
  body.push(el('p', {}, el('button', { type: 'button', class: 'secondary', onclick: () => refresh(), text: t('admin.refresh') })));
  panelBody.replaceChildren(...body);
}

function trusteesView(status) {
  if (!status) return el('p', { class: 'muted', text: t('admin.unavailable') });
  const leaf = (value) => (value === null || value === undefined ? t('admin.waiting') : t('admin.leaf', { index: value }));
  const rows = status.trustees.map((trustee) => {
    let standing = t('admin.pending');
    if (trustee.qualified === true) standing = t('admin.qualified');
    if (trustee.disqualified) standing = t('admin.disqualified', { reason: trustee.disqualified.reason || '' });
    return el('tr', {}, el('td', { text: String(trustee.index) }), el('th', { scope: 'row', text: trustee.name }), el('td', { text: leaf(trustee.dealing) }), el('td', { text: leaf(trustee.complaints) }), el('td', { text: leaf(trustee.decryption) }), el('td', { text: standing }));
  });
  return el(
    'div',
    {},
    el('p', { text: t('admin.threshold', { t: status.threshold, n: status.trustees.length }) }),
    el(
      'div',
      { class: 'table-scroll' },
      el(
        'table',
        {},
        el('thead', {}, el('tr', {}, ...['#', t('admin.col.name'), t('admin.col.dealing'), t('admin.col.complaints'), t('admin.col.decryption'), t('admin.col.standing')].map((text) => el('th', { scope: 'col', text })))),
        el('tbody', {}, ...rows),
      ),
    ),
    el('p', { text: status.election_key ? t('admin.key_done') : t('admin.key_waiting') }),
  );
}

function rollView() {
  const input = el('input', { id: 'roll-file', type: 'file', accept: '.csv,text/csv' });
  const form = el(
    'form',
    { novalidate: true },
    el('div', { class: 'field-row' }, el('label', { for: 'roll-file', text: t('admin.roll_file') }), el('p', { class: 'hint', text: t('admin.roll_hint') }), input),
    el('button', { type: 'submit', text: t('admin.roll_import') }),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = input.files && input.files[0];
    if (!file) {
      say('bad', t('admin.choose_file'));
      return;
    }
    const text = await file.text();
    try {
      const outcome = await adminApi(`/api/admin/elections/${encodeId(selected.id)}/roll`, { method: 'PUT', body: text, contentType: 'text/csv' });
      selected.roll = outcome;
      selected.rollError = null;
      say('good', t('admin.roll_done', { members: formatNumber(outcome.members) }));
    } catch (error) {
      selected.roll = null;
      selected.rollError = error;
      say('bad', errorMessage(error));
    }
    renderPanel();
  });
  const nodes = [form];
  if (selected.roll) {
    const byStyle = selected.roll.by_style || {};
    const entries = Array.isArray(byStyle) ? byStyle.map((row) => [row.style, row.members]) : Object.entries(byStyle);
    nodes.push(notice('good', el('p', { text: t('admin.roll_done', { members: formatNumber(selected.roll.members) }) }), el('ul', {}, ...entries.map(([style, count]) => el('li', { text: `${style}: ${formatNumber(count)}` })))));
  }
  if (selected.rollError && selected.rollError.rows && selected.rollError.rows.length) {
    nodes.push(
      notice(
        'bad',
        el('p', { text: t('admin.roll_rows', { count: selected.rollError.rows.length }) }),
        el(
          'div',
          { class: 'table-scroll' },
          el(
            'table',
            {},
            el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('admin.col.row') }), el('th', { scope: 'col', text: t('admin.col.field') }), el('th', { scope: 'col', text: t('admin.col.problem') }))),
            el('tbody', {}, ...selected.rollError.rows.map((row) => el('tr', {}, el('td', { text: String(row.row) }), el('td', { text: row.field || '' }), el('td', { text: row.message })))),
          ),
        ),
      ),
    );
  }
  return el('div', {}, ...nodes);
}

function action(labelKey, path, confirmKey, { danger = false } = {}) {
  return el('button', {
    type: 'button',
    class: danger ? 'danger' : null,
    text: t(labelKey),
    onclick: async () => {
      if (confirmKey && !window.confirm(t(confirmKey))) return;
      try {
        const outcome = await adminApi(`/api/admin/elections/${encodeId(selected.id)}/${path}`, { method: 'POST' });
        if (path === 'publish' && outcome && outcome.result) selected.result = outcome.result;
        say('good', t(`admin.done.${path}`));
      } catch (error) {
        say('bad', errorMessage(error));
      }
      await refresh({ quiet: true });
      await loadElections().catch(() => {});
    },
  });
}

function votingView(phase) {
  const buttons = [];
  if (phase === 'ready') buttons.push(action('admin.open', 'open', 'admin.confirm_open'));
  if (phase === 'open') buttons.push(action('admin.close', 'close', 'admin.confirm_close', { danger: true }));
  if (!buttons.length) return el('p', { class: 'muted', text: t(`admin.voting_${['keygen', 'credentials'].includes(phase) ? 'before' : 'after'}`) });
  return el('div', { class: 'actions' }, ...buttons);
}

function turnoutView(turnout) {
  if (!turnout) return el('p', { class: 'muted', text: t('admin.unavailable') });
  const rows = (turnout.by_style || []).map((row) => el('tr', {}, el('th', { scope: 'row', text: row.style }), el('td', { class: 'num', text: formatNumber(row.voted) }), el('td', { class: 'num', text: formatNumber(row.members) }), el('td', { class: 'num', text: formatPercent(row.voted, row.members) })));
  return el(
    'div',
    {},
    el('p', { text: t('admin.turnout_text', { voted: formatNumber(turnout.voted), members: formatNumber(turnout.members), percent: formatPercent(turnout.voted, turnout.members), ballots: formatNumber(turnout.ballots), audits: formatNumber(turnout.audits) }) }),
    rows.length
      ? el(
          'div',
          { class: 'table-scroll' },
          el(
            'table',
            {},
            el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('results.style') }), el('th', { scope: 'col', class: 'num', text: t('results.voted') }), el('th', { scope: 'col', class: 'num', text: t('results.members') }), el('th', { scope: 'col', class: 'num', text: t('results.turnout') }))),
            el('tbody', {}, ...rows),
          ),
        )
      : null,
  );
}

function countView(phase) {
  const nodes = [];
  if (phase === 'closed') nodes.push(action('admin.tally', 'tally', 'admin.confirm_tally'));
  if (phase === 'tallied') nodes.push(action('admin.publish', 'publish', 'admin.confirm_publish'));
  if (phase === 'published') nodes.push(el('a', { class: 'button', href: `/results/${encodeId(selected.id)}`, text: t('home.see_results') }));
  if (!nodes.length) return el('p', { class: 'muted', text: t('admin.count_later') });
  return el('div', { class: 'actions' }, ...nodes);
}

document.getElementById('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = document.getElementById('token');
  const value = input.value.trim();
  input.value = '';
  if (value) signIn(value);
});

document.getElementById('signout').addEventListener('click', () => signOut(null));

document.getElementById('create-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const out = document.getElementById('create-outcome');
  const file = document.getElementById('manifest-file').files[0];
  if (!file) {
    out.replaceChildren(notice('bad', el('p', { text: t('admin.choose_file') })));
    return;
  }
  let manifest;
  try {
    manifest = JSON.parse(await file.text());
  } catch (error) {
    out.replaceChildren(notice('bad', el('p', { text: t('admin.not_json', { message: error.message }) })));
    return;
  }
  if (document.getElementById('add-booth-hash').checked && manifest && !manifest.booth_hash) {
    const build = await boothBuild();
    if (build) manifest.booth_hash = build.booth_hash;
  }
  try {
    await adminApi('/api/admin/elections', { method: 'POST', body: manifest });
    out.replaceChildren(notice('good', el('p', { text: t('admin.created', { id: manifest.election_id }) })));
    await loadElections();
  } catch (error) {
    out.replaceChildren(notice('bad', el('p', { text: errorMessage(error) })));
  }
});

onLanguageChange(() => {
  if (!consoleBox.classList.contains('hidden')) {
    renderList();
    if (selected && selected.view) renderPanel();
  }
});

if (token) signIn(token);
