#!/usr/bin/env bash
# Build the booth: the WebAssembly voter client and the pages, into web/dist/
# (checked in) and crates/server/src/assets.rs (which embeds web/dist/).
#
#   scripts/build-web.sh           build and write web/dist/ and assets.rs
#   scripts/build-web.sh --check   build into a temporary directory and fail
#                                  (exit 1) if any byte differs from the
#                                  checked-in web/dist/ or assets.rs
#
# Steps: scripts/build-wasm.sh psephos-wasm (Debian's rustc-web, -Z
# build-std, remapped paths); wasm-bindgen --target web (the CLI pinned to
# the crate's version, installed with cargo when missing); then node
# web/build.mjs, which copies the assets, writes the pages with
# subresource-integrity hashes, the manifest with the booth hash
# (spec/api.md §6) and assets.rs.
#
# The output is reproducible: the same sources and toolchain (rustc-web and
# wasm-bindgen, as recorded in web/dist/assets/manifest.json) give the same
# bytes. wasm-opt is deliberately not used: Debian's binaryen (108) breaks
# the growable externref table wasm-bindgen 0.2.100 relies on, and saves only
# 5% of the gzipped size.

set -euo pipefail

readonly WASM_BINDGEN_VERSION=0.2.100

die() {
    printf 'build-web: error: %s\n' "$*" >&2
    exit 2
}

note() {
    printf 'build-web: %s\n' "$*" >&2
}

CHECK=0
case "${1:-}" in
    -h | --help)
        sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"
        exit 0
        ;;
    --check) CHECK=1 ;;
    "") ;;
    *) die "unknown argument $1 (try --help)" ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
    PATH="$HOME/.cargo/bin:$PATH"
fi
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"

SUDO=()
if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
fi

apt_install() {
    note "installing $* (apt)"
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- 1. The WebAssembly module ------------------------------------------------

bash scripts/build-wasm.sh psephos-wasm
WASM="${PSEPHOS_WASM_TARGET_DIR:-$ROOT/target/wasm}/wasm32-unknown-unknown/release/psephos_wasm.wasm"
[[ -f "$WASM" ]] || die "the wasm build did not produce $WASM"

# --- 2. Tools: wasm-bindgen (pinned), node -------------------------------------

WASM_BINDGEN="$CARGO_BIN/wasm-bindgen"
if [[ ! -x "$WASM_BINDGEN" ]] || [[ "$("$WASM_BINDGEN" --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
    note "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked
fi

if ! command -v node >/dev/null 2>&1; then
    apt_install nodejs
fi

RUSTC_DEB="$(dpkg -L rustc-web | grep -m1 '/bin/rustc$')"
TOOLCHAIN="$(printf '{"rustc":"%s","wasm_bindgen":"%s"}' \
    "$("$RUSTC_DEB" --version)" "$("$WASM_BINDGEN" --version)")"

# --- 3. Bindings ----------------------------------------------------------------

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$WASM_BINDGEN" --target web --no-typescript --out-dir "$WORK/bindgen" "$WASM"

# --- 4. Pages, manifest, assets.rs ---------------------------------------------

if [[ $CHECK -eq 1 ]]; then
    # Same relative layout as the repository, so that assets.rs's
    # include_bytes! paths come out identical.
    mkdir -p "$WORK/out/web" "$WORK/out/crates/server/src"
    node web/build.mjs --wasm-dir "$WORK/bindgen" --out "$WORK/out/web/dist" \
        --assets-rs "$WORK/out/crates/server/src/assets.rs" --toolchain "$TOOLCHAIN"
    status=0
    diff -r "$WORK/out/web/dist" web/dist >&2 || status=1
    cmp "$WORK/out/crates/server/src/assets.rs" crates/server/src/assets.rs >&2 || status=1
    if [[ $status -ne 0 ]]; then
        note "FAILED: the checked-in web/dist/ or assets.rs differs from a fresh build (run scripts/build-web.sh and commit)"
        exit 1
    fi
    note "web/dist/ and assets.rs are exactly what the sources build"
else
    node web/build.mjs --wasm-dir "$WORK/bindgen" --out web/dist \
        --assets-rs crates/server/src/assets.rs --toolchain "$TOOLCHAIN"
    note "wrote web/dist/ and crates/server/src/assets.rs"
fi
