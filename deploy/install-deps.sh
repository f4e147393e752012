#!/usr/bin/env bash
# Installs what this project needs on Debian 12 (bookworm): the compiler toolchain, gRPC,
# Protocol Buffers, Abseil, SQLite, Catch2, the google.rpc protos, Python gRPC for client tests,
# clang with libFuzzer (tests/fuzz), buf (npm) for proto lint, and what the client examples of
# examples/clients need: Go with Debian's gRPC and protobuf packages (GOPATH mode, nothing downloaded)
# and the pinned npm packages of the TypeScript example. Safe to run again: it installs only what is missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config git ca-certificates
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libsqlite3-dev sqlite3 catch2 libssl-dev
  prometheus-cpp-dev prometheus
  golang-github-gogo-googleapis-dev grpc-proto
  python3 python3-grpcio python3-protobuf python3-grpc-tools python3-yaml python3-cryptography
  openssl
  clang libclang-rt-14-dev
  golang-go protoc-gen-go protoc-gen-go-grpc golang-google-grpc-dev golang-google-protobuf-dev
  golang-github-golang-protobuf-1-5-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm (for buf) may come from Debian or from another Node.js distribution that bundles
# npm; install Debian's only when no npm is on the PATH, so the two never conflict.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# buf (proto lint and breaking-change checks), pinned in tests/lint/package-lock.json.
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ ! -x "$root/tests/lint/node_modules/.bin/buf" ]]; then
  echo "installing buf from the npm registry"
  npm ci --prefix "$root/tests/lint" --no-audit --no-fund --loglevel=error >/dev/null
fi
# The TypeScript client example's packages (@grpc/grpc-js, @grpc/proto-loader, typescript), pinned in
# examples/clients/node/package-lock.json.
if [[ ! -d "$root/examples/clients/node/node_modules/@grpc/grpc-js" ]]; then
  echo "installing the TypeScript client example's packages from the npm registry"
  npm ci --prefix "$root/examples/clients/node" --no-audit --no-fund --loglevel=error >/dev/null
fi
