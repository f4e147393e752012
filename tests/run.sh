#!/usr/bin/env bash
# The test command: installs what a fresh Debian 12 machine lacks, builds every target with the
# given preset (default: release, the build the local runner uses), runs all tests through CTest
# (Catch2 suites, end-to-end tests with real processes, Python client tests, buf lint), then the
# container test (image build, `podman kube play` of the Kubernetes manifests, a submission from
# outside the pods, backup and restore; about 15 minutes, needs root).
#   tests/run.sh [debug|release|asan]
# UE_SKIP_CONTAINER_TEST=1 leaves the container test out. The fuzz preset (clang) is built too, for
# the short fuzz run of CTest (fuzz_smoke, 16 targets, 12 s each: about 4 minutes); UE_SKIP_FUZZ=1
# leaves it out.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
deploy/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
# The libFuzzer targets (clang; only the libraries they need) for the fuzz_smoke test (label fuzz).
# UE_SKIP_FUZZ=1 leaves them out; fuzz_smoke then reports itself skipped.
if [[ ${UE_SKIP_FUZZ:-0} != 1 ]]; then
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j "$(nproc)"
fi
ctest --preset "$preset" -j "$(nproc)"
if [[ ${UE_SKIP_CONTAINER_TEST:-0} == 1 ]]; then
  echo "container test skipped (UE_SKIP_CONTAINER_TEST=1)"
elif [[ $(id -u) -ne 0 ]]; then
  echo "container test skipped: it needs root (rootful podman, debootstrap); run tests/container/run.sh as root"
else
  tests/container/run.sh
fi
