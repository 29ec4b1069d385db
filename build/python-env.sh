#!/usr/bin/env bash
# Prints the path of a Python interpreter with numpy and tensorstore: the project's venv at
# .venv, created from the machine's pip index on first use. Safe to call from parallel tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
exec 9>"$root/.venv.lock"
flock 9
if ! "$venv/bin/python" -c 'import numpy, tensorstore' >/dev/null 2>&1; then
  echo "python-env: creating $venv with numpy and tensorstore..." >&2
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  if ! "$venv/bin/pip" install -q --disable-pip-version-check numpy tensorstore >"$root/.venv-install.log" 2>&1; then
    cat "$root/.venv-install.log" >&2
    echo "error: could not install numpy and tensorstore into $venv" >&2
    exit 1
  fi
fi
echo "$venv/bin/python"
