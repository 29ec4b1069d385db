#!/usr/bin/env bash
# Prints the path of a Python interpreter with zarr-python 2 (Debian's python3-zarr under
# /usr/bin/python3), installing the package first when it is missing and we are root.
set -euo pipefail
if ! /usr/bin/python3 -c 'import zarr, numcodecs' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    exec 9>/tmp/tessera-apt.lock
    flock 9
    if ! /usr/bin/python3 -c 'import zarr, numcodecs' >/dev/null 2>&1; then
      echo "zarr-python.sh: installing python3-zarr..." >&2
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-zarr >&2
    fi
  else
    echo "error: zarr-python is missing: apt-get install python3-zarr (as root)" >&2
    exit 1
  fi
fi
echo /usr/bin/python3
