// The voting booth (/vote#<election_id>.<credential>).
//
// Flow: load the election and check it in WebAssembly; read the voter's
// credential from the URL fragment inside WebAssembly (it is never sent);
// ask the server which ballot style the public credential votes and whether
// it has voted; show the ballot; on review, encrypt in the background; cast
// (the receipt is checked before the voter is told the vote is recorded) or
// audit (Benaloh: the encrypted ballot is opened, checked, published as
// spoiled, and the choices encrypted afresh).

import { onLanguageChange } from './i18n.js';
import {
  t,
  api,
  ApiFailure,
  loadClient,
  clientErrorCode,
  clientErrorDetail,
  errorMessage,
  el,
  focusHeading,
  notice,
  download,
  formatTime,
  setupPage,
  checkBoothBuild,
  encodeId,
} from './common.js';

setupPage();

const app = document.getElementById('app');
const status = document.getElementById('status');

const state = {
  screen: 'loading',
  client: null,
  election: null, // wasm Election
  view: null, // GET /api/elections/{id}
  voter: null, // wasm Voter
  info: null, // GET …/voters/{credential}
  style: null,
  questions: [],
  answers: [], // per question: array of option indices, or null if untouched
  invalid: new Set(),
  draft: null, // Promise of { draft, key } for the current answers
  pendingBallot: null, // a cast ballot not yet acknowledged (retried as is)
  sending: false,
  error: null,
  receipt: null,
  audit: null,
  problem: null,
  build: null,
};

function announce(text) {
  status.textContent = '';
  setTimeout(() => {
    status.textContent = text;
  }, 50);
}

// --- Questions ---------------------------------------------------------------

function bounds(question) {
  return question.kind === 'referendum' ? { min: 0, max: 1 } : { min: question.min, max: question.max };
}

function options(question) {
  if (question.kind === 'referendum') {
    return [
      { id: 'yes', label: t('booth.yes') },
      { id: 'no', label: t('booth.no') },
    ];
  }
  return question.options.map((option) => ({ id: option.id, label: option.label }));
}

function ruleText(question) {
  if (question.kind === 'referendum') return t('booth.rule.referendum');
  const { min, max } = bounds(question);
  const count = question.options.length;
  if (min === 0 && max === count && count > 1) return t('booth.rule.any', { count });
  if (min === 0) return t('booth.rule.up_to', { max, count });
  if (min === max) return t('booth.rule.exactly', { max, count });
  return t('booth.rule.between', { min, max, count });
}

function answerText(question, selected) {
  if (!selected || selected.length === 0) return null;
  const list = options(question);
  return selected.map((index) => list[index].label).join(', ');
}

function selectionError(question, selected) {
  const { min, max } = bounds(question);
  const count = selected ? selected.length : 0;
  if (count > max) return t('booth.error.too_many', { max });
  if (count < min) return t('booth.error.too_few', { count: min });
  return null;
}

// --- Screens -----------------------------------------------------------------

function render({ focus = true } = {}) {
  const screens = { loading: renderLoading, problem: renderProblem, ballot: renderBallot, review: renderReview, audit: renderAudit, receipt: renderReceipt };
  const view = screens[state.screen]();
  app.replaceChildren(...(Array.isArray(view) ? view : [view]).filter(Boolean));
  if (focus) focusHeading(app);
}

function renderLoading() {
  return [
    el('h1', { text: t('booth.loading_title') }),
    el('p', {}, el('span', { class: 'spinner', 'aria-hidden': 'true' }), t('booth.loading')),
  ];
}

function header() {
  const { manifest } = state.view;
  return [el('h1', { text: manifest.title }), el('p', { class: 'muted', text: manifest.organisation })];
}

function renderProblem() {
  const problem = state.problem;
  const nodes = [el('h1', { text: t(problem.title) }), notice(problem.kind || 'bad', ...problem.text.map((line) => el('p', { text: line })))];
  if (problem.links) nodes.push(el('p', {}, ...problem.links));
  if (problem.pasteLink) nodes.push(pasteLinkForm());
  if (problem.detail) {
    nodes.push(el('details', {}, el('summary', { text: t('common.technical') }), el('p', { class: 'hash', text: problem.detail })));
  }
  return nodes;
}

function pasteLinkForm() {
  const input = el('input', { id: 'paste-link', type: 'url', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'paste-hint paste-error' });
  const error = el('p', { id: 'paste-error', class: 'error hidden', role: 'alert' });
  const form = el(
    'form',
    { novalidate: true, class: 'card' },
    el('div', { class: 'field-row' }, el('label', { for: 'paste-link', text: t('booth.paste_label') }), el('p', { id: 'paste-hint', class: 'hint', text: t('home.link_hint') }), input, error),
    el('button', { type: 'submit', text: t('home.link_open') }),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const client = state.client || (await loadClient());
    try {
      const value = input.value.trim();
      client.linkElectionId(value);
      const fragment = value.includes('#') ? value.slice(value.lastIndexOf('#') + 1) : value;
      input.value = '';
      if (window.location.hash === `#${fragment}`) window.location.reload();
      else window.location.hash = fragment;
    } catch (_) {
      error.textContent = t('error.client.bad-link');
      error.classList.remove('hidden');
      input.focus();
    }
  });
  return form;
}

function votedNotice() {
  const { info } = state;
  if (!info || !info.ballots_cast) return null;
  const code = info.latest ? shortCode(info.latest.tracking_code) : null;
  return notice(
    'warn',
    el('h2', { text: t('booth.voted_title') }),
    el('p', { text: t('booth.voted_text') }),
    code ? el('p', {}, t('booth.voted_code'), ' ', el('strong', { class: 'mono', text: code })) : null,
  );
}

function shortCode(hex) {
  try {
    return state.client.shortCode(hex);
  } catch (_) {
    return hex;
  }
}

function renderBallot() {
  const { manifest } = state.view;
  const total = state.questions.length;
  const form = el('form', { id: 'ballot', novalidate: true });
  state.questions.forEach((question, q) => {
    const { min, max } = bounds(question);
    const selected = state.answers[q] || [];
    const multiple = max > 1;
    const ruleId = `rule-${q}`;
    const errorId = `error-${q}`;
    const fieldset = el('fieldset', {
      class: `question${state.invalid.has(q) ? ' invalid' : ''}`,
      id: `question-${q}`,
      'aria-describedby': `${ruleId} ${errorId}`,
      'aria-invalid': state.invalid.has(q) ? 'true' : null,
    });
    fieldset.append(
      el('legend', {}, el('span', { class: 'number', text: t('booth.question_number', { number: q + 1, total }) }), question.text),
      el('p', { class: 'rule', id: ruleId, text: ruleText(question) }),
      el('p', {
        class: `error${state.invalid.has(q) ? '' : ' hidden'}`,
        id: errorId,
        text: state.invalid.has(q) ? selectionError(question, selected) || '' : '',
      }),
    );
    options(question).forEach((option, o) => {
      const id = `q${q}-o${o}`;
      const input = el('input', {
        type: multiple ? 'checkbox' : 'radio',
        name: `question-${q}`,
        id,
        value: String(o),
        checked: selected.includes(o),
      });
      fieldset.append(el('label', { class: 'option', for: id }, input, el('span', { text: option.label })));
    });
    if (!multiple && min === 0) {
      const id = `q${q}-blank`;
      const input = el('input', { type: 'radio', name: `question-${q}`, id, value: 'blank', checked: state.answers[q] !== null && selected.length === 0 });
      fieldset.append(el('label', { class: 'option blank', for: id }, input, el('span', { text: t('booth.leave_blank') })));
    }
    if (multiple) {
      fieldset.append(el('p', { class: 'hint', id: `count-${q}`, 'aria-live': 'polite', text: t('booth.chosen', { count: selected.length, max }) }));
    }
    fieldset.addEventListener('change', () => readQuestion(form, q));
    form.append(fieldset);
  });
  form.append(el('div', { class: 'actions' }, el('button', { type: 'submit', text: t('booth.review') })));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    review(form);
  });
  const closes = manifest.voting_window.closes;
  return [
    ...header(),
    votedNotice(),
    el('p', {}, t('booth.style', { style: state.style.name }), ' ', t('booth.closes', { time: formatTime(closes) })),
    el('p', { text: t('booth.ballot_intro') }),
    state.invalid.size ? notice('bad', el('p', { text: t('booth.error.summary', { count: state.invalid.size }) })) : null,
    form,
  ].filter(Boolean);
}

function readQuestion(form, q) {
  const inputs = [...form.querySelectorAll(`input[name="question-${q}"]`)];
  const touched = inputs.some((input) => input.checked);
  const selected = inputs.filter((input) => input.checked && input.value !== 'blank').map((input) => Number(input.value));
  state.answers[q] = touched ? selected : null;
  const question = state.questions[q];
  const { max } = bounds(question);
  const count = form.querySelector(`#count-${q}`);
  if (count) count.textContent = t('booth.chosen', { count: selected.length, max });
  if (state.invalid.has(q) && !selectionError(question, selected)) {
    state.invalid.delete(q);
    const fieldset = form.querySelector(`#question-${q}`);
    fieldset.classList.remove('invalid');
    fieldset.removeAttribute('aria-invalid');
    const error = form.querySelector(`#error-${q}`);
    error.classList.add('hidden');
    error.textContent = '';
  }
  discardDraft();
}

function review(form) {
  state.invalid = new Set();
  state.questions.forEach((question, q) => {
    if (selectionError(question, state.answers[q] || [])) state.invalid.add(q);
  });
  if (state.invalid.size) {
    render({ focus: false });
    const first = app.querySelector('fieldset.invalid input');
    if (first) first.focus();
    announce(t('booth.error.summary', { count: state.invalid.size }));
    return;
  }
  state.error = null;
  state.screen = 'review';
  render();
  startEncryption();
}

function choices() {
  return state.questions.map((_, q) => [...(state.answers[q] || [])].sort((a, b) => a - b));
}

// Encrypts the current answers in the background, once per set of answers.
function startEncryption() {
  const key = JSON.stringify(choices());
  if (state.draft && state.draft.key === key) return state.draft.promise;
  discardDraft();
  const promise = new Promise((resolve, reject) => {
    // Let the review screen paint first.
    setTimeout(() => {
      try {
        const started = performance.now();
        const draft = state.voter.encrypt(state.election, state.style.id, key);
        window.psephosEncryptMs = performance.now() - started;
        resolve(draft);
      } catch (error) {
        reject(error);
      }
    }, 30);
  });
  state.draft = { key, promise };
  promise.then(
    (draft) => {
      const slot = document.getElementById('draft-code');
      if (slot && state.draft && state.draft.promise === promise) slot.textContent = draft.shortCode;
    },
    () => {},
  );
  return promise;
}

function discardDraft() {
  const old = state.draft;
  state.draft = null;
  if (old) {
    old.promise.then(
      (draft) => {
        try {
          draft.free();
        } catch (_) {
          // Already consumed by cast or audit.
        }
      },
      () => {},
    );
  }
}

// Takes the current draft out of the state (it is consumed by cast/audit).
async function takeDraft() {
  const promise = startEncryption();
  state.draft = null;
  return promise;
}

function renderReview() {
  const blanks = state.questions.filter((_, q) => !(state.answers[q] || []).length).length;
  const list = el('ol', { class: 'review' });
  state.questions.forEach((question, q) => {
    const text = answerText(question, state.answers[q]);
    list.append(
      el(
        'li',
        {},
        el('span', { class: 'q', text: `${q + 1}. ${question.text}` }),
        text ? el('span', { class: 'a', text }) : el('span', { class: 'a blank', text: t('booth.left_blank') }),
      ),
    );
  });
  const cast = el('button', { type: 'button', id: 'cast', onclick: castVote, disabled: state.sending }, state.sending ? [el('span', { class: 'spinner', 'aria-hidden': 'true' }), t('booth.sending')] : t('booth.cast'));
  const change = el('button', {
    type: 'button',
    class: 'secondary',
    id: 'change',
    disabled: state.sending,
    onclick: () => {
      state.pendingBallot = null;
      state.error = null;
      state.screen = 'ballot';
      render();
    },
    text: t('booth.change'),
  });
  const audit = el(
    'details',
    { id: 'audit-box' },
    el('summary', { text: t('booth.audit.summary') }),
    el('p', {}, t('booth.audit.text1'), ' ', el('strong', { class: 'mono', id: 'draft-code', text: '…' })),
    el('p', { text: t('booth.audit.text2') }),
    el('button', { type: 'button', class: 'secondary', id: 'audit', onclick: auditBallot, disabled: state.sending, text: t('booth.audit.button') }),
  );
  const nodes = [
    el('h1', { text: t('booth.review_title') }),
    el('p', { text: t('booth.review_intro') }),
    blanks ? notice('warn', el('p', { text: t('booth.blanks', { count: blanks }) })) : null,
    state.error,
    list,
    el('div', { class: 'actions' }, cast, change),
    state.pendingBallot ? null : audit,
  ];
  if (state.draft) {
    state.draft.promise.then(
      (draft) => {
        const slot = document.getElementById('draft-code');
        if (slot) slot.textContent = draft.shortCode;
      },
      () => {},
    );
  }
  return nodes.filter(Boolean);
}

function failureNotice(error, { retry = false } = {}) {
  const lines = [el('p', { text: errorMessage(error) })];
  if (error instanceof ApiFailure && error.status === 409 && error.field === null) {
    lines.unshift(el('p', { text: t('booth.closed_now') }));
  }
  if (retry) lines.push(el('p', { text: t('booth.retry_safe') }));
  return notice('bad', el('h2', { text: t('booth.not_recorded') }), ...lines);
}

async function castVote() {
  if (state.sending) return;
  state.sending = true;
  state.error = null;
  render({ focus: false });
  document.getElementById('cast').focus();
  announce(t('booth.sending'));
  const { client, election } = state;
  const id = encodeId(state.view.election_id);
  try {
    if (!state.pendingBallot) {
      const draft = await takeDraft();
      state.pendingBallot = draft.cast(state.voter);
    }
    const ballot = state.pendingBallot;
    const receipt = await api(`/api/elections/${id}/ballots`, { method: 'POST', body: ballot });
    const receiptJson = JSON.stringify(receipt);
    let report = null;
    let problem = null;
    try {
      report = JSON.parse(election.verifyReceipt(receiptJson));
      if (!client.receiptMatchesBallot(receiptJson, ballot)) problem = 'receipt-mismatch';
    } catch (error) {
      problem = clientErrorDetail(error);
    }
    state.receipt = { receipt, receiptJson, report, problem };
    state.pendingBallot = null;
    state.sending = false;
    state.screen = 'receipt';
    render();
    announce(t('booth.receipt.title'));
  } catch (error) {
    state.sending = false;
    const retryable = error instanceof ApiFailure && (error.code === 'network' || error.status >= 500 || error.status === 429);
    if (!retryable) state.pendingBallot = null;
    state.error = failureNotice(error, { retry: retryable });
    render({ focus: false });
    const heading = app.querySelector('.notice h2');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }
}

async function auditBallot() {
  if (state.sending) return;
  state.sending = true;
  const button = document.getElementById('audit');
  if (button) button.disabled = true;
  announce(t('booth.audit.running'));
  const id = encodeId(state.view.election_id);
  const expected = choices();
  let auditJson;
  let report = null;
  let failure = null;
  try {
    const draft = await takeDraft();
    auditJson = draft.audit(state.voter);
    report = JSON.parse(state.election.verifyAudit(auditJson));
  } catch (error) {
    failure = clientErrorDetail(error);
  }
  let published = null;
  let publishError = null;
  if (auditJson && report) {
    try {
      published = await api(`/api/elections/${id}/audits`, { method: 'POST', body: auditJson });
    } catch (error) {
      publishError = error;
    }
  }
  const matches = report ? JSON.stringify(report.choices) === JSON.stringify(expected) : false;
  state.audit = { auditJson, report, failure, matches, published, publishError, expected };
  state.sending = false;
  state.screen = 'audit';
  render();
}

function renderAudit() {
  const { report, failure, matches, publishError, auditJson, expected } = state.audit;
  const ok = report && matches && !failure;
  const nodes = [el('h1', { text: ok ? t('booth.audit.ok_title') : t('booth.audit.bad_title') })];
  if (!ok) {
    nodes.push(notice('bad', el('p', { text: t('booth.audit.bad_text') }), failure ? el('p', { class: 'hash', text: failure }) : null));
  } else {
    nodes.push(el('p', {}, t('booth.audit.opened', { code: '' }), el('strong', { class: 'mono', text: report.short_code })));
  }
  if (report) {
    const list = el('ol', { class: 'review' });
    state.questions.forEach((question, q) => {
      const revealed = report.choices[q] || [];
      const same = JSON.stringify(revealed) === JSON.stringify(expected[q]);
      const text = answerText(question, revealed);
      list.append(
        el(
          'li',
          {},
          el('span', { class: 'q', text: `${q + 1}. ${question.text}` }),
          text ? el('span', { class: 'a', text }) : el('span', { class: 'a blank', text: t('booth.left_blank') }),
          ' ',
          el('span', { class: same ? 'ok' : 'ko', text: same ? t('booth.audit.same') : t('booth.audit.differs') }),
        ),
      );
    });
    nodes.push(el('h2', { text: t('booth.audit.revealed') }), list);
  }
  nodes.push(el('p', { text: t('booth.audit.spoiled') }));
  if (publishError) nodes.push(notice('warn', el('p', { text: t('booth.audit.publish_failed') }), el('p', { text: errorMessage(publishError) })));
  if (auditJson) {
    nodes.push(
      el('p', { text: t('booth.audit.other_device') }),
      el('p', {}, el('button', { type: 'button', class: 'secondary', onclick: () => download(`audit-${report ? report.short_code : 'ballot'}.json`, auditJson), text: t('booth.audit.download') })),
    );
  }
  nodes.push(
    el(
      'div',
      { class: 'actions' },
      el('button', {
        type: 'button',
        id: 'back-to-ballot',
        onclick: () => {
          state.screen = 'review';
          render();
          startEncryption();
        },
        text: ok ? t('booth.audit.continue') : t('booth.audit.back'),
      }),
    ),
  );
  return nodes;
}

function renderReceipt() {
  const { receipt, receiptJson, report, problem } = state.receipt;
  const { manifest } = state.view;
  const nodes = [];
  if (problem) {
    nodes.push(
      el('h1', { text: t('booth.receipt.unverified_title') }),
      notice('bad', el('p', { text: t('booth.receipt.unverified_text') }), el('p', { class: 'hash', text: problem })),
    );
  } else {
    nodes.push(el('h1', { text: t('booth.receipt.title') }), notice('good', el('p', { text: t('booth.receipt.recorded') }), el('p', { class: 'tracking', text: report.short_code })));
  }
  if (receipt.supersedes) {
    nodes.push(notice('warn', el('p', {}, t('booth.receipt.replaced'), ' ', el('strong', { class: 'mono', text: shortCode(receipt.supersedes) })), el('p', { text: t('booth.receipt.replaced_warning') })));
  }
  nodes.push(
    el('h2', { text: t('booth.receipt.keep_title') }),
    el('p', { text: t('booth.receipt.keep_text') }),
    el('p', {}, el('button', { type: 'button', id: 'download-receipt', onclick: () => download(`receipt-${report ? report.short_code : 'ballot'}.json`, `${receiptJson}\n`), text: t('booth.receipt.download') })),
    state.view.receipt_email ? emailForm(receipt) : null,
    el('h2', { text: t('booth.receipt.next_title') }),
    el(
      'ul',
      {},
      el('li', {}, t('booth.receipt.next_check'), ' ', el('a', { href: '/receipt', text: `${window.location.origin}/receipt` })),
      el('li', { text: t('booth.receipt.next_change', { time: formatTime(manifest.voting_window.closes) }) }),
      el('li', { text: t('booth.receipt.next_missing') }),
    ),
  );
  const buildLine = el('p', { id: 'booth-check' }, el('span', { class: 'spinner', 'aria-hidden': 'true' }), t('booth.build.checking'));
  nodes.push(
    el(
      'details',
      {},
      el('summary', { text: t('common.technical') }),
      el(
        'dl',
        {},
        el('dt', { text: t('booth.receipt.full_code') }),
        el('dd', { class: 'hash', text: receipt.tracking_code }),
        el('dt', { text: t('booth.receipt.position') }),
        el('dd', { text: t('booth.receipt.position_value', { index: receipt.leaf_index, size: receipt.checkpoint.size }) }),
        el('dt', { text: t('booth.receipt.fingerprint') }),
        el('dd', { class: 'hash', text: state.election.fingerprint || '' }),
      ),
    ),
    el('h2', { text: t('booth.build.title') }),
    buildLine,
  );
  showBuildCheck(buildLine, manifest.booth_hash);
  return nodes;
}

// "E-mail me my receipt": the request is signed with the credential in the
// link (spec/api.md §2.1); the server checks the address against the roll
// and keeps nothing.
function emailForm(receipt) {
  const mail = state.receipt.mail || (state.receipt.mail = { address: '', sending: false, outcome: null });
  const input = el('input', { type: 'email', id: 'receipt-email', name: 'email', autocomplete: 'email', required: true, value: mail.address, 'aria-describedby': 'receipt-email-hint', oninput: (event) => { mail.address = event.target.value; } });
  const outcome = el('div', { id: 'receipt-email-outcome', role: 'status' });
  if (mail.outcome && mail.outcome.sent) {
    outcome.append(notice('good', el('p', { text: t('booth.receipt.email_sent', { address: mail.outcome.address }) })));
  } else if (mail.outcome) {
    outcome.append(notice('bad', el('p', { text: mail.outcome.message })));
  }
  const send = async (event) => {
    event.preventDefault();
    if (mail.sending) return;
    mail.address = input.value.trim();
    mail.sending = true;
    mail.outcome = null;
    render({ focus: false });
    try {
      const body = state.voter.receiptEmailRequest(receipt.tracking_code, mail.address);
      await api(`/api/elections/${encodeId(state.view.election_id)}/receipt-email`, { method: 'POST', body });
      mail.outcome = { sent: true, address: mail.address };
    } catch (error) {
      const notMember = error instanceof ApiFailure && error.status === 422 && error.field === 'email';
      mail.outcome = { sent: false, message: notMember ? t('booth.receipt.email_not_member') : errorMessage(error) };
    }
    mail.sending = false;
    render({ focus: false });
    const status = document.getElementById('receipt-email-outcome');
    if (status) announce(status.textContent);
  };
  return el(
    'form',
    { id: 'email-receipt', onsubmit: send },
    el('label', { for: 'receipt-email', text: t('booth.receipt.email_label') }),
    el('p', { id: 'receipt-email-hint', class: 'muted', text: t('booth.receipt.email_hint') }),
    input,
    el('p', {}, el('button', { type: 'submit', class: 'secondary', id: 'send-receipt', disabled: mail.sending, text: mail.sending ? t('booth.receipt.email_sending') : t('booth.receipt.email_send') })),
    outcome,
  );
}

async function showBuildCheck(slot, published) {
  if (!state.build) state.build = checkBoothBuild().catch(() => ({ hash: null, ok: false }));
  const build = await state.build;
  const children = [];
  if (!build.hash) {
    children.push(t('booth.build.unknown'));
  } else {
    children.push(t('booth.build.this'), ' ', el('code', { class: 'hash', text: build.hash }), '. ');
    if (!published) children.push(t('booth.build.none_published'));
    else if (published === build.hash && build.ok) children.push(el('span', { class: 'mark-ok', text: t('booth.build.matches') }));
    else children.push(el('span', { class: 'mark-bad', text: t('booth.build.differs', { hash: published }) }));
  }
  slot.replaceChildren(...children);
}

// --- Start ---------------------------------------------------------------------

function fail(title, lines, extra = {}) {
  state.problem = { title, text: lines, ...extra };
  state.screen = 'problem';
  render();
}

function phaseProblem(view) {
  const { manifest, phase } = view;
  const now = Date.now();
  const opens = Date.parse(manifest.voting_window.opens);
  const closes = Date.parse(manifest.voting_window.closes);
  const results = el('a', { href: `/results/${encodeId(view.election_id)}`, text: t('booth.see_results') });
  if (phase === 'published') return ['booth.closed_title', [t('booth.closed_text', { time: formatTime(manifest.voting_window.closes) })], [results]];
  if (phase === 'closed' || phase === 'tallied' || (phase === 'open' && now >= closes)) {
    return ['booth.closed_title', [t('booth.closed_text', { time: formatTime(manifest.voting_window.closes) })], null];
  }
  if (phase !== 'open' || now < opens) {
    return ['booth.not_open_title', [t('booth.not_open_text', { time: formatTime(manifest.voting_window.opens) })], null];
  }
  return null;
}

async function start() {
  let client;
  try {
    client = await loadClient();
    state.client = client;
  } catch (error) {
    return fail('booth.problem.load_title', [t('booth.problem.load_text')], { detail: String(error) });
  }
  let electionId;
  try {
    electionId = client.linkElectionIdFromLocation();
  } catch (error) {
    return fail('booth.problem.link_title', [t('booth.problem.link_text')], { pasteLink: true, kind: 'warn' });
  }
  let view;
  try {
    view = await api(`/api/elections/${encodeId(electionId)}`);
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 404) {
      return fail('booth.problem.unknown_title', [t('booth.problem.unknown_text', { id: electionId })], { pasteLink: true });
    }
    return fail('booth.problem.server_title', [errorMessage(error)], { detail: error.message });
  }
  try {
    state.election = new client.Election(JSON.stringify(view));
  } catch (error) {
    return fail('booth.problem.check_title', [t('booth.problem.check_text'), errorMessage(error)], { detail: clientErrorDetail(error) });
  }
  state.view = view;
  try {
    state.voter = client.Voter.fromLocation(state.election);
  } catch (error) {
    const code = clientErrorCode(error);
    return fail('booth.problem.link_title', [code === 'bad-link' ? t('booth.problem.link_text') : errorMessage(error)], { pasteLink: true });
  }
  const closed = phaseProblem(view);
  try {
    state.info = await api(`/api/elections/${encodeId(electionId)}/voters/${state.voter.publicCredential}`);
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 404) {
      return fail('booth.problem.not_listed_title', [t('booth.problem.not_listed_text')], { pasteLink: true });
    }
    if (!closed) return fail('booth.problem.server_title', [errorMessage(error)], { detail: error.message });
  }
  if (closed) {
    const [title, lines, links] = closed;
    const extra = state.info && state.info.ballots_cast ? [t('booth.closed_voted', { count: state.info.ballots_cast })] : [];
    return fail(title, [...lines, ...extra], { kind: 'warn', links });
  }
  if (!state.election.fingerprint) {
    return fail('booth.not_open_title', [t('booth.not_open_text', { time: formatTime(view.manifest.voting_window.opens) })], { kind: 'warn' });
  }
  const style = view.manifest.ballot_styles.find((s) => s.id === state.info.style);
  if (!style) return fail('booth.problem.check_title', [t('booth.problem.check_text')], { detail: `unknown style ${state.info.style}` });
  state.style = style;
  state.questions = style.questions.map((id) => view.manifest.questions.find((question) => question.id === id));
  state.answers = state.questions.map(() => null);
  state.screen = 'ballot';
  document.title = `${view.manifest.title} · Psephos`;
  render();
  window.psephosReady = performance.now();
}

onLanguageChange(() => render({ focus: false }));
window.addEventListener('hashchange', () => window.location.reload());
start();
