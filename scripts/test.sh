#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. cargo test: unit tests and known-answer vectors, the corpus replay of
#      the fuzz targets, and the end-to-end tests against the real binary;
#   2. tests/interop: cross-verification against the real Django 5.2 +
#      djangorestframework-simplejwt 5.5.1, installed into a venv it makes.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test
scripts/interop.sh
