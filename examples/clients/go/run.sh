#!/usr/bin/env bash
# Generates the Go stubs from proto/ (Debian's protoc-gen-go and protoc-gen-go-grpc), builds main.go
# against Debian's Go packages (golang-google-grpc-dev, golang-google-protobuf-dev under
# /usr/share/gocode; GOPATH mode, nothing downloaded) and runs it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=$(mkdir -p "${UE_EXAMPLE_OUT:-$root/build/examples}/go" && cd "${UE_EXAMPLE_OUT:-$root/build/examples}/go" && pwd)
mkdir -p "$out/src"
(cd "$root/proto" && protoc -I . --go_out="$out/src" --go-grpc_out="$out/src" \
  $(find unemployment -name '*.proto' | sort))
export GOPATH="$out:/usr/share/gocode" GO111MODULE=off GOFLAGS= GOCACHE="$out/.cache" GOPROXY=off
go build -o "$out/submit" "$here/main.go"
exec "$out/submit"
