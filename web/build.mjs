// Assembles the booth build (web/dist/) from web/src/ and the wasm-bindgen
// output, deterministically: same inputs, same bytes. Called by
// scripts/build-web.sh; see spec/api.md §6 for the manifest and booth hash.
//
//   node web/build.mjs --wasm-dir DIR --out DIR --assets-rs FILE [--toolchain JSON]
//
// Steps: copy the assets (CSS, JS modules, the WebAssembly client) into
// <out>/assets/; write each page from _layout.html with, in its <head>, the
// stylesheet, a modulepreload for every module it imports (statically, plus
// the WebAssembly client's glue when the page uses it) and its entry script,
// each with a subresource-integrity hash; write <out>/assets/manifest.json
// listing every file with its SHA-256 and SRI hash, and the booth hash;
// write the server's assets.rs, which embeds every file.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .reduce((pairs, value, index, all) => (index % 2 === 0 ? [...pairs, [value.replace(/^--/, ''), all[index + 1]]] : pairs), []),
);
for (const required of ['wasm-dir', 'out', 'assets-rs']) {
  if (!args[required]) {
    console.error(`build.mjs: missing --${required}`);
    process.exit(2);
  }
}

const WEB = dirname(new URL(import.meta.url).pathname);
const SRC = join(WEB, 'src');
const OUT = args.out;
const ASSETS_RS = args['assets-rs'];
const TOOLCHAIN = args.toolchain ? JSON.parse(args.toolchain) : null;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

// The pages: source body, URL, title key, entry module, whether it loads
// the WebAssembly client, and the paths the server answers with it.
const PAGES = [
  { file: 'index.html', url: '/', routes: ['/', '/index.html'], title: 'title.home', script: 'home.js', wasm: true },
  { file: 'vote.html', url: '/vote', routes: ['/vote', '/vote/'], title: 'title.vote', script: 'booth.js', wasm: true },
  { file: 'receipt.html', url: '/receipt', routes: ['/receipt', '/receipt/'], title: 'title.receipt', script: 'receipt.js', wasm: true },
  { file: 'results.html', url: '/results', routes: ['/results', '/results/'], prefix: '/results/', title: 'title.results', script: 'results.js', wasm: false, main: 'wide' },
  { file: 'admin.html', url: '/admin', routes: ['/admin', '/admin/'], title: 'title.admin', script: 'admin.js', wasm: false, main: 'wide' },
];

const CONTENT_TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  wasm: 'application/wasm',
  json: 'application/json',
};

const bytewise = (a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b)));
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const contentType = (file) => CONTENT_TYPES[file.split('.').pop()] || 'application/octet-stream';

// --- Assets ------------------------------------------------------------------

const assets = new Map(); // name → bytes
for (const name of readdirSync(join(SRC, 'assets')).sort(bytewise)) {
  assets.set(name, readFileSync(join(SRC, 'assets', name)));
}
for (const name of ['psephos_wasm.js', 'psephos_wasm_bg.wasm']) {
  assets.set(name, readFileSync(join(args['wasm-dir'], name)));
}

// Static imports of a module ("import … from './x.js'", "export … from",
// "import './x.js'"), transitively.
function imports(name, seen = new Set()) {
  const text = assets.get(name).toString('utf8');
  const pattern = /(?:^|\n)\s*(?:import|export)\s+(?:[^'";]*?\sfrom\s+)?['"]\.\/([^'"]+)['"]/g;
  for (const match of text.matchAll(pattern)) {
    const dependency = match[1];
    if (!assets.has(dependency)) throw new Error(`${name} imports missing ./${dependency}`);
    if (!seen.has(dependency)) {
      seen.add(dependency);
      imports(dependency, seen);
    }
  }
  return seen;
}

// --- Pages -------------------------------------------------------------------

const layout = readFileSync(join(SRC, 'pages', '_layout.html'), 'utf8');
const pages = new Map(); // file → bytes
for (const page of PAGES) {
  const body = readFileSync(join(SRC, 'pages', page.file), 'utf8').trimEnd();
  const preload = [...imports(page.script)].sort(bytewise);
  if (page.wasm) preload.push('psephos_wasm.js');
  const head = [
    `<link rel="stylesheet" href="/assets/app.css" integrity="${sri(assets.get('app.css'))}">`,
    page.wasm ? `<meta name="psephos-wasm" content="/assets/psephos_wasm_bg.wasm" data-integrity="${sri(assets.get('psephos_wasm_bg.wasm'))}">` : null,
    ...preload.map((name) => `<link rel="modulepreload" href="/assets/${name}" integrity="${sri(assets.get(name))}">`),
    `<script type="module" src="/assets/${page.script}" integrity="${sri(assets.get(page.script))}"></script>`,
  ].filter(Boolean);
  const html = layout
    .replace('{{title_key}}', page.title)
    .replace('{{main_class}}', page.main || '')
    .replace('{{assets}}', head.join('\n'))
    .replace('{{body}}', body);
  pages.set(page.file, Buffer.from(html, 'utf8'));
}

// --- The build's files, manifest and booth hash -------------------------------

const files = []; // { file, url, bytes }
for (const page of PAGES) files.push({ file: page.file, url: page.url, bytes: pages.get(page.file) });
for (const [name, bytes] of assets) files.push({ file: `assets/${name}`, url: `/assets/${name}`, bytes });
files.sort((a, b) => bytewise(a.file, b.file));

const lines = files.map((f) => `${sha256(f.bytes)}  ${f.file}\n`).join('');
const boothHash = sha256(Buffer.from(lines, 'utf8'));
const manifest = {
  format: 'psephos/booth/v1',
  booth_hash: boothHash,
  content_security_policy: CONTENT_SECURITY_POLICY,
  toolchain: TOOLCHAIN,
  files: files.map((f) => ({ file: f.file, url: f.url, content_type: contentType(f.file), size: f.bytes.length, sha256: sha256(f.bytes), sri: sri(f.bytes) })),
};
const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');

rmSync(OUT, { recursive: true, force: true });
mkdirSync(join(OUT, 'assets'), { recursive: true });
for (const f of files) writeFileSync(join(OUT, f.file), f.bytes);
writeFileSync(join(OUT, 'assets', 'manifest.json'), manifestBytes);

// --- The server's embedding ---------------------------------------------------

const dist = relative(dirname(ASSETS_RS), OUT).split('\\').join('/');
const rust = (s) => JSON.stringify(s); // a JSON string is a valid Rust string literal here (ASCII, no `{`)
const served = [...files, { file: 'assets/manifest.json', url: '/assets/manifest.json', bytes: manifestBytes }];
const constName = (file) => file.replace(/[^A-Za-z0-9]/g, '_').toUpperCase();
const entries = served
  .map(
    (f) =>
      `/// \`${f.file}\`\nconst ${constName(f.file)}: Asset = Asset {\n    bytes: include_bytes!(${rust(`${dist}/${f.file}`)}),\n    content_type: ${rust(contentType(f.file))},\n    sri: ${rust(sri(f.bytes))},\n};\n`,
  )
  .join('\n');
const pageRoutes = PAGES.map((page) => `        ${page.routes.map(rust).join(' | ')} => Some(${constName(page.file)}),`).join('\n');
const assetRoutes = served
  .filter((f) => f.file.startsWith('assets/'))
  .map((f) => `        ${rust(f.url)} => Some(${constName(f.file)}),`)
  .join('\n');
const prefixRoutes = PAGES.filter((page) => page.prefix)
  .map((page) => `        p if p.starts_with(${rust(page.prefix)}) => Some(${constName(page.file)}),`)
  .join('\n');
const list = served.map((f) => `    (${rust(f.url)}, ${constName(f.file)}),`).join('\n');

const assetsRs = `//! The booth build (\`web/dist/\`: the voting booth, receipt check, results
//! and administration pages, their scripts, styles and the WebAssembly
//! client), embedded in the binary so that \`psephos serve\` needs nothing
//! else. See spec/api.md §6 for the build, its manifest and the booth hash.
//!
//! GENERATED by \`scripts/build-web.sh\` (web/build.mjs) from the same build
//! as \`web/dist/\`: do not edit; rebuild. CI rebuilds both and fails if a
//! byte differs.

/// One embedded file.
#[derive(Clone, Copy, Debug)]
pub struct Asset {
    /// Its bytes.
    pub bytes: &'static [u8],
    /// Its media type.
    pub content_type: &'static str,
    /// Its subresource-integrity hash (\`sha384-…\`), the same the pages use.
    pub sri: &'static str,
}

/// SHA-256 (hex) of the booth build: of the lines \`<sha256>  <file>\\n\` of
/// every file of \`web/dist/\` but \`assets/manifest.json\`, in bytewise order
/// of file name. A manifest's \`booth_hash\` names the build it was published
/// with; the receipt page shows both.
pub const BOOTH_HASH: &str = ${rust(boothHash)};

/// The Content-Security-Policy for every page and asset: scripts, styles,
/// connections and everything else only from this origin (WebAssembly
/// compiled from it), no inline script or style, no framing, no plugins.
pub const CONTENT_SECURITY_POLICY: &str = ${rust(CONTENT_SECURITY_POLICY)};

${entries}
/// Every embedded file with the path it is served at.
pub const ASSETS: &[(&str, Asset)] = &[
${list}
];

/// The file served at \`path\` (a request path without query): the pages at
/// \`/\`, \`/vote\`, \`/receipt\`, \`/results\` (and \`/results/<election id>\`),
/// \`/admin\`; everything else under \`/assets/\`.
pub fn asset(path: &str) -> Option<Asset> {
    match path {
${pageRoutes}
${assetRoutes}
${prefixRoutes}
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_and_asset_is_served() {
        for (path, asset) in ASSETS {
            let served = asset_bytes(path);
            assert_eq!(served, Some(asset.bytes), "{path}");
        }
        assert!(asset("/results/some-election").is_some());
        assert!(asset("/nothing").is_none());
        assert!(asset("/api/elections").is_none());
    }

    fn asset_bytes(path: &str) -> Option<&'static [u8]> {
        asset(path).map(|a| a.bytes)
    }
}
`;
writeFileSync(ASSETS_RS, assetsRs);

console.error(`build.mjs: ${files.length} files, booth hash ${boothHash}`);
