#!/usr/bin/env bash
# The test command: installs what a fresh Debian 12 machine lacks, builds every target with the
# given preset (default: release, the build the local runner uses) and runs all tests through
# CTest (Catch2 suites, integration tests with real processes, Python client tests, buf lint).
#   tests/run.sh [debug|release|asan]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
deploy/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
ctest --preset "$preset" -j "$(nproc)"
