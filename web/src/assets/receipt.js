// The receipt check (/receipt): a receipt file, a tracking code, or an
// audited ballot, each verified here in WebAssembly against the election's
// board key: the board's signed checkpoint, the inclusion proof, that the
// log only grew since the receipt (consistency proof), and whether the
// ballot is still its credential's latest (the one that counts).

import { onLanguageChange } from './i18n.js';
import {
  t,
  api,
  ApiFailure,
  loadClient,
  clientErrorDetail,
  errorMessage,
  el,
  notice,
  setupPage,
  encodeId,
  focusHeading,
} from './common.js';

setupPage();

const outcome = document.getElementById('outcome');
const electionSelect = document.getElementById('code-election');
let elections = [];
let lastRender = null;

function show(render) {
  lastRender = render;
  outcome.replaceChildren(...render().filter(Boolean));
  focusHeading(outcome);
}

function item(state, text, detail) {
  const mark = { ok: 'mark-ok', bad: 'mark-bad', wait: 'mark-wait', warn: 'mark-bad' }[state];
  return el('li', { class: mark }, text, detail ? el('div', { class: 'hash muted', text: detail }) : null);
}

function failureView(titleKey, error) {
  return () => [el('h2', { text: t(titleKey) }), notice('bad', el('p', { text: errorMessage(error) }), error && !(error instanceof ApiFailure) ? el('p', { class: 'hash', text: clientErrorDetail(error) }) : null)];
}

async function loadElection(id) {
  const client = await loadClient();
  const view = await api(`/api/elections/${encodeId(id)}`);
  const election = new client.Election(JSON.stringify(view));
  return { client, view, election };
}

async function readInput(fileInput, textArea) {
  const file = fileInput.files && fileInput.files[0];
  if (file) return file.text();
  return textArea ? textArea.value : '';
}

// Is this ballot still the latest of its credential? Reads the ballot's
// leaf from the board and asks the voter endpoint.
async function stillLatest(id, leafIndex, code) {
  const leaves = await api(`/api/elections/${encodeId(id)}/board/leaves?start=${leafIndex}&end=${leafIndex + 1}`);
  const leaf = leaves.leaves[0];
  const message = typeof leaf === 'string' ? JSON.parse(leaf) : leaf;
  if (!message || message.type !== 'ballot') return null;
  const voter = await api(`/api/elections/${encodeId(id)}/voters/${message.body.credential}`);
  return voter.latest ? voter.latest.tracking_code === code : null;
}

async function checkReceipt(text) {
  let receipt;
  try {
    receipt = JSON.parse(text);
    if (!receipt || typeof receipt.election_id !== 'string' || typeof receipt.tracking_code !== 'string') throw new Error('shape');
  } catch (_) {
    show(() => [el('h2', { text: t('receipt.result.title_bad') }), notice('bad', el('p', { text: t('receipt.not_receipt') }))]);
    return;
  }
  show(() => [el('h2', { text: t('receipt.checking') }), el('p', {}, el('span', { class: 'spinner', 'aria-hidden': 'true' }), t('common.loading'))]);
  let context;
  try {
    context = await loadElection(receipt.election_id);
  } catch (error) {
    show(failureView('receipt.result.title_bad', error));
    return;
  }
  const { view, election } = context;
  const items = [];
  let report;
  try {
    report = JSON.parse(election.verifyReceipt(JSON.stringify(receipt)));
    items.push(item('ok', t('receipt.item.signed', { index: report.leaf_index, size: report.size })));
  } catch (error) {
    items.push(item('bad', t('receipt.item.signed_bad'), clientErrorDetail(error)));
    show(() => resultView(view, receipt, items, false));
    return;
  }
  let good = true;
  try {
    const fresh = await api(`/api/elections/${encodeId(view.election_id)}/receipts/${receipt.tracking_code}`);
    const freshReport = JSON.parse(election.verifyReceipt(JSON.stringify(fresh)));
    if (freshReport.leaf_index !== report.leaf_index || freshReport.leaf_hash !== report.leaf_hash) {
      good = false;
      items.push(item('bad', t('receipt.item.moved')));
    } else {
      items.push(item('ok', t('receipt.item.present', { size: freshReport.size })));
      if (freshReport.size >= report.size) {
        const proof = await api(`/api/elections/${encodeId(view.election_id)}/board/consistency?first=${report.size}&second=${freshReport.size}`);
        try {
          election.verifyConsistency(JSON.stringify(receipt.checkpoint), JSON.stringify(fresh.checkpoint), JSON.stringify(proof));
          items.push(item('ok', t('receipt.item.consistent')));
        } catch (error) {
          good = false;
          items.push(item('bad', t('receipt.item.inconsistent'), clientErrorDetail(error)));
        }
      }
    }
  } catch (error) {
    good = false;
    if (error instanceof ApiFailure && error.status === 404) items.push(item('bad', t('receipt.item.missing')));
    else items.push(item('bad', t('receipt.item.unreachable'), errorMessage(error)));
  }
  await latestItem(view, report, items);
  show(() => resultView(view, receipt, items, good));
}

async function latestItem(view, report, items) {
  try {
    const latest = await stillLatest(view.election_id, report.leaf_index, report.tracking_code);
    if (latest === true) items.push(item('ok', t('receipt.item.latest')));
    else if (latest === false) items.push(item('warn', t('receipt.item.superseded')));
  } catch (_) {
    // The board or voter endpoint is unavailable: say nothing about it.
  }
}

function resultView(view, receipt, items, good) {
  return [
    el('h2', { text: good ? t('receipt.result.title_ok') : t('receipt.result.title_bad') }),
    el('p', {}, t('receipt.result.code'), ' ', el('strong', { class: 'tracking', text: shortCode(receipt.tracking_code) })),
    el('p', { class: 'muted', text: `${view.manifest.title} (${view.election_id})` }),
    el('ul', { class: 'status-list' }, ...items),
    good ? null : notice('bad', el('p', { text: t('receipt.result.tell') })),
    el('h3', { text: t('receipt.verify_title') }),
    el('p', { text: t('receipt.verify_text') }),
    el('pre', { class: 'card' }, el('code', { text: `psephos-verify record.jsonl --receipt receipt-${shortCode(receipt.tracking_code)}.json` })),
    view.phase === 'published' ? el('p', {}, el('a', { href: `/results/${encodeId(view.election_id)}`, text: t('home.see_results') })) : null,
  ];
}

let client = null;
function shortCode(hex) {
  try {
    return client ? client.shortCode(hex) : hex.slice(0, 16);
  } catch (_) {
    return hex;
  }
}

async function checkCode(id, code) {
  const clean = code.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(clean)) {
    show(() => [el('h2', { text: t('receipt.result.title_bad') }), notice('bad', el('p', { text: t('receipt.code_format') }))]);
    return;
  }
  show(() => [el('h2', { text: t('receipt.checking') }), el('p', {}, el('span', { class: 'spinner', 'aria-hidden': 'true' }), t('common.loading'))]);
  try {
    const { view, election } = await loadElection(id);
    const fresh = await api(`/api/elections/${encodeId(id)}/receipts/${clean}`);
    const report = JSON.parse(election.verifyReceipt(JSON.stringify(fresh)));
    const items = [item('ok', t('receipt.item.signed', { index: report.leaf_index, size: report.size }))];
    await latestItem(view, report, items);
    show(() => resultView(view, fresh, items, true));
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 404) {
      show(() => [el('h2', { text: t('receipt.result.title_bad') }), notice('bad', el('p', { text: t('receipt.item.missing') }))]);
    } else show(failureView('receipt.result.title_bad', error));
  }
}

async function checkAudit(text) {
  let audit;
  try {
    audit = JSON.parse(text);
    if (!audit || !audit.ballot || !Array.isArray(audit.openings)) throw new Error('shape');
  } catch (_) {
    show(() => [el('h2', { text: t('receipt.audit_bad_title') }), notice('bad', el('p', { text: t('receipt.not_audit') }))]);
    return;
  }
  show(() => [el('h2', { text: t('receipt.checking') }), el('p', {}, el('span', { class: 'spinner', 'aria-hidden': 'true' }), t('common.loading'))]);
  // An audit names its election only by fingerprint: find it.
  let found = null;
  try {
    for (const summary of elections) {
      const context = await loadElection(summary.election_id);
      if (context.election.fingerprint === audit.ballot.election) {
        found = context;
        break;
      }
      context.election.free();
    }
  } catch (error) {
    show(failureView('receipt.audit_bad_title', error));
    return;
  }
  if (!found) {
    show(() => [el('h2', { text: t('receipt.audit_bad_title') }), notice('bad', el('p', { text: t('receipt.audit_no_election') }))]);
    return;
  }
  const { view, election } = found;
  let report;
  try {
    report = JSON.parse(election.verifyAudit(JSON.stringify(audit)));
  } catch (error) {
    show(() => [el('h2', { text: t('receipt.audit_bad_title') }), notice('bad', el('p', { text: t('receipt.audit_failed') }), el('p', { class: 'hash', text: clientErrorDetail(error) }))]);
    return;
  }
  const style = view.manifest.ballot_styles.find((s) => s.id === report.style);
  const list = el('ol', { class: 'review' });
  style.questions.forEach((id, q) => {
    const question = view.manifest.questions.find((candidate) => candidate.id === id);
    const labels = question.kind === 'referendum' ? [t('booth.yes'), t('booth.no')] : question.options.map((o) => o.label);
    const chosen = (report.choices[q] || []).map((o) => labels[o]);
    list.append(el('li', {}, el('span', { class: 'q', text: question.text }), chosen.length ? el('span', { class: 'a', text: chosen.join(', ') }) : el('span', { class: 'a blank', text: t('booth.left_blank') })));
  });
  show(() => [
    el('h2', { text: t('receipt.audit_ok_title') }),
    notice('good', el('p', {}, t('receipt.audit_ok_text'), ' ', el('strong', { class: 'mono', text: report.short_code }))),
    el('p', { text: t('receipt.audit_compare') }),
    list,
    el('p', { class: 'muted', text: t('booth.audit.spoiled') }),
  ]);
}

document.getElementById('receipt-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  client = await loadClient();
  checkReceipt(await readInput(document.getElementById('receipt-file'), document.getElementById('receipt-text')));
});

document.getElementById('code-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  client = await loadClient();
  checkCode(electionSelect.value, document.getElementById('code').value);
});

document.getElementById('audit-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  client = await loadClient();
  checkAudit(await readInput(document.getElementById('audit-file'), null));
});

api('/api/elections')
  .then((list) => {
    elections = list;
    electionSelect.replaceChildren(...list.map((e) => el('option', { value: e.election_id, text: `${e.title} (${e.election_id})` })));
    const wanted = window.location.hash.slice(1);
    if (wanted) electionSelect.value = decodeURIComponent(wanted);
  })
  .catch(() => {});

onLanguageChange(() => {
  if (lastRender) outcome.replaceChildren(...lastRender().filter(Boolean));
});
