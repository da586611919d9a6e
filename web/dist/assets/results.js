// The results page (/results/<id> or /results#<id>): per question counts
// and percentages as SVG bar charts with the numbers in a table, overall and
// per ballot style, turnout, and how to re-check it all with psephos-verify.

import { onLanguageChange } from './i18n.js';
import {
  t,
  api,
  ApiFailure,
  el,
  svg,
  notice,
  setupPage,
  electionIdFromUrl,
  encodeId,
  errorMessage,
  formatNumber,
  formatPercent,
  focusHeading,
} from './common.js';

setupPage();

const app = document.getElementById('app');
let render = () => {};
let chartCount = 0;

// Rows of one question's result: every option, then the blank answers when
// a ballot selects at most one option (so blanks are ballots minus votes).
function rows(question, result) {
  const labels = question.kind === 'referendum' ? [t('booth.yes'), t('booth.no')] : question.options.map((o) => o.label);
  const list = labels.map((label, o) => ({ label, count: result.counts[o] || 0, blank: false }));
  const max = question.kind === 'referendum' ? 1 : question.max;
  if (max === 1) {
    const voted = list.reduce((sum, row) => sum + row.count, 0);
    list.push({ label: t('results.blank'), count: Math.max(0, result.ballots - voted), blank: true });
  }
  return list;
}

function chart(question, result) {
  const data = rows(question, result);
  const id = `chart-${(chartCount += 1)}`;
  // No viewBox: lengths are CSS pixels, so the text keeps its size on a
  // phone and on a wide screen; bar lengths are percentages of the width.
  const rowHeight = 46;
  const barTop = 20;
  const barHeight = 18;
  const track = 66; // percent of the width for the bars; the value follows
  const biggest = Math.max(1, ...data.map((row) => row.count));
  const summary = data.map((row) => `${row.label}: ${formatNumber(row.count)} (${formatPercent(row.count, result.ballots)})`).join('; ');
  const chartSvg = svg(
    'svg',
    { width: '100%', height: data.length * rowHeight, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`, focusable: 'false' },
    svg('title', { id: `${id}-title`, text: question.text }),
    svg('desc', { id: `${id}-desc`, text: summary }),
    ...data.map((row, index) => {
      const y = index * rowHeight;
      const length = ((row.count / biggest) * track).toFixed(2);
      return svg(
        'g',
        {},
        svg('text', { x: 0, y: y + 14, class: 'chart-label', text: row.label.length > 60 ? `${row.label.slice(0, 58)}…` : row.label }),
        svg('rect', { x: 0, y: y + barTop, width: `${track}%`, height: barHeight, class: 'bar-track' }),
        svg('rect', { x: 0, y: y + barTop, width: `${length}%`, height: barHeight, class: row.blank ? 'bar blank' : 'bar' }),
        svg('text', { x: `${track + 2}%`, y: y + barTop + 14, class: 'chart-value', text: `${formatNumber(row.count)} · ${formatPercent(row.count, result.ballots)}` }),
      );
    }),
  );
  const table = el(
    'div',
    { class: 'table-scroll' },
    el(
      'table',
      {},
      el('caption', { class: 'visually-hidden', text: question.text }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('results.option') }), el('th', { scope: 'col', class: 'num', text: t('results.votes') }), el('th', { scope: 'col', class: 'num', text: t('results.percent') }))),
      el(
        'tbody',
        {},
        ...data.map((row) => el('tr', {}, el('th', { scope: 'row', text: row.label }), el('td', { class: 'num', text: formatNumber(row.count) }), el('td', { class: 'num', text: formatPercent(row.count, result.ballots) }))),
      ),
    ),
  );
  return el(
    'figure',
    { class: 'chart' },
    el('figcaption', { text: question.text }),
    el('p', { class: 'muted', text: t('results.ballots', { count: result.ballots, formatted: formatNumber(result.ballots) }) }),
    chartSvg,
    table,
  );
}

function turnoutView(turnout) {
  if (!turnout) return null;
  const parts = [];
  if (typeof turnout.members === 'number' && typeof turnout.voted === 'number') {
    parts.push(el('p', { class: 'tracking', text: formatPercent(turnout.voted, turnout.members) }), el('p', { text: t('results.turnout_text', { voted: formatNumber(turnout.voted), members: formatNumber(turnout.members) }) }));
  } else if (typeof turnout.voted === 'number') {
    parts.push(el('p', { text: t('results.turnout_voted', { count: turnout.voted, voted: formatNumber(turnout.voted) }) }));
  }
  if (typeof turnout.ballots === 'number') {
    parts.push(el('p', { class: 'muted', text: t('results.turnout_ballots', { ballots: formatNumber(turnout.ballots), audits: formatNumber(turnout.audits || 0) }) }));
  }
  if (Array.isArray(turnout.by_style) && turnout.by_style.length) {
    parts.push(
      el(
        'div',
        { class: 'table-scroll' },
        el(
          'table',
          {},
          el('caption', { class: 'visually-hidden', text: t('results.turnout') }),
          el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('results.style') }), el('th', { scope: 'col', class: 'num', text: t('results.voted') }), el('th', { scope: 'col', class: 'num', text: t('results.members') }), el('th', { scope: 'col', class: 'num', text: t('results.turnout') }))),
          el('tbody', {}, ...turnout.by_style.map((row) => el('tr', {}, el('th', { scope: 'row', text: row.style }), el('td', { class: 'num', text: formatNumber(row.voted) }), el('td', { class: 'num', text: formatNumber(row.members) }), el('td', { class: 'num', text: formatPercent(row.voted, row.members) })))),
        ),
      ),
    );
  }
  return parts.length ? [el('h2', { text: t('results.turnout') }), ...parts] : null;
}

function resultView(view, data) {
  chartCount = 0;
  const { manifest } = view;
  const { result } = data;
  const questionById = new Map(manifest.questions.map((q) => [q.id, q]));
  const styleName = new Map(manifest.ballot_styles.map((s) => [s.id, s.name]));
  const id = encodeId(view.election_id);
  const turnout = data.turnout && data.turnout.by_style ? { ...data.turnout, by_style: data.turnout.by_style.map((row) => ({ ...row, style: styleName.get(row.style) || row.style })) } : data.turnout;
  const nodes = [
    el('h1', { text: t('results.heading', { title: manifest.title }) }),
    el('p', { class: 'muted', text: manifest.organisation }),
    ...(turnoutView(turnout) || []),
    el('h2', { text: t('results.overall') }),
    ...result.overall.map((question) => chart(questionById.get(question.question), question)),
  ];
  if (result.styles.length > 1) {
    nodes.push(el('h2', { text: t('results.by_style') }));
    for (const style of result.styles) {
      nodes.push(
        el(
          'details',
          {},
          el('summary', { text: `${styleName.get(style.style) || style.style} — ${t('results.ballots', { count: style.ballots, formatted: formatNumber(style.ballots) })}` }),
          ...style.questions.map((question) => chart(questionById.get(question.question), question)),
        ),
      );
    }
  }
  nodes.push(
    el('h2', { text: t('results.check_title') }),
    el('p', { text: t('results.check_text') }),
    el('p', {}, el('a', { class: 'button', href: `/api/elections/${id}/record`, download: `${view.election_id}.jsonl`, text: t('results.download') })),
    el('ol', {}, el('li', { text: t('results.step_get') }), el('li', {}, t('results.step_run'), el('pre', { class: 'card' }, el('code', { text: `psephos-verify ${view.election_id}.jsonl` }))), el('li', { text: t('results.step_receipt') })),
    el('p', { class: 'muted', text: t('results.decrypted_by', { trustees: result.decrypted_by.map((i) => (manifest.trustees.members[i - 1] || {}).name || i).join(', ') }) }),
  );
  return nodes;
}

function listView(elections) {
  return [
    el('h1', { text: t('results.title') }),
    elections.length
      ? el(
          'ul',
          { class: 'status-list' },
          ...elections.map((election) =>
            el(
              'li',
              {},
              election.phase === 'published' ? el('a', { href: `/results/${encodeId(election.election_id)}`, text: election.title }) : el('span', { text: election.title }),
              ' ',
              el('span', { class: 'muted', text: `(${t(`phase.${election.phase}`)})` }),
            ),
          ),
        )
      : el('p', { class: 'muted', text: t('home.none') }),
  ];
}

function show(view) {
  render = view;
  app.replaceChildren(...view().filter(Boolean));
}

async function start() {
  const id = electionIdFromUrl('/results');
  try {
    if (!id) {
      const elections = await api('/api/elections');
      show(() => listView(elections));
      return;
    }
    const view = await api(`/api/elections/${encodeId(id)}`);
    document.title = `${view.manifest.title} · Psephos`;
    let data;
    try {
      data = await api(`/api/elections/${encodeId(id)}/result`);
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 409) {
        show(() => [el('h1', { text: view.manifest.title }), notice('warn', el('p', { text: t('results.not_yet', { phase: t(`phase.${view.phase}`) }) }))]);
        return;
      }
      throw error;
    }
    show(() => resultView(view, data));
  } catch (error) {
    const unknown = error instanceof ApiFailure && error.status === 404;
    show(() => [el('h1', { text: t('results.title') }), notice('bad', el('p', { text: unknown ? t('results.unknown', { id }) : errorMessage(error) }))]);
  }
  focusHeading(app);
}

onLanguageChange(() => show(render));
window.addEventListener('hashchange', start);
start();
