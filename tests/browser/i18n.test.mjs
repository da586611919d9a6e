// The message catalogue: English and French have the same keys, the same
// placeholders and the same plural forms, and every key the pages use
// (t('…'), data-i18n, data-i18n-attr, and the keys built from error codes
// and phases) exists.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { ROOT } from './lib.mjs';

const SRC = join(ROOT, 'web', 'src');
const en = (await import(pathToFileURL(join(SRC, 'assets', 'messages-en.js')).href)).default;
const fr = (await import(pathToFileURL(join(SRC, 'assets', 'messages-fr.js')).href)).default;

const placeholders = (value) => {
  const texts = typeof value === 'string' ? [value] : Object.values(value);
  return [...new Set(texts.flatMap((text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort();
};

test('English and French have the same keys, placeholders and forms', () => {
  assert.deepEqual(Object.keys(fr).sort(), Object.keys(en).sort());
  for (const key of Object.keys(en)) {
    assert.equal(typeof fr[key], typeof en[key], key);
    assert.deepEqual(placeholders(fr[key]), placeholders(en[key]), key);
    if (typeof en[key] === 'object') assert.ok(en[key].other && fr[key].other, `${key} needs an "other" form`);
  }
});

test('every key the pages use exists', () => {
  const used = new Set();
  for (const file of readdirSync(join(SRC, 'assets')).filter((f) => f.endsWith('.js') && f !== 'i18n.js')) {
    const text = readFileSync(join(SRC, 'assets', file), 'utf8');
    for (const m of text.matchAll(/\bt\(\s*'([a-z_.-]+)'/g)) used.add(m[1]);
    for (const m of text.matchAll(/fail\(\s*'([a-z_.-]+)'/g)) used.add(m[1]);
    for (const m of text.matchAll(/\['(booth\.[a-z_.]+_title)'/g)) used.add(m[1]);
  }
  for (const file of readdirSync(join(SRC, 'pages'))) {
    const text = readFileSync(join(SRC, 'pages', file), 'utf8');
    for (const m of text.matchAll(/data-i18n="([^"]+)"/g)) used.add(m[1]);
    for (const m of text.matchAll(/data-i18n-attr="([^"]+)"/g)) for (const pair of m[1].split(',')) used.add(pair.split(':')[1]);
  }
  for (const phase of ['keygen', 'credentials', 'ready', 'open', 'closed', 'tallied', 'published']) used.add(`phase.${phase}`);
  for (const code of ['malformed', 'unauthorised', 'not_found', 'conflict', 'too_large', 'unsupported_media', 'invalid', 'internal', 'unavailable']) used.add(`error.api.${code}`);
  const clientCodes = readFileSync(join(ROOT, 'crates', 'wasm', 'src', 'error.rs'), 'utf8').matchAll(/=> "([a-z-]+)",/g);
  for (const m of clientCodes) used.add(`error.client.${m[1]}`);
  for (const action of ['open', 'close', 'tally', 'publish']) used.add(`admin.done.${action}`);
  for (const key of ['title.home', 'title.vote', 'title.receipt', 'title.results', 'title.admin']) used.add(key);
  const missing = [...used].filter((key) => !(key in en)).sort();
  assert.deepEqual(missing, []);
  assert.ok(used.size > 150, `only ${used.size} keys found: the scan is broken`);
});
