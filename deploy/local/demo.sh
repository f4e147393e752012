#!/usr/bin/env bash
# Generates the Python client from proto/ and runs deploy/local/demo.py against a running suite.
#   deploy/local/demo.sh GATEWAY_ADDR REGISTRATION_ADDR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
client=$(mktemp -d)
trap 'rm -rf "$client"' EXIT
"$root/tests/python/generate_client.sh" "$client"
echo "demo: a Python client generated from proto/ submits, reviews and reads the feed"
PYTHONPATH=$client /usr/bin/python3 "$root/deploy/local/demo.py" "$@"
