#!/usr/bin/env bash
# The browser client's tests: installs what they need (Debian's chromium,
# node and npm, the npm packages playwright-core and axe-core), builds what
# they test, runs them, and ends with the line "N passed, M failed".
#
#   scripts/test-web.sh
#
# Steps:
#   1. scripts/build-web.sh --check: the checked-in booth (web/dist/,
#      crates/server/src/assets.rs) is exactly what the sources build
#      (counted as one test);
#   2. builds: the WebAssembly client with the `seeded` feature (its own
#      target directory, target/wasm-seeded), the booth fixture
#      (crates/wasm/examples/booth_fixture.rs), and psephos, psephos-trustee
#      and psephos-verify;
#   3. node --test, one file at a time (the performance figures need the
#      machine to themselves):
#      - tests/browser/i18n.test.mjs   the English and French catalogues
#        match and hold every key the pages use;
#      - tests/browser/wasm.test.mjs   the WebAssembly build agrees with the
#        native one on crates/wasm/tests/vectors/client.json;
#      - tests/browser/pages.test.mjs  the pages in Chromium against a
#        stand-in server: flows, bad input, axe-core, French, performance;
#      - tests/browser/e2e.test.mjs    the whole election against the real
#        service, trustees and credential authority on the command line.
#
# Output (screenshots, figures.json, logs) goes to $PSEPHOS_TEST_OUT
# (default target/browser-tests). The exit status is 0 only if all passed.

set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
    PATH="$HOME/.cargo/bin:$PATH"
fi
export PATH

OUT="${PSEPHOS_TEST_OUT:-$ROOT/target/browser-tests}"
export PSEPHOS_TEST_OUT="$OUT"
rm -rf "$OUT"
mkdir -p "$OUT"

note() {
    printf 'test-web: %s\n' "$*" >&2
}

SUDO=()
if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
fi
apt_updated=0
apt_install() {
    note "installing $* (apt)"
    if [[ $apt_updated -eq 0 ]]; then
        "${SUDO[@]}" apt-get update -qq
        apt_updated=1
    fi
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

passed=0
failed=0
failures=()

# step NAME COMMAND...: a build or check step; a failure counts as one.
step() {
    local name="$1"
    shift
    note "$name"
    if "$@" >"$OUT/step.log" 2>&1; then
        return 0
    fi
    cat "$OUT/step.log" >&2
    failed=$((failed + 1))
    failures+=("$name")
    return 1
}

# --- 1. Tools ----------------------------------------------------------------------

export PSEPHOS_CHROMIUM="${PSEPHOS_CHROMIUM:-/usr/bin/chromium}"
[[ -x "$PSEPHOS_CHROMIUM" ]] || apt_install chromium
command -v node >/dev/null 2>&1 || apt_install nodejs
command -v npm >/dev/null 2>&1 || apt_install npm
# npm ci only when the installed packages are not the locked ones.
installed() {
    node -e '
        const lock = require("./package-lock.json").packages;
        for (const name of ["playwright-core", "axe-core"]) {
            const want = lock[`node_modules/${name}`].version;
            if (require(`./node_modules/${name}/package.json`).version !== want) process.exit(1);
        }' 2>/dev/null
}
if ! installed; then
    step "npm ci" npm ci --no-audit --no-fund || true
fi

# --- 2. Builds -----------------------------------------------------------------------

# .ci/run checks the build itself just before and says so (the check
# rebuilds the WebAssembly client: minutes on two cores).
if [[ "${PSEPHOS_BUILD_CHECKED:-}" == 1 ]]; then
    note "the booth build was checked by the caller (PSEPHOS_BUILD_CHECKED=1)"
elif step "the checked-in booth is what the sources build (scripts/build-web.sh --check)" \
    bash scripts/build-web.sh --check; then
    passed=$((passed + 1))
fi

SEEDED_DIR="$OUT/seeded-wasm"
seeded_build() {
    PSEPHOS_WASM_TARGET_DIR="$ROOT/target/wasm-seeded" bash scripts/build-wasm.sh psephos-wasm --features seeded &&
        "${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen" --target web --no-typescript --out-dir "$SEEDED_DIR" \
            "$ROOT/target/wasm-seeded/wasm32-unknown-unknown/release/psephos_wasm.wasm"
}
if step "build the seeded WebAssembly client" seeded_build; then
    export PSEPHOS_SEEDED_WASM_DIR="$SEEDED_DIR"
fi

step "build the booth fixture" cargo run -q -p psephos-wasm --example booth_fixture -- "$OUT/fixture.json" &&
    export PSEPHOS_BOOTH_FIXTURE="$OUT/fixture.json"
step "build psephos, psephos-trustee, psephos-verify" cargo build -q -p psephos -p psephos-trustee -p psephos-verifier

# --- 3. Tests --------------------------------------------------------------------------

files=(tests/browser/i18n.test.mjs tests/browser/wasm.test.mjs)
if [[ -n "${PSEPHOS_BOOTH_FIXTURE:-}" ]]; then
    files+=(tests/browser/pages.test.mjs)
else
    failures+=("pages.test.mjs not run: no booth fixture")
    failed=$((failed + 1))
fi
files+=(tests/browser/e2e.test.mjs)

node --test --test-concurrency=1 --test-reporter=tap "${files[@]}" 2>&1 | tee "$OUT/node-test.log"
read -r node_pass node_fail < <(
    awk '/^# pass / { p = $3 } /^# fail / { f = $3 } END { printf "%d %d\n", p, f }' "$OUT/node-test.log"
)
if [[ $node_pass -eq 0 && $node_fail -eq 0 ]]; then
    failures+=("node --test reported nothing (see $OUT/node-test.log)")
    node_fail=1
fi
passed=$((passed + node_pass))
failed=$((failed + node_fail))

if [[ -f "$OUT/figures.json" ]]; then
    note "booth figures ($OUT/figures.json):"
    cat "$OUT/figures.json" >&2
fi
note "screenshots in $OUT/screenshots"
for failure in "${failures[@]+"${failures[@]}"}"; do
    printf 'FAILED: %s\n' "$failure"
done
printf '%d passed, %d failed\n' "$passed" "$failed"
[[ $failed -eq 0 ]]
