#!/usr/bin/env bash
# THE test command: installs what the tests need beyond Rust, then runs every test.
#
# The OpenAPI contract test (crates/cli/tests/openapi_contract.rs) runs schemathesis against
# the real binary. It is installed here, pinned, into a virtual environment in target/venv
# (ignored by git, like the rest of target/), and installed again only when
# scripts/requirements-schemathesis.txt changes. Needs python3 with venv; arguments go to
# `cargo test` (e.g. `scripts/test.sh -p switchboard --test openapi_contract`).
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

cargo test --workspace --locked "$@"
