#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. cargo test: unit tests and known-answer vectors, the corpus replay of
#      the fuzz targets, and the end-to-end tests against the real binary;
#   2. tests/schemathesis: schemathesis against the running binary with its
#      own OpenAPI document, plus the protocol edges it cannot generate;
#   3. tests/interop: cross-verification against the real Django 5.2 +
#      djangorestframework-simplejwt 5.5.1;
#   4. tests/browser: the learner's page (GET /) clicked through in headless
#      Chromium, installed with apt-get if missing.
# Steps 2 and 3 install their pinned Python packages into virtual
# environments under target/ and fail, never skip, if they cannot.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test
scripts/schemathesis.sh
scripts/interop.sh
scripts/browser-test.sh
