// The WebAssembly client agrees with the native one (node --test).
//
// crates/wasm/tests/vectors/client.json holds what the native build answers
// for the spec's election records (tests/data/frozen-v1 and the must-fail
// records of spec/vectors/records) and for seeded encryptions. Here the
// booth's own build (web/dist/assets) must give the same verdicts and
// reports, and the seeded build (the same crate with the `seeded` feature,
// built by scripts/test-web.sh into $PSEPHOS_SEEDED_WASM_DIR) must produce
// byte-identical ballots and audits.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const vectors = JSON.parse(readFileSync(join(ROOT, 'crates/wasm/tests/vectors/client.json'), 'utf8'));

async function load(dir) {
  const module = await import(pathToFileURL(join(dir, 'psephos_wasm.js')).href);
  await module.default({ module_or_path: readFileSync(join(dir, 'psephos_wasm_bg.wasm')) });
  return module;
}

const booth = await load(join(ROOT, 'web/dist/assets'));
const seededDir = process.env.PSEPHOS_SEEDED_WASM_DIR;
const seeded = seededDir ? await load(seededDir) : null;

// Runs f; returns {ok: value} or {error: code} like the vectors.
function outcome(f, parse = true) {
  try {
    const value = f();
    return { ok: parse && typeof value === 'string' ? JSON.parse(value) : value };
  } catch (error) {
    const match = /^([a-z-]+):/.exec(String(error.message));
    return { error: match ? match[1] : `unexpected: ${error.message}` };
  }
}

const leafHash = (leaf) => createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(leaf, 'utf8')])).digest('hex');

// The same rule as vectors.rs: the API view a server would give for a record.
function viewOf(path) {
  const lines = readFileSync(join(ROOT, path), 'utf8').split('\n').filter((l) => l.length);
  const leaves = lines.slice(1).filter((l) => !l.startsWith('{"checkpoint":'));
  const manifest = JSON.parse(leaves[0]).body;
  let key = null;
  for (const leaf of leaves) {
    try {
      const message = JSON.parse(leaf);
      if (message.type === 'election-key') {
        key = message.body;
        break;
      }
    } catch (_) {
      // the partial last line of a truncated record
    }
  }
  const view = { election_id: manifest.election_id, phase: 'published', manifest_leaf_hash: leafHash(leaves[0]), election_key: key, board_key: manifest.board_key, manifest };
  return { view, leaves };
}

test('short tracking codes and voting links', () => {
  for (const { hex, expect } of vectors.short_codes) {
    assert.deepEqual(outcome(() => booth.shortCode(hex), false), expect, hex);
  }
  for (const { link, expect } of vectors.links) {
    assert.deepEqual(outcome(() => booth.linkElectionId(link), false), expect, link);
  }
});

for (const record of vectors.records) {
  test(`record ${record.name}: election, ballots, audits, receipts, checkpoint`, () => {
    const { view, leaves } = viewOf(record.record);
    const made = outcome(() => new booth.Election(JSON.stringify(view)), false);
    if (record.view.error) {
      assert.deepEqual(made, record.view);
      return;
    }
    const election = made.ok;
    assert.equal(election.electionId, record.view.ok.election_id);
    assert.equal(election.fingerprint, record.view.ok.fingerprint);
    for (const { leaf_index, expect } of record.ballots) {
      const body = JSON.stringify(JSON.parse(leaves[leaf_index]).body);
      assert.deepEqual(outcome(() => election.verifyBallot(body)), expect, `ballot at leaf ${leaf_index}`);
    }
    for (const { leaf_index, expect } of record.audits) {
      const body = JSON.stringify(JSON.parse(leaves[leaf_index]).body);
      assert.deepEqual(outcome(() => election.verifyAudit(body)), expect, `audit at leaf ${leaf_index}`);
    }
    for (const { variant, ballot_leaf, receipt, matches_ballot, expect } of record.receipts) {
      const text = JSON.stringify(receipt);
      assert.deepEqual(outcome(() => election.verifyReceipt(text)), expect, `receipt ${variant} of leaf ${receipt.leaf_index}`);
      const ballot = JSON.stringify(JSON.parse(leaves[ballot_leaf]).body);
      assert.equal(booth.receiptMatchesBallot(text, ballot), matches_ballot);
    }
    if (record.trailer) {
      assert.deepEqual(outcome(() => election.verifyCheckpoint(JSON.stringify(record.trailer.checkpoint))), record.trailer.expect);
    }
    election.free();
  });
}

test('seeded encryption: byte-identical ballots and audits', { skip: seeded ? false : 'PSEPHOS_SEEDED_WASM_DIR not set (scripts/test-web.sh builds it)' }, () => {
  const { view } = viewOf('tests/data/frozen-v1/record.jsonl');
  const election = new seeded.Election(JSON.stringify(view));
  for (const c of vectors.encryptions.cases) {
    const voter = seeded.Voter.fromLink(election, c.link);
    assert.equal(voter.publicCredential, c.public_credential);
    const draft = voter.encryptSeeded(election, c.style, c.choices, BigInt(c.seed));
    assert.equal(draft.trackingCode, c.tracking_code);
    assert.equal(draft.shortCode, c.short_code);
    assert.equal(draft.cast(voter), c.ballot, `ballot of seed ${c.seed}`);
    const again = voter.encryptSeeded(election, c.style, c.choices, BigInt(c.seed));
    assert.equal(again.audit(voter), c.audit, `audit of seed ${c.seed}`);
    voter.free();
  }
});

test('the booth build encrypts with fresh randomness what the native code accepts', () => {
  const { view } = viewOf('tests/data/frozen-v1/record.jsonl');
  const election = new booth.Election(JSON.stringify(view));
  for (const c of vectors.encryptions.cases) {
    const voter = booth.Voter.fromLink(election, c.link);
    assert.equal(voter.publicCredential, c.public_credential);
    const first = voter.encrypt(election, c.style, c.choices);
    const second = voter.encrypt(election, c.style, c.choices);
    assert.notEqual(first.trackingCode, c.tracking_code);
    assert.notEqual(first.trackingCode, second.trackingCode);
    const code = first.trackingCode;
    const ballot = first.cast(voter);
    const report = JSON.parse(election.verifyBallot(ballot));
    assert.deepEqual(report, { tracking_code: code, short_code: booth.shortCode(code), credential: c.public_credential, style: c.style });
    const audit = JSON.parse(election.verifyAudit(second.audit(voter)));
    assert.deepEqual(audit.choices, JSON.parse(c.choices));
    // A draft is consumed by casting or auditing.
    assert.throws(() => first.cast(voter));
    voter.free();
  }
  const voter = booth.Voter.fromLink(election, vectors.encryptions.cases[0].link);
  assert.deepEqual(outcome(() => voter.encrypt(election, 'north', '[[0,1],[],[]]')), { error: vectors.encryptions.too_many_choices });
  assert.deepEqual(outcome(() => voter.encrypt(election, 'nowhere', '[[],[],[]]')), { error: 'bad-choices' });
  assert.deepEqual(outcome(() => voter.encrypt(election, 'north', 'not json')), { error: 'malformed' });
  assert.deepEqual(outcome(() => booth.Voter.fromLink(election, '#other-election.AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT')), { error: 'other-election' });
  // No page location under Node: the booth's reader refuses, never throws anything else.
  assert.deepEqual(outcome(() => booth.Voter.fromLocation(election)), { error: 'bad-link' });
  assert.deepEqual(outcome(() => booth.linkElectionIdFromLocation(), false), { error: 'bad-link' });
});

test('a changed manifest, board key or election key is refused', () => {
  const { view } = viewOf('tests/data/frozen-v1/record.jsonl');
  const changed = (f) => {
    const copy = structuredClone(view);
    f(copy);
    return outcome(() => new booth.Election(JSON.stringify(copy)), false);
  };
  assert.deepEqual(changed((v) => { v.manifest.title += '!'; }), { error: 'manifest-mismatch' });
  assert.deepEqual(changed((v) => { v.election_id = 'other'; }), { error: 'manifest-mismatch' });
  assert.deepEqual(changed((v) => { v.board_key = v.manifest.credential_authority_key; }), { error: 'board-key-mismatch' });
  assert.deepEqual(changed((v) => { v.election_key.fingerprint = '00'.repeat(32); }), { error: 'election-key-mismatch' });
  assert.deepEqual(changed((v) => { v.manifest.extra = 1; }), { error: 'malformed' });
  assert.deepEqual(changed((v) => { delete v.manifest_leaf_hash; }), { error: 'malformed' });
  const before = changed((v) => { v.election_key = null; });
  assert.equal(before.ok.fingerprint, undefined);
});
