// End to end, in Chromium against the real service (`psephos serve`):
// an administrator creates a referendum with regional ballot styles and
// imports the roll on the admin page; the trustees run the key ceremony
// with psephos-trustee; the credential authority issues the links
// (psephos credentials); three voters vote in the browser (one audits a
// ballot and then casts, one changes their vote, one leaves questions
// blank); the administrator closes and tallies; two of the three trustees
// decrypt; the administrator publishes; the results page shows exactly the
// expected counts; the record downloaded from the results page passes
// psephos-verify with every voter's receipt. Screenshots at each step.
//
//   node --test tests/browser/e2e.test.mjs   (after cargo build -p psephos -p psephos-trustee -p psephos-verifier)

import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

import { startSmtpSink } from './smtp-sink.mjs';
import { ROOT, launch, openPage, screenshot, axe, download, waitUntil } from './lib.mjs';

const run = promisify(execFile);
const BIN = process.env.PSEPHOS_BIN_DIR || join(ROOT, 'target', 'debug');
const PASSPHRASE = 'correct horse battery staple';
const DIR = mkdtempSync(join(tmpdir(), 'psephos-e2e-'));
const ID = `e2e-${Date.now()}`;

let server;
let smtp;
let serverLog = '';
let base;
let token;
let browser;
let admin; // the administrator's page, kept signed in
const receipts = {};

function tool(name, args, options = {}) {
  return run(join(BIN, name), args, { cwd: DIR, env: { ...process.env, PSEPHOS_TRUSTEE_PASSPHRASE: PASSPHRASE }, maxBuffer: 1 << 26, ...options });
}

async function freePort() {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

before(async () => {
  const init = await tool('psephos', ['admin', 'init', '--db', join(DIR, 'psephos.db')]);
  token = init.stdout.trim().split('\n').pop().trim();
  assert.match(token, /^\S{16,}$/);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  smtp = await startSmtpSink();
  const mail = ['--smtp-host', '127.0.0.1', '--smtp-port', String(smtp.port), '--smtp-tls', 'none', '--mail-from', 'Elections <vote@example.org>', '--public-url', base];
  server = spawn(join(BIN, 'psephos'), ['serve', '--db', join(DIR, 'psephos.db'), '--listen', `127.0.0.1:${port}`, ...mail], { cwd: DIR, env: { ...process.env, RUST_LOG: 'warn' } });
  server.stderr.on('data', (chunk) => {
    serverLog += chunk;
  });
  for (let k = 0; k < 200; k += 1) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch (_) {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  browser = await launch();
  admin = await openPage(browser, { mobile: false });
  admin.on('dialog', (dialog) => dialog.accept());
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill('SIGTERM');
  if (smtp) smtp.close();
  if (process.exitCode && serverLog) console.log(`# server log:\n${serverLog}`);
});

async function expectClean(page) {
  assert.deepEqual(page.problems, [], 'the page showed script or console errors');
}

async function refreshPanel() {
  await admin.click('#panel-body button:has-text("Refresh")');
  await admin.waitForTimeout(300);
}

const trustees = [1, 2, 3];
const referendum = [
  ['constitution', 'Should the association adopt the revised constitution?'],
  ['dues', 'Should annual dues rise by 3%?'],
  ['online', 'Should the annual conference be held online every other year?'],
];
const regions = [
  ['north', 'North', ['Amara Okafor', 'Bjorn Lindqvist', 'Chiara Russo']],
  ['south', 'South', ['Dev Patel', 'Elena Petrova', 'Farid Haddad']],
];

test('the administrator creates the election on the admin page', async () => {
  const entries = [];
  for (const k of trustees) {
    const { stdout } = await tool('psephos-trustee', ['init', '--election', ID, '--out', `trustee-${k}.key`, '--index', String(k), '--name', `Trustee ${k}`, '--json', '-q']);
    entries.push(JSON.parse(stdout).entry);
  }
  const authority = JSON.parse((await tool('psephos', ['credentials', 'keygen', '--out', 'authority.key', '--json'])).stdout);
  const server_ = await (await fetch(`${base}/api/admin/server`, { headers: { Authorization: `Bearer ${token}` } })).json();
  const now = Date.now();
  const time = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const manifest = {
    version: 'psephos/manifest/v1',
    election_id: ID,
    organisation: 'End-to-end Members’ Association',
    title: 'Annual ballot (browser end-to-end test)',
    voting_window: { opens: time(now - 60000), closes: time(now + 2 * 3600 * 1000) },
    trustees: { threshold: 2, members: entries },
    board_key: server_.board_key,
    credential_authority_key: authority.public_key,
    questions: [
      ...referendum.map(([id, text]) => ({ id, text, kind: 'referendum' })),
      ...regions.map(([region, name, candidates]) => ({
        id: `delegate-${region}`,
        text: `Who should represent the ${name} region?`,
        kind: 'choose',
        options: candidates.map((label, c) => ({ id: `${region}-${c + 1}`, label })),
        min: 0,
        max: 1,
      })),
    ],
    ballot_styles: regions.map(([region, name]) => ({ id: region, name, questions: [...referendum.map(([id]) => id), `delegate-${region}`] })),
  };
  writeFileSync(join(DIR, 'manifest-draft.json'), JSON.stringify(manifest, null, 2));

  await admin.goto(`${base}/admin`);
  await admin.fill('#token', token);
  await admin.click('#signin-form button');
  await admin.waitForSelector('#console:not(.hidden)');
  assert.equal(await admin.textContent('#server-board-key'), server_.board_key);
  await admin.setInputFiles('#manifest-file', join(DIR, 'manifest-draft.json'));
  await admin.click('#create-form button');
  await admin.waitForSelector(`#create-outcome .notice.good`);
  await admin.click(`button[aria-label="Manage ${manifest.title}"]`);
  await admin.waitForSelector('#panel-body');
  await screenshot(admin, 'e2e-admin-created');
  assert.deepEqual(await axe(admin), []);
  const view = await (await fetch(`${base}/api/elections/${ID}`)).json();
  const build = await (await fetch(`${base}/assets/manifest.json`)).json();
  assert.equal(view.manifest.booth_hash, build.booth_hash, 'the admin page recorded the booth build in the manifest');
  writeFileSync(join(DIR, 'manifest.json'), JSON.stringify(view.manifest));
  await expectClean(admin);
});

test('the trustees run the key ceremony with psephos-trustee', async () => {
  await Promise.all(trustees.map((k) => tool('psephos-trustee', ['keygen', '--server', base, '--election', ID, '--key', `trustee-${k}.key`, '--wait', '5m', '--poll', '1s', '-q'])));
  await refreshPanel();
  await admin.waitForSelector('text=The ceremony is complete');
  await screenshot(admin, 'e2e-admin-ceremony-done');
});

test('the administrator imports the roll (errors first, shown per row)', async () => {
  writeFileSync(join(DIR, 'bad-roll.csv'), 'name,email,style\nAda Lovelace,ada@example.org,north\nNobody,not-an-address,south\nGhost,ghost@example.org,east\n');
  await admin.setInputFiles('#roll-file', join(DIR, 'bad-roll.csv'));
  await admin.click('#roll-file >> xpath=ancestor::form//button');
  await admin.waitForSelector('#panel-body .notice.bad tbody tr');
  assert.ok((await admin.locator('#panel-body .notice.bad tbody tr').count()) >= 2);
  await screenshot(admin, 'e2e-admin-roll-errors');
  writeFileSync(join(DIR, 'roll.csv'), 'name,email,style\nAda Lovelace,ada@example.org,north\nAlan Turing,alan@example.org,south\nGrace Hopper,grace@example.org,north\n');
  await admin.setInputFiles('#roll-file', join(DIR, 'roll.csv'));
  await admin.click('#roll-file >> xpath=ancestor::form//button');
  await admin.waitForSelector('text=Roll imported: 3 members');
  await expectClean(admin);
});

let links;
test('the credential authority issues the links; the administrator opens voting', async () => {
  await tool('psephos', ['credentials', 'generate', '--manifest', 'manifest.json', '--roll', 'roll.csv', '--key', 'authority.key', '--base-url', base, '--list-out', 'list.json', '--links-out', 'links.jsonl', '-q']);
  const posted = await fetch(`${base}/api/elections/${ID}/credential-list`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: readFileSync(join(DIR, 'list.json')) });
  assert.equal(posted.status, 201, await posted.text());
  links = Object.fromEntries(readFileSync(join(DIR, 'links.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line)).map((m) => [m.email.split('@')[0], m.link]));
  await refreshPanel();
  await admin.click('#panel-body button:has-text("Open voting")');
  await admin.waitForSelector('text=Voting is open.');
  await screenshot(admin, 'e2e-admin-open');
  await expectClean(admin);
});

async function vote(page, link, answers, { audit = false, name }) {
  await page.goto('about:blank');
  await page.goto(link);
  await page.waitForSelector('#ballot');
  for (const [q, choice] of answers.entries()) {
    if (choice === 'blank') await page.check(`#q${q}-blank`);
    else if (choice !== null) await page.check(`#q${q}-o${choice}`);
  }
  await page.click('#ballot button[type=submit]');
  await page.waitForSelector('#cast');
  await waitUntil(page, () => document.getElementById('draft-code') && document.getElementById('draft-code').textContent !== '…');
  if (audit) {
    await page.click('#audit-box summary');
    await page.click('#audit');
    await page.waitForSelector('#back-to-ballot');
    assert.match(await page.textContent('h1'), /encrypted your choices correctly/);
    await screenshot(page, `e2e-${name}-audit`);
    await page.click('#back-to-ballot');
    await page.waitForSelector('#cast');
  }
  await page.click('#cast');
  await page.waitForSelector('#download-receipt');
  await page.waitForSelector('#booth-check .mark-ok, #booth-check .mark-bad');
  assert.match(await page.textContent('#booth-check'), /It is the build published for this election/);
  const receipt = await download(page, () => page.click('#download-receipt'));
  await screenshot(page, `e2e-${name}-receipt`);
  return JSON.parse(receipt.text);
}

// Per question of a style: 0 = yes / first candidate, 1 = no, …, 'blank', or null (untouched = blank).
test('three voters vote in the browser', async () => {
  const page = await openPage(browser);
  receipts.ada = await vote(page, links.ada, [0, 1, 'blank', 0], { audit: true, name: 'ada' });
  const first = await vote(page, links.alan, [0, 0, 0, 1], { name: 'alan-first' });
  await page.goto('about:blank');
  await page.goto(links.alan);
  await page.waitForSelector('text=You have already voted');
  receipts.alan = await vote(page, links.alan, [1, 1, 0, 0], { name: 'alan-changed' });
  assert.equal(receipts.alan.supersedes, first.tracking_code);
  receipts.alanFirst = first;
  receipts.grace = await vote(page, links.grace, [null, 'blank', 0, 'blank'], { name: 'grace' });
  const graceEmail = 'grace@example.org';
  // Grace asks for her receipt by e-mail: first at an address the roll
  // does not give her (refused, nothing sent), then at her own.
  await page.fill('#receipt-email', 'someone-else@example.net');
  await page.click('#send-receipt');
  await page.waitForSelector('#receipt-email-outcome .notice');
  assert.match(await page.textContent('#receipt-email-outcome'), /not the address the organisers have for you/);
  assert.equal(smtp.mails.length, 0);
  await page.fill('#receipt-email', graceEmail);
  await page.click('#send-receipt');
  await page.waitForSelector('#receipt-email-outcome .notice:has-text("on its way")');
  await screenshot(page, 'e2e-grace-receipt-emailed');
  assert.equal(smtp.mails.length, 1);
  assert.deepEqual(smtp.mails[0].to, [graceEmail]);
  // The text is quoted-printable: join its soft line breaks.
  const unfolded = smtp.mails[0].data.replace(/=\r\n/g, '');
  const shortCode = await page.textContent('.tracking');
  assert.ok(unfolded.includes(shortCode.trim()), 'the e-mail carries the tracking code');
  assert.ok(unfolded.includes(receipts.grace.tracking_code), 'and the full tracking code');
  assert.deepEqual(await axe(page), []);
  await expectClean(page);
  await refreshPanel();
  assert.match(await admin.textContent('#panel-body'), /3 of 3 members have voted/);
  await screenshot(admin, 'e2e-admin-turnout');
});

test('the administrator closes and tallies; two trustees decrypt; the administrator publishes', async () => {
  await refreshPanel();
  await admin.click('#panel-body button:has-text("Close voting")');
  await admin.waitForSelector('text=Voting is closed.');
  await admin.click('#panel-body button:has-text("Start the tally")');
  await admin.waitForSelector('text=The encrypted tally is published');
  await screenshot(admin, 'e2e-admin-tallied');
  for (const k of [1, 2]) {
    await tool('psephos-trustee', ['decrypt', '--server', base, '--election', ID, '--key', `trustee-${k}.key`, '--wait', '2m', '--poll', '1s', '-q']);
  }
  await refreshPanel();
  await admin.click('#panel-body button:has-text("Publish the result")');
  await admin.waitForSelector('text=The result is published.');
  await screenshot(admin, 'e2e-admin-published');
  await expectClean(admin);
});

test('the results page shows exactly the expected counts; the record verifies with every receipt', async () => {
  const page = await openPage(browser, { mobile: false });
  await page.goto(`${base}/results/${ID}`);
  await page.waitForSelector('figure.chart');
  // Overall, per question: counts per option then blank.
  const expected = {
    constitution: ['1', '1', '1'],
    dues: ['0', '2', '1'],
    online: ['2', '0', '1'],
    'delegate-north': ['1', '0', '0', '1'],
    'delegate-south': ['1', '0', '0', '0'],
  };
  const tables = await page.locator('#app > figure.chart').all();
  assert.equal(tables.length, 5);
  const ids = Object.keys(expected);
  for (const [k, figure] of tables.entries()) {
    const cells = await figure.locator('tbody tr td:first-of-type').allTextContents();
    assert.deepEqual(cells, expected[ids[k]], ids[k]);
  }
  assert.match(await page.textContent('#app'), /3 members voted/);
  await screenshot(page, 'e2e-results');
  assert.deepEqual(await axe(page), []);
  const record = await download(page, () => page.click('a[download]'));
  writeFileSync(join(DIR, 'record.jsonl'), record.text);
  for (const [name, receipt] of Object.entries(receipts)) {
    writeFileSync(join(DIR, `receipt-${name}.json`), JSON.stringify(receipt));
    const { stdout } = await tool('psephos-verify', ['record.jsonl', '--receipt', `receipt-${name}.json`, '-q']);
    assert.ok(stdout.length >= 0, name);
  }
  const phone = await openPage(browser);
  await phone.goto(`${base}/receipt`);
  await phone.setInputFiles('#receipt-file', join(DIR, 'receipt-grace.json'));
  await phone.click('#receipt-form button');
  await phone.waitForSelector('#outcome h2:has-text("public record")');
  assert.equal(await phone.locator('#outcome .mark-ok').count(), 4);
  await screenshot(phone, 'e2e-receipt-check');
  await expectClean(page);
  await expectClean(phone);
});
