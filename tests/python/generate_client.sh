#!/usr/bin/env bash
# Generates a Python client for every contract in proto/ (plus grpc.health.v1, server reflection
# and google.rpc error details) into OUT_DIR, with Debian's protoc and gRPC Python plugin.
#   tests/python/generate_client.sh OUT_DIR
# The standard gRPC protos are generated as the modules grpc_health_v1 and grpc_reflection_v1alpha
# (the wire names stay grpc.health.v1 / grpc.reflection.v1alpha), because a generated package named
# "grpc" would be shadowed by the installed grpc library.
set -euo pipefail
out=${1:?usage: generate_client.sh OUT_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
googleapis=/usr/share/gocode/src/github.com/gogo/googleapis
grpcproto=/usr/share/grpc-proto
mkdir -p "$out/.std/grpc_health_v1" "$out/.std/grpc_reflection_v1alpha"
cp "$grpcproto/grpc/health/v1/health.proto" "$out/.std/grpc_health_v1/"
cp "$grpcproto/grpc/reflection/v1alpha/reflection.proto" "$out/.std/grpc_reflection_v1alpha/"
cd "$root/proto"
protoc -I . -I "$googleapis" -I "$out/.std" \
  --python_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin \
  $(find unemployment -name '*.proto' | sort) \
  grpc_health_v1/health.proto grpc_reflection_v1alpha/reflection.proto \
  google/rpc/status.proto google/rpc/error_details.proto google/rpc/code.proto
