// A stand-in for the voting service, for the browser tests of the pages
// alone: it serves web/dist/ exactly as crates/server/src/assets.rs maps it
// (same Content-Security-Policy), and the voter, board and a few admin
// endpoints of spec/api.md over in-memory logs: an open election from the
// booth fixture (crates/wasm/examples/booth_fixture.rs, whose board key it
// holds, so it signs real checkpoints) and the frozen published record
// (tests/data/frozen-v1). Ballots and audits are checked with the same
// WebAssembly client the pages use. The end-to-end tests against the real
// server are in e2e.test.mjs; this server exists so that the pages can be
// tested, measured and screenshotted on their own.
//
//   node tests/browser/mock-server.mjs FIXTURE.json [PORT]
//
// Test controls (not part of the API): POST /__mock/close/{id} appends
// voting-closed; POST /__mock/tamper/{id} makes GET /api/elections/{id}
// serve a manifest whose title was changed (the booth must refuse it).

import { createHash, createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = join(ROOT, 'web', 'dist');
export const ADMIN_TOKEN = 'mock-admin-token';

const sha256 = (...parts) => createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest();
const hex = (bytes) => Buffer.from(bytes).toString('hex');

// --- RFC 9162 Merkle tree -----------------------------------------------------

class Log {
  constructor(id, leaves, boardSeed = null, trailer = null) {
    this.id = id;
    this.leaves = [];
    this.hashes = [];
    this.codes = new Map(); // leaf index → tracking code (ballots)
    this.key = boardSeed
      ? createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(boardSeed, 'hex')]), format: 'der', type: 'pkcs8' })
      : null;
    this.trailer = trailer;
    this.tampered = false;
    for (const leaf of leaves) this.append(leaf);
  }

  append(leaf) {
    this.leaves.push(leaf);
    this.hashes.push(sha256(Buffer.from([0]), Buffer.from(leaf, 'utf8')));
    return this.leaves.length - 1;
  }

  messages() {
    return this.leaves.map((leaf) => JSON.parse(leaf));
  }

  mth(lo, hi) {
    if (hi - lo === 0) return sha256(Buffer.alloc(0));
    if (hi - lo === 1) return this.hashes[lo];
    const k = split(hi - lo);
    return sha256(Buffer.from([1]), this.mth(lo, lo + k), this.mth(lo + k, hi));
  }

  path(m, lo, hi) {
    if (hi - lo <= 1) return [];
    const k = split(hi - lo);
    return m - lo < k ? [...this.path(m, lo, lo + k), this.mth(lo + k, hi)] : [...this.path(m, lo + k, hi), this.mth(lo, lo + k)];
  }

  subproof(m, lo, hi, complete) {
    const n = hi - lo;
    if (m === n) return complete ? [] : [this.mth(lo, hi)];
    const k = split(n);
    return m <= k ? [...this.subproof(m, lo, lo + k, complete), this.mth(lo + k, hi)] : [...this.subproof(m - k, lo + k, hi, false), this.mth(lo, lo + k)];
  }

  checkpoint(size = this.leaves.length) {
    if (!this.key) return this.trailer;
    const root = this.mth(0, size);
    const id = Buffer.from(this.id, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(id.length);
    const sizeBytes = Buffer.alloc(8);
    sizeBytes.writeBigUInt64LE(BigInt(size));
    const message = Buffer.concat([Buffer.from('psephos/v1/sign/checkpoint\n'), length, id, sizeBytes, root]);
    return { log_id: this.id, size, root: hex(root), signature: hex(sign(null, message, this.key)) };
  }

  receipt(index) {
    const checkpoint = this.checkpoint();
    const receipt = {
      election_id: this.id,
      tracking_code: this.codes.get(index),
      leaf_index: index,
      leaf_hash: hex(this.hashes[index]),
      checkpoint,
      inclusion_proof: this.path(index, 0, checkpoint.size).map(hex),
    };
    const ballot = JSON.parse(this.leaves[index]).body;
    let previous = null;
    for (const [i, code] of this.codes) {
      if (i < index && JSON.parse(this.leaves[i]).body.credential === ballot.credential) previous = code;
    }
    if (previous) receipt.supersedes = previous;
    return receipt;
  }

  phase() {
    const types = new Set(this.messages().map((m) => m.type));
    for (const [type, phase] of [['result', 'published'], ['tally', 'tallied'], ['voting-closed', 'closed'], ['voting-opened', 'open'], ['credential-list', 'ready'], ['election-key', 'credentials']]) {
      if (types.has(type)) return phase;
    }
    return 'keygen';
  }

  find(type) {
    return this.messages().find((m) => m.type === type);
  }
}

function split(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// --- Elections -------------------------------------------------------------------

export async function startMockServer({ fixture, port = 0 }) {
  const client = await import(join(DIST, 'assets', 'psephos_wasm.js'));
  await client.default({ module_or_path: readFileSync(join(DIST, 'assets', 'psephos_wasm_bg.wasm')) });

  const logs = new Map();
  const data = JSON.parse(readFileSync(fixture, 'utf8'));
  logs.set(data.election_id, new Log(data.election_id, data.leaves, data.board_seed));
  const frozen = readFileSync(join(ROOT, 'tests', 'data', 'frozen-v1', 'record.jsonl'), 'utf8').trimEnd().split('\n');
  const trailer = JSON.parse(frozen[frozen.length - 1]).checkpoint;
  const published = new Log(trailer.log_id, frozen.slice(1, -1), null, trailer);
  logs.set(published.id, published);

  const views = new Map();
  function view(log, honest = false) {
    const manifestLeaf = log.leaves[0];
    const manifest = JSON.parse(manifestLeaf).body;
    const key = log.find('election-key');
    const body = {
      election_id: log.id,
      phase: log.phase(),
      manifest: log.tampered && !honest ? { ...manifest, title: `${manifest.title} (changed)` } : manifest,
      manifest_leaf_hash: hex(log.hashes[0]),
      election_key: key ? key.body : null,
      board_key: manifest.board_key,
    };
    return body;
  }
  function election(log) {
    if (!views.has(log.id)) views.set(log.id, new client.Election(JSON.stringify(view(log, true))));
    return views.get(log.id);
  }
  for (const log of logs.values()) {
    log.messages().forEach((message, index) => {
      if (message.type === 'ballot') log.codes.set(index, JSON.parse(election(log).verifyBallot(JSON.stringify(message.body))).tracking_code);
    });
  }

  function credentials(log) {
    const list = log.find('credential-list');
    return list ? list.body.credentials : [];
  }

  function turnout(log) {
    const entries = credentials(log);
    const messages = log.messages();
    const voters = new Set(messages.filter((m) => m.type === 'ballot').map((m) => m.body.credential));
    const styles = JSON.parse(log.leaves[0]).body.ballot_styles;
    return {
      members: entries.length,
      voted: voters.size,
      ballots: messages.filter((m) => m.type === 'ballot').length,
      audits: messages.filter((m) => m.type === 'ballot-audit').length,
      by_style: styles.map((s) => ({ style: s.id, members: entries.filter((e) => e.style === s.id).length, voted: entries.filter((e) => e.style === s.id && voters.has(e.credential)).length })),
    };
  }

  // --- HTTP ------------------------------------------------------------------------

  const build = JSON.parse(readFileSync(join(DIST, 'assets', 'manifest.json'), 'utf8'));
  const files = new Map(build.files.map((f) => [f.url, f]));
  files.set('/assets/manifest.json', { file: 'assets/manifest.json', content_type: 'application/json' });
  for (const page of ['vote', 'receipt', 'results', 'admin']) files.set(`/${page}/`, files.get(`/${page}`));
  files.set('/index.html', files.get('/'));

  const send = (res, status, body, type = 'application/json') => {
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Security-Policy': build.content_security_policy,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
    });
    res.end(type === 'application/json' && typeof body !== 'string' && !Buffer.isBuffer(body) ? JSON.stringify(body) : body);
  };
  const error = (res, status, code, field, message) => send(res, status, { error: { code, field, message } });

  async function readBody(req) {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://localhost');
    const path = url.pathname;
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (req.method === 'POST' && parts[0] === '__mock') {
      const log = logs.get(parts[2]);
      if (parts[1] === 'close') log.append(JSON.stringify({ type: 'voting-closed', body: { at: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } }));
      if (parts[1] === 'tamper') log.tampered = true;
      if (parts[1] === 'untamper') log.tampered = false;
      return send(res, 200, { ok: true });
    }
    if (parts[0] !== 'api') {
      const file = files.get(path) || (path.startsWith('/results/') ? files.get('/results') : null);
      if (!file || req.method !== 'GET') return error(res, 404, 'not_found', 'path', 'no such page');
      return send(res, 200, readFileSync(join(DIST, file.file)), file.content_type);
    }
    if (parts[1] === 'admin') {
      if (req.headers.authorization !== `Bearer ${ADMIN_TOKEN}`) return error(res, 401, 'unauthorised', null, 'missing or invalid admin token');
      if (parts[2] === 'server') return send(res, 200, { board_key: JSON.parse([...logs.values()][0].leaves[0]).body.board_key });
      if (parts[2] === 'elections' && parts.length === 3 && req.method === 'POST') return error(res, 422, 'invalid', 'manifest.board_key', 'must be this server’s board key');
      const log = logs.get(parts[3]);
      if (!log) return error(res, 404, 'not_found', 'election', 'unknown election');
      if (parts[4] === 'turnout') return send(res, 200, turnout(log));
      if (parts[4] === 'roll' && req.method === 'PUT') {
        const rows = (await readBody(req)).trim().split('\n');
        const problems = [];
        rows.slice(1).forEach((line, index) => {
          const [name, email, style] = line.split(',');
          if (!name) problems.push({ row: index + 2, field: 'name', message: 'must not be empty' });
          if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) problems.push({ row: index + 2, field: 'email', message: 'not an email address' });
          if (!JSON.parse(log.leaves[0]).body.ballot_styles.some((s) => s.id === (style || '').trim())) problems.push({ row: index + 2, field: 'style', message: 'not a ballot style of the manifest' });
        });
        if (problems.length) return send(res, 422, { error: { code: 'invalid', field: 'roll', message: `${problems.length} rows have errors` }, rows: problems });
        return send(res, 200, { members: rows.length - 1, by_style: {} });
      }
      if (['open', 'close', 'tally', 'publish'].includes(parts[4])) return error(res, 409, 'conflict', null, 'not in the mock');
      return error(res, 404, 'not_found', 'path', 'no such endpoint');
    }
    if (parts[1] !== 'elections') return error(res, 404, 'not_found', 'path', 'no such endpoint');
    if (parts.length === 2) {
      return send(res, 200, [...logs.values()].map((log) => {
        const m = JSON.parse(log.leaves[0]).body;
        return { election_id: log.id, title: m.title, organisation: m.organisation, phase: log.phase() };
      }));
    }
    const log = logs.get(parts[2]);
    if (!log) return error(res, 404, 'not_found', 'election', 'unknown election');
    const rest = parts.slice(3);
    if (rest.length === 0) return send(res, 200, view(log));
    if (rest[0] === 'voters' && rest[1]) {
      const entry = credentials(log).find((e) => e.credential === rest[1]);
      if (!entry) return error(res, 404, 'not_found', 'credential', 'not on the credential list');
      const mine = [...log.codes].filter(([i]) => JSON.parse(log.leaves[i]).body.credential === rest[1]);
      const last = mine[mine.length - 1];
      return send(res, 200, { credential: rest[1], style: entry.style, ballots_cast: mine.length, latest: last ? { tracking_code: last[1], leaf_index: last[0] } : null });
    }
    if (rest[0] === 'ballots' && req.method === 'POST') {
      if (log.phase() !== 'open') return error(res, 409, 'conflict', null, 'voting is not open');
      const text = await readBody(req);
      let report;
      try {
        report = JSON.parse(election(log).verifyBallot(text));
      } catch (e) {
        return error(res, 422, 'invalid', 'ballot', String(e.message));
      }
      const entry = credentials(log).find((e) => e.credential === report.credential);
      if (!entry) return error(res, 422, 'invalid', 'credential', 'not on the credential list');
      if (entry.style !== report.style) return error(res, 422, 'invalid', 'style', 'not the credential’s style');
      for (const [index, code] of log.codes) if (code === report.tracking_code) return send(res, 200, log.receipt(index));
      const index = log.append(JSON.stringify({ type: 'ballot', body: JSON.parse(text) }));
      log.codes.set(index, report.tracking_code);
      return send(res, 201, log.receipt(index));
    }
    if (rest[0] === 'audits' && req.method === 'POST') {
      if (log.phase() !== 'open') return error(res, 409, 'conflict', null, 'voting is not open');
      const text = await readBody(req);
      try {
        const report = JSON.parse(election(log).verifyAudit(text));
        const index = log.append(JSON.stringify({ type: 'ballot-audit', body: JSON.parse(text) }));
        return send(res, 201, { leaf_index: index, choices: report.choices });
      } catch (e) {
        return error(res, 422, 'invalid', 'audit', String(e.message));
      }
    }
    if (rest[0] === 'receipts' && rest[1]) {
      for (const [index, code] of log.codes) if (code === rest[1]) return send(res, 200, log.receipt(index));
      return error(res, 404, 'not_found', 'code', 'no ballot with this tracking code');
    }
    if (rest[0] === 'result') {
      const result = log.find('result');
      if (!result) return error(res, 409, 'conflict', null, 'the result is not published');
      return send(res, 200, { result: result.body, turnout: turnout(log) });
    }
    if (rest[0] === 'record') {
      const lines = ['{"format":"psephos/record/v1"}', ...log.leaves, `{"checkpoint":${JSON.stringify(log.checkpoint())}}`];
      return send(res, 200, `${lines.join('\n')}\n`, 'application/x-ndjson');
    }
    if (rest[0] === 'trustees' && rest[1] === 'status') {
      const manifest = JSON.parse(log.leaves[0]).body;
      const key = log.find('election-key');
      const index = (type, trustee) => {
        const found = log.messages().findIndex((m) => m.type === type && m.body.trustee === trustee);
        return found < 0 ? null : found;
      };
      return send(res, 200, {
        phase: log.phase(),
        threshold: manifest.trustees.threshold,
        trustees: manifest.trustees.members.map((m) => ({
          index: m.index,
          name: m.name,
          dealing: index('trustee-dealing', m.index),
          complaints: index('trustee-complaints', m.index),
          decryption: index('tally-decryption', m.index),
          qualified: key ? key.body.qualified.includes(m.index) : null,
          disqualified: key ? key.body.disqualified.find((d) => d.trustee === m.index) || null : null,
        })),
        election_key: key ? key.body : null,
        tally_leaf: null,
      });
    }
    if (rest[0] === 'board') {
      if (rest[1] === 'checkpoint') return send(res, 200, log.checkpoint());
      if (rest[1] === 'leaves') {
        const start = Number(url.searchParams.get('start') || 0);
        const end = Number(url.searchParams.get('end') || log.leaves.length);
        return send(res, 200, { start, leaves: log.leaves.slice(start, end).map((l) => JSON.parse(l)) });
      }
      if (rest[1] === 'consistency') {
        const first = Number(url.searchParams.get('first'));
        const second = Number(url.searchParams.get('second'));
        const proof = first === 0 || first === second ? [] : log.subproof(first, 0, second, true);
        return send(res, 200, { first, second, proof: proof.map(hex) });
      }
    }
    return error(res, 404, 'not_found', 'path', 'no such endpoint');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      console.error(e);
      error(res, 500, 'internal', null, 'mock failure');
    });
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${address.port}`, fixture: data, logs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await startMockServer({ fixture: process.argv[2], port: Number(process.argv[3] || 8480) });
  console.log(`mock server on ${url}`);
}
