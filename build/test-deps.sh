#!/usr/bin/env bash
# Installs what the test suite's oracles need, once, before any test runs: Debian's python3-zarr
# (which also brings the system c-blosc, libblosc1, that the blosc FFM path binds) and the
# project's venv with numpy and tensorstore.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/build/zarr-python.sh" >/dev/null
"$root/build/python-env.sh" >/dev/null
