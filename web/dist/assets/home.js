// The landing page: how to vote, a box to paste a voting link (checked and
// opened locally; nothing is sent), and the elections on this server.

import { onLanguageChange } from './i18n.js';
import { t, api, loadClient, el, setupPage, encodeId, errorMessage, notice } from './common.js';

setupPage();

const form = document.getElementById('link-form');
const input = document.getElementById('link');
const error = document.getElementById('link-error');
const list = document.getElementById('elections');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.classList.add('hidden');
  const value = input.value.trim();
  try {
    const client = await loadClient();
    client.linkElectionId(value);
    const fragment = value.includes('#') ? value.slice(value.lastIndexOf('#') + 1) : value;
    input.value = '';
    window.location.assign(`/vote#${fragment}`);
  } catch (_) {
    error.textContent = t('error.client.bad-link');
    error.classList.remove('hidden');
    input.focus();
  }
});

let elections = null;
let failure = null;

function render() {
  if (failure) {
    list.replaceChildren(notice('bad', el('p', { text: errorMessage(failure) })));
    return;
  }
  if (!elections) return;
  if (elections.length === 0) {
    list.replaceChildren(el('p', { class: 'muted', text: t('home.none') }));
    return;
  }
  list.replaceChildren(
    el(
      'ul',
      { class: 'status-list' },
      ...elections.map((election) =>
        el(
          'li',
          { class: 'card' },
          el('h3', { text: election.title }),
          el('p', { class: 'muted', text: `${election.organisation} · ${t(`phase.${election.phase}`)}` }),
          election.phase === 'published' ? el('a', { href: `/results/${encodeId(election.election_id)}`, text: t('home.see_results') }) : null,
        ),
      ),
    ),
  );
}

api('/api/elections')
  .then((data) => {
    elections = data;
  })
  .catch((error_) => {
    failure = error_;
  })
  .finally(render);

onLanguageChange(render);
