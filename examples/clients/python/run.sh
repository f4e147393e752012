#!/usr/bin/env bash
# Generates the Python stubs from proto/ (Debian's protoc and python3-grpcio) and runs submit.py.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${UE_EXAMPLE_OUT:-$here/../../../build/examples}/python
"$here/../../../tests/python/generate_client.sh" "$out"
PYTHONPATH=$out exec /usr/bin/python3 "$here/submit.py"
