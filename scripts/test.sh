#!/usr/bin/env bash
# THE test command: installs what the tests need beyond Rust, then runs every test.
#
# - schemathesis: the OpenAPI contract test (crates/cli/tests/openapi_contract.rs) runs it
#   against the real binary. It is installed here, pinned, into a virtual environment in
#   target/venv (ignored by git, like the rest of target/), and installed again only when
#   scripts/requirements-schemathesis.txt changes. Needs python3 with venv.
# - the web application (web/): its npm packages from web/package-lock.json (`npm ci`), and
#   Debian's chromium for the browser tests (installed with apt-get when /usr/bin/chromium is
#   missing; that needs root). Needs Node.js 20 or later with npm.
# - PostgreSQL: the cluster store's tests start a real PostgreSQL server themselves
#   (crates/pgtest: initdb and postgres in a temporary directory, as the `postgres` user when
#   run as root). Debian's postgresql package is installed with apt-get when its server
#   programs are missing (that needs root).
#
# Arguments go to `cargo test` and then only the Rust tests run (a focused run, e.g.
# `scripts/test.sh -p switchboard --test openapi_contract`); without arguments everything
# runs: the Rust tests, the web application's checks (API types generated from the binary,
# tsc against them, the built bundle matches the sources, prettier) and the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=scripts/requirements-schemathesis.txt
venv=target/venv
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null || [ ! -x "$venv/bin/st" ]; then
    echo "== installing schemathesis into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-deps --require-virtualenv -r "$requirements"
    cp "$requirements" "$venv/requirements.txt"
fi
"$venv/bin/st" --version

# Installs Debian package $1 (non-interactively; root only) unless test $2 already holds.
install_debian_package() {
    local package=$1 present=$2
    if eval "$present"; then return; fi
    echo "== installing Debian's $package for the tests"
    if [ "$(id -u)" -ne 0 ]; then
        echo "test.sh: $package is missing; install it: sudo apt-get install $package" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "$package" >/dev/null \
        || { apt-get update >/dev/null && apt-get install -y --no-install-recommends "$package" >/dev/null; }
    eval "$present" || { echo "test.sh: installing $package failed" >&2; exit 1; }
}
install_debian_package postgresql 'ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1'

if [ $# -gt 0 ]; then
    cargo test --workspace --locked "$@"
    exit
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "test.sh: the web application's checks need Node.js 20+ with npm; install them" >&2
    exit 1
fi
install_debian_package chromium '[ -x /usr/bin/chromium ]'
echo "== npm ci (web/)"
npm ci --prefix web --no-audit --no-fund

cargo test --workspace --locked
# The browser tests and the type generator run the debug binary the tests just built.
cargo build --locked -p switchboard

echo "== web: generated types, built bundle, tsc, prettier"
npm --prefix web run check
echo "== web: browser tests"
npm --prefix web test
