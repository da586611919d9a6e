#!/usr/bin/env bash
# Build a workspace package for wasm32-unknown-unknown.
#
#   scripts/build-wasm.sh [PACKAGE] [EXTRA CARGO ARGS...]
#
# PACKAGE defaults to psephos-crypto. Extra arguments go to `cargo build`
# unchanged (e.g. `--features ...`). The script is idempotent: it installs
# Debian's `rustc-web` and `rust-web-src` only when they are missing, and
# cargo rebuilds only what changed.
#
# Why this is unusual (see ../shared/notes/wasm.md in the project notes):
# `rustup target add wasm32-unknown-unknown` cannot download anything on our
# machines, so the standard library is built from source with `-Z build-std`.
# The rustc doing that must be Debian's (rustc-web, which matches the library
# source in rust-web-src); rustup's cargo drives it, and rustup's rust-lld
# links. The wasm artefacts live in their own target directory so the host
# build (rustup's rustc) and this one never invalidate each other.
#
# Reproducible output (the booth in web/dist is checked in and CI rebuilds
# it byte for byte): the source paths compiled into the module (panic
# locations) are remapped to fixed prefixes (the repository to /psephos,
# cargo's registry to /cargo/registry/src, the std source to /rust/library),
# and the release profile is overridden for the browser: no debug info, LTO
# and one codegen unit (smaller and faster), panic=abort. A caller's
# CARGO_PROFILE_RELEASE_* settings win over these defaults.
#
# Environment:
#   PSEPHOS_WASM_TARGET_DIR  target directory (default: <repo>/target/wasm)
#   PSEPHOS_WASM_PROFILE     cargo profile (default: release)
#   PSEPHOS_WASM_RUSTFLAGS   extra rustc flags for the wasm32 target

set -euo pipefail

readonly TARGET=wasm32-unknown-unknown

die() {
    printf 'build-wasm: error: %s\n' "$1" >&2
    shift
    local line
    for line in "$@"; do
        printf '  %s\n' "$line" >&2
    done
    exit 1
}

note() {
    printf 'build-wasm: %s\n' "$*" >&2
}

case "${1:-}" in
    -h | --help)
        sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"
        exit 0
        ;;
esac

PACKAGE="${1:-psephos-crypto}"
if [[ $# -gt 0 ]]; then
    shift
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# rustup's cargo may not be on PATH in a non-login shell.
if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
    PATH="$HOME/.cargo/bin:$PATH"
fi

# --- 1. Debian's wasm-capable rustc and the matching std source -------------

packages_installed() {
    local pkg
    for pkg in rustc-web rust-web-src; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            return 1
        fi
    done
}

if ! command -v dpkg-query >/dev/null 2>&1; then
    die "dpkg-query not found: this script needs a Debian system with the rustc-web and rust-web-src packages."
fi

if ! packages_installed; then
    SUDO=()
    if [[ $(id -u) -ne 0 ]]; then
        if command -v sudo >/dev/null 2>&1; then
            SUDO=(sudo)
        else
            die "rustc-web and rust-web-src are not installed, and installing them needs root." \
                "Run as root, or install them first:" \
                "  apt-get update && apt-get install -y rustc-web rust-web-src"
        fi
    fi
    note "installing rustc-web and rust-web-src (Debian's wasm-capable rustc and its std source)"
    "${SUDO[@]}" apt-get update
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y rustc-web rust-web-src
    packages_installed || die "apt-get did not install rustc-web and rust-web-src."
fi

RUSTC_DEB="$(dpkg -L rustc-web | grep -m1 '/bin/rustc$' || true)"
STD_SRC="$(dpkg -L rust-web-src | grep -m1 '/library$' || true)"

[[ -n "$RUSTC_DEB" && -x "$RUSTC_DEB" ]] ||
    die "the rustc-web package does not provide an executable .../bin/rustc." \
        "Reinstall it: apt-get install --reinstall rustc-web"
[[ -n "$STD_SRC" && -f "$STD_SRC/Cargo.toml" && -d "$STD_SRC/std" ]] ||
    die "the rust-web-src package does not provide the standard library source (.../library)." \
        "Reinstall it: apt-get install --reinstall rust-web-src"
"$RUSTC_DEB" --print target-list | grep -qx "$TARGET" ||
    die "$RUSTC_DEB does not know the $TARGET target."

# --- 2. rustup's cargo and rust-lld ------------------------------------------

command -v cargo >/dev/null 2>&1 ||
    die "cargo not found: install the rustup toolchain (cargo, clippy, rustfmt) first."
command -v rustc >/dev/null 2>&1 ||
    die "rustup's rustc not found: it is needed to locate rust-lld in its sysroot."

SYSROOT="$(rustc --print sysroot)"
HOST="$(rustc -vV | sed -n 's/^host: //p')"
LLD="$SYSROOT/lib/rustlib/$HOST/bin/rust-lld"
[[ -x "$LLD" ]] ||
    die "rust-lld not found at $LLD." \
        "It ships with every rustup toolchain; check that 'rustc' is rustup's, not Debian's."

# --- 3. Build ------------------------------------------------------------------

WASM_TARGET_DIR="${PSEPHOS_WASM_TARGET_DIR:-$ROOT/target/wasm}"
PROFILE="${PSEPHOS_WASM_PROFILE:-release}"

note "package:   $PACKAGE"
note "rustc:     $RUSTC_DEB ($("$RUSTC_DEB" --version))"
note "std src:   $STD_SRC"
note "linker:    $LLD"
note "target:    $WASM_TARGET_DIR"

CARGO_HOME_DIR="${CARGO_HOME:-$HOME/.cargo}"
RUSTFLAGS_WASM=(
    "--remap-path-prefix=$ROOT=/psephos"
    "--remap-path-prefix=$CARGO_HOME_DIR/registry/src=/cargo/registry/src"
    "--remap-path-prefix=$CARGO_HOME_DIR/git/checkouts=/cargo/git/checkouts"
    "--remap-path-prefix=$STD_SRC=/rust/library"
)
if [[ -n "${PSEPHOS_WASM_RUSTFLAGS:-}" ]]; then
    read -r -a extra_flags <<<"$PSEPHOS_WASM_RUSTFLAGS"
    RUSTFLAGS_WASM+=("${extra_flags[@]}")
fi
# cargo reads CARGO_ENCODED_RUSTFLAGS as flags separated by 0x1f, which keeps
# paths with spaces intact.
ENCODED_RUSTFLAGS="$(IFS=$'\x1f'; printf '%s' "${RUSTFLAGS_WASM[*]}")"

start=$SECONDS
# CARGO_BUILD_TARGET/RUSTC_WRAPPER/RUSTFLAGS from the caller's environment
# would fight the settings below, so they are cleared for this one command.
env -u CARGO_BUILD_TARGET -u RUSTC_WRAPPER -u RUSTC_WORKSPACE_WRAPPER \
    -u RUSTFLAGS -u CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS \
    __CARGO_TESTS_ONLY_SRC_ROOT="$STD_SRC" \
    RUSTC="$RUSTC_DEB" \
    RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_DIR="$WASM_TARGET_DIR" \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$LLD" \
    CARGO_ENCODED_RUSTFLAGS="$ENCODED_RUSTFLAGS" \
    CARGO_PROFILE_RELEASE_DEBUG="${CARGO_PROFILE_RELEASE_DEBUG:-false}" \
    CARGO_PROFILE_RELEASE_LTO="${CARGO_PROFILE_RELEASE_LTO:-true}" \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS="${CARGO_PROFILE_RELEASE_CODEGEN_UNITS:-1}" \
    CARGO_PROFILE_RELEASE_PANIC="${CARGO_PROFILE_RELEASE_PANIC:-abort}" \
    CARGO_PROFILE_RELEASE_INCREMENTAL=false \
    cargo build --profile "$PROFILE" --target "$TARGET" \
    -Z build-std=std,panic_abort -p "$PACKAGE" "$@"

case "$PROFILE" in
    dev) out_dir=debug ;;
    *) out_dir="$PROFILE" ;;
esac
note "built $PACKAGE for $TARGET in $((SECONDS - start)) s; artefacts in $WASM_TARGET_DIR/$TARGET/$out_dir"
