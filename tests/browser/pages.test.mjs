// The pages in Chromium against the stand-in server (mock-server.mjs):
// the booth's flows (audit then cast, changing a vote, blank answers), bad
// input (broken, tampered or unknown links, a tampered election, a closed
// election, receipts that do not verify), the receipt, results and
// administration pages, an axe-core scan of each, French, and the booth's
// performance figures. Screenshots go to $PSEPHOS_TEST_OUT/screenshots.
//
//   PSEPHOS_BOOTH_FIXTURE=fixture.json node --test tests/browser/pages.test.mjs

import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { ROOT, OUT, launch, openPage, screenshot, axe, download, waitUntil } from './lib.mjs';
import { startMockServer, ADMIN_TOKEN } from './mock-server.mjs';

const FIXTURE = process.env.PSEPHOS_BOOTH_FIXTURE;
let mock;
let browser;
let base;
const figures = {};
const receipts = [];
let auditFile = null;

before(async () => {
  assert.ok(FIXTURE, 'PSEPHOS_BOOTH_FIXTURE must name a fixture from the booth_fixture example');
  mock = await startMockServer({ fixture: FIXTURE });
  base = mock.url;
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (mock) mock.server.close();
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
});

const voter = (k) => mock.fixture.voters[k];

async function expectClean(page) {
  assert.deepEqual(page.problems, [], 'the page showed script or console errors');
}

async function expectAccessible(page, what) {
  const violations = await axe(page);
  assert.deepEqual(violations, [], `${what}: serious or critical accessibility violations`);
}

async function openBallot(page, k) {
  await page.goto('about:blank');
  await page.goto(`${base}/vote#${voter(k).fragment}`);
  await page.waitForSelector('#ballot');
}

async function review(page) {
  await page.click('#ballot button[type=submit]');
  await page.waitForSelector('#cast');
  await waitUntil(page, () => document.getElementById('draft-code') && document.getElementById('draft-code').textContent !== '…');
}

async function cast(page) {
  await page.click('#cast');
  await page.waitForSelector('#download-receipt');
  await page.waitForSelector('#booth-check code, #booth-check .mark-ok, #booth-check .mark-bad');
}

test('booth: a voter checks an encrypted ballot (Benaloh audit), then casts', async () => {
  const page = await openPage(browser);
  await openBallot(page, 0);
  assert.match(await page.textContent('h1'), /All-member ballot/);
  assert.equal(await page.locator('fieldset.question').count(), 18);
  assert.match(await page.textContent('#rule-0'), /Answer Yes or No, or leave it blank/);
  assert.match(await page.textContent('#rule-17'), /Choose up to 1 of these 12 options/);
  await screenshot(page, 'booth-ballot');
  await expectAccessible(page, 'ballot');
  await page.check('#q0-o0');
  await page.check('#q1-o1');
  await page.check('#q17-o4');
  await review(page);
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1');
  await screenshot(page, 'booth-review');
  await expectAccessible(page, 'review');
  await page.click('#audit-box summary');
  const committed = await page.textContent('#draft-code');
  await screenshot(page, 'booth-audit-offer', { fullPage: false });
  await page.click('#audit');
  await page.waitForSelector('#back-to-ballot');
  assert.match(await page.textContent('h1'), /encrypted your choices correctly/);
  assert.match(await page.textContent('main'), new RegExp(committed));
  assert.equal(await page.locator('.review .ok').count(), 18);
  auditFile = await download(page, () => page.click('button:has-text("Download the audit file")'));
  await screenshot(page, 'booth-audit-result');
  await expectAccessible(page, 'audit result');
  const log = mock.logs.get(mock.fixture.election_id);
  assert.ok(log.messages().some((m) => m.type === 'ballot-audit'), 'the audit is published');
  await page.click('#back-to-ballot');
  await page.waitForSelector('#cast');
  await waitUntil(page, (old) => {
    const slot = document.getElementById('draft-code');
    return slot && slot.textContent !== '…' && slot.textContent !== old;
  }, committed);
  await cast(page);
  assert.match(await page.textContent('h1'), /Your vote has been cast/);
  const code = (await page.textContent('.tracking')).trim();
  assert.match(code, /^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
  assert.notEqual(code, committed, 'the audited ballot is never cast');
  const receipt = await download(page, () => page.click('#download-receipt'));
  receipts.push(JSON.parse(receipt.text));
  assert.match(await page.textContent('#booth-check'), /did not publish a booth build/);
  await screenshot(page, 'booth-receipt');
  await expectAccessible(page, 'receipt screen');
  await expectClean(page);
});

test('booth: a voter changes their vote; the last one counts', async () => {
  const page = await openPage(browser);
  await openBallot(page, 1);
  await page.check('#q0-o0');
  await review(page);
  await cast(page);
  const first = receipts.length;
  receipts.push(JSON.parse((await download(page, () => page.click('#download-receipt'))).text));
  await openBallot(page, 1);
  assert.match(await page.textContent('main'), /You have already voted/);
  await screenshot(page, 'booth-already-voted', { fullPage: false });
  await page.check('#q0-o1');
  await review(page);
  await cast(page);
  assert.match(await page.textContent('main'), /This vote replaced your earlier vote/);
  receipts.push(JSON.parse((await download(page, () => page.click('#download-receipt'))).text));
  assert.equal(receipts[receipts.length - 1].supersedes, receipts[first].tracking_code);
  await screenshot(page, 'booth-revote-receipt');
  await expectClean(page);
});

test('booth: a voter leaves every question blank, with a warning on review', async () => {
  const page = await openPage(browser);
  await openBallot(page, 2);
  await review(page);
  assert.match(await page.textContent('main'), /You left 18 questions blank/);
  assert.equal(await page.locator('.review .a.blank').count(), 18);
  await cast(page);
  assert.match(await page.textContent('h1'), /Your vote has been cast/);
  await expectClean(page);
});

test('booth: keyboard only, and an answer that breaks a rule is explained', async () => {
  const page = await openPage(browser);
  await openBallot(page, 3);
  // Tab to the first question's first option and answer with the keyboard.
  await page.focus('#q0-o0');
  await page.keyboard.press('Space');
  assert.equal(await page.isChecked('#q0-o0'), true);
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.isChecked('#q0-o1'), true);
  await page.focus('#ballot button[type=submit]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#cast');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'cast');
  await expectClean(page);
});

test('booth: the page switches to French and keeps the answers', async () => {
  const page = await openPage(browser);
  await openBallot(page, 4);
  await page.check('#q0-o0');
  await page.selectOption('#language', 'fr');
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  assert.match(await page.textContent('#rule-0'), /Répondez Oui ou Non/);
  assert.equal(await page.isChecked('#q0-o0'), true);
  await screenshot(page, 'booth-french', { fullPage: false });
  await review(page);
  assert.match(await page.textContent('h1'), /Vérifiez vos choix/);
  await expectAccessible(page, 'French review');
  await page.selectOption('#language', 'en');
  await expectClean(page);
});

test('booth: broken, tampered and unknown links get a clear message', async () => {
  const page = await openPage(browser);
  const cases = [
    ['no fragment', `${base}/vote`, /Your voting link is incomplete/],
    ['truncated credential', `${base}/vote#${voter(0).fragment.slice(0, -3)}`, /Your voting link is incomplete/],
    ['not base32', `${base}/vote#${voter(0).fragment.slice(0, -1)}1`, /Your voting link is incomplete/],
    ['a credential not on the list', `${base}/vote#${mock.fixture.election_id}.AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT`, /not on the voter list/],
    ['an unknown election', `${base}/vote#no-such-election.AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT`, /Unknown election/],
  ];
  for (const [name, url, expected] of cases) {
    await page.goto('about:blank');
    await page.goto(url);
    await page.waitForSelector('main h1:not([data-i18n="booth.loading_title"])');
    await waitUntil(page, () => !document.querySelector('#app .spinner'));
    assert.match(await page.textContent('main'), expected, name);
    await screenshot(page, `booth-bad-${name.replace(/\W+/g, '-')}`, { fullPage: false });
  }
  await expectAccessible(page, 'bad link page');
  // Pasting the right link opens the ballot.
  await page.goto(`${base}/vote`);
  await page.fill('#paste-link', `${base}/vote#${voter(5).fragment}`);
  await page.click('form.card button[type=submit]');
  await page.waitForSelector('#ballot');
  await expectClean(page);
});

test('booth: an election whose manifest was changed is refused', async () => {
  const page = await openPage(browser);
  await fetch(`${base}/__mock/tamper/${mock.fixture.election_id}`, { method: 'POST' });
  try {
    await page.goto(`${base}/vote#${voter(0).fragment}`);
    await page.waitForSelector('text=Security check failed');
    assert.match(await page.textContent('main'), /Do not vote from this page/);
    await screenshot(page, 'booth-tampered-election', { fullPage: false });
  } finally {
    await fetch(`${base}/__mock/untamper/${mock.fixture.election_id}`, { method: 'POST' });
  }
  await expectClean(page);
});

test('booth: performance on the 18-question ballot (17 proposals and a delegate)', async () => {
  const page = await openPage(browser);
  const loads = [];
  const encryptions = [];
  for (let k = 0; k < 5; k += 1) {
    await page.goto('about:blank');
    await page.goto(`${base}/vote#${voter(5).fragment}`);
    await page.waitForSelector('#ballot');
    loads.push(await page.evaluate(() => window.psephosReady));
    for (let q = 0; q < 17; q += 1) await page.check(`#q${q}-o${q % 2}`);
    await page.check('#q17-o3');
    await review(page);
    encryptions.push(await page.evaluate(() => window.psephosEncryptMs));
  }
  // Encrypt, prove and sign, timed around the WebAssembly calls alone.
  const style = voter(5).style;
  const signed = await page.evaluate(async ({ id, style }) => {
    const client = await (await import('/assets/common.js')).loadClient();
    const view = await (await fetch(`/api/elections/${id}`)).json();
    const election = new client.Election(JSON.stringify(view));
    const person = client.Voter.fromLocation(election);
    const choices = JSON.stringify([...Array.from({ length: 17 }, (_, q) => [q % 2]), [3]]);
    const times = [];
    for (let k = 0; k < 7; k += 1) {
      const started = performance.now();
      const ballot = person.encrypt(election, style, choices).cast(person);
      times.push(performance.now() - started);
      if (!ballot.includes('"signature"')) throw new Error('unsigned');
    }
    return times;
  }, { id: mock.fixture.election_id, style });
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const dist = join(ROOT, 'web', 'dist', 'assets');
  const payload = readdirSync(dist).filter((f) => f.endsWith('.js') || f.endsWith('.wasm'));
  const gzipped = payload.reduce((sum, f) => sum + gzipSync(readFileSync(join(dist, f)), { level: 9 }).length, 0);
  Object.assign(figures, {
    encrypt_prove_sign_ms: { median: Math.round(median(signed)), runs: signed.map(Math.round), target: 150 },
    booth_encrypt_on_review_ms: { median: Math.round(median(encryptions)), runs: encryptions.map(Math.round) },
    load_to_interactive_ms: { median: Math.round(median(loads)), runs: loads.map(Math.round), target: 1500 },
    wasm_and_js_gzipped_bytes: { total: gzipped, target: 400 * 1024 },
  });
  console.log(`# booth figures: ${JSON.stringify(figures)}`);
  assert.ok(median(signed) <= 150, `encrypt+prove+sign median ${median(signed)} ms > 150 ms`);
  assert.ok(median(loads) <= 1500, `load to interactive median ${median(loads)} ms > 1500 ms`);
  assert.ok(gzipped <= 400 * 1024, `wasm + js gzipped ${gzipped} bytes > 400 KB`);
  await expectClean(page);
});

test('receipt page: receipts, tracking codes, audits; tampering is shown', async () => {
  const page = await openPage(browser);
  await page.goto(`${base}/receipt`);
  await expectAccessible(page, 'receipt page');
  const good = receipts[0];
  await page.fill('#receipt-text', JSON.stringify(good));
  await page.click('#receipt-form button');
  await page.waitForSelector('#outcome h2:has-text("public record")');
  assert.equal(await page.locator('#outcome .mark-ok').count(), 4);
  assert.match(await page.textContent('#outcome'), /the one that counts/);
  await screenshot(page, 'receipt-ok');
  await expectAccessible(page, 'receipt verified');
  // The superseded first vote of the voter who changed their vote.
  await page.fill('#receipt-text', JSON.stringify(receipts[1]));
  await page.click('#receipt-form button');
  await page.waitForSelector('#outcome .mark-bad');
  assert.match(await page.textContent('#outcome'), /A later vote was cast with the same voting link/);
  // A tampered receipt.
  const tampered = structuredClone(good);
  tampered.inclusion_proof[0] = tampered.inclusion_proof[0].replace(/^./, (c) => (c === '0' ? '1' : '0'));
  await page.fill('#receipt-text', JSON.stringify(tampered));
  await page.click('#receipt-form button');
  await page.waitForSelector('#outcome h2:has-text("did not succeed")');
  assert.match(await page.textContent('#outcome'), /does not check out/);
  await screenshot(page, 'receipt-tampered');
  // Not a receipt at all.
  await page.fill('#receipt-text', 'hello');
  await page.click('#receipt-form button');
  await page.waitForSelector('text=This is not a receipt file');
  // A tracking code.
  await page.selectOption('#code-election', mock.fixture.election_id);
  await page.fill('#code', good.tracking_code);
  await page.click('#code-form button');
  await page.waitForSelector('#outcome h2:has-text("public record")');
  await page.fill('#code', 'ABCD-EFGH-IJKL-MNOP');
  await page.click('#code-form button');
  await page.waitForSelector('text=A full tracking code is 64 characters');
  // The audit file, checked on "another device".
  const auditPath = join(OUT, auditFile.name);
  writeFileSync(auditPath, auditFile.text);
  await page.setInputFiles('#audit-file', auditPath);
  await page.click('#audit-form button');
  await page.waitForSelector('#outcome h2:has-text("audited ballot checks out")');
  await screenshot(page, 'receipt-audit-ok');
  await expectClean(page);
});

test('results page: counts, percentages, turnout and the record', async () => {
  const page = await openPage(browser, { mobile: false });
  await page.goto(`${base}/results/simulation-10`);
  await page.waitForSelector('figure.chart');
  const expected = JSON.parse(readFileSync(join(ROOT, 'tests/data/frozen-v1/result.json'), 'utf8'));
  const overall = (expected.result || expected).overall;
  const tables = await page.locator('#app > figure.chart table').all();
  assert.equal(tables.length, overall.length);
  for (const [k, question] of overall.entries()) {
    const cells = await tables[k].locator('tbody tr td:first-of-type').allTextContents();
    question.counts.forEach((count, o) => assert.equal(cells[o], String(count), `${question.question} option ${o}`));
  }
  assert.equal(await page.getAttribute('a[download]', 'href'), '/api/elections/simulation-10/record');
  await screenshot(page, 'results');
  await expectAccessible(page, 'results');
  const phone = await openPage(browser, { locale: 'fr-FR' });
  await phone.goto(`${base}/results/simulation-10`);
  await phone.waitForSelector('figure.chart');
  assert.match(await phone.textContent('h1'), /Résultats/);
  await screenshot(phone, 'results-french-phone');
  await expectClean(page);
  await expectClean(phone);
});

test('admin page: sign-in, elections, roll errors shown per row', async () => {
  const page = await openPage(browser, { mobile: false });
  await page.goto(`${base}/admin`);
  await expectAccessible(page, 'admin sign-in');
  await page.fill('#token', 'wrong');
  await page.click('#signin-form button');
  await page.waitForSelector('text=The server refused this token');
  await page.fill('#token', ADMIN_TOKEN);
  await page.click('#signin-form button');
  await page.waitForSelector('#election-list table');
  await page.click(`button[aria-label="Manage ${JSON.parse(mock.fixture.leaves[0]).body.title}"]`);
  await page.waitForSelector('#roll-file');
  const roll = join(OUT, 'bad-roll.csv');
  writeFileSync(roll, 'name,email,style\nAda,ada@example.org,north\n,nobody@example.org,south\nBob,not-an-address,nowhere\n');
  await page.setInputFiles('#roll-file', roll);
  await page.click('#roll-file >> xpath=ancestor::form//button');
  await page.waitForSelector('text=Nothing was imported');
  assert.equal(await page.locator('#panel-body .notice.bad tbody tr').count(), 3);
  await screenshot(page, 'admin-roll-errors');
  await expectAccessible(page, 'admin console');
  await expectClean(page);
});

test('home page and a closed election', async () => {
  const page = await openPage(browser);
  await page.goto(`${base}/`);
  await page.waitForSelector('#elections .card');
  await screenshot(page, 'home');
  await expectAccessible(page, 'home');
  await page.fill('#link', 'https://example.org/vote#broken');
  await page.click('#link-form button');
  await page.waitForSelector('#link-error:not(.hidden)');
  await fetch(`${base}/__mock/close/${mock.fixture.election_id}`, { method: 'POST' });
  await page.goto(`${base}/vote#${voter(0).fragment}`);
  await page.waitForSelector('text=Voting has closed');
  assert.match(await page.textContent('main'), /You voted in this election/);
  await screenshot(page, 'booth-closed', { fullPage: false });
  await expectAccessible(page, 'closed booth');
  await expectClean(page);
});
