#!/usr/bin/env bash
# Plain protoc, with no command-line package mappings, generates Go (protoc-gen-go and
# protoc-gen-go-grpc from Debian), Java and C# from every contract: the language options in the
# .proto files name the packages. The Go files land under their go_package import path.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/go" "$out/java" "$out/csharp"
cd "$root/proto"
protoc -I . --go_out="$out/go" --go-grpc_out="$out/go" --java_out="$out/java" \
  --csharp_out="$out/csharp" $(find unemployment -name '*.proto' | sort)
test -f "$out/go/unemployment.hrss.gov.cn/api/gen/go/unemployment/gateway/v1/gateway_service_grpc.pb.go"
test -f "$out/java/cn/gov/hrss/unemployment/gateway/v1/SubmitApplicationRequest.java"
test -f "$out/csharp/GatewayService.cs"
grep -q "namespace Unemployment.Gateway.V1" "$out/csharp/GatewayService.cs"
echo "protoc generated $(find "$out/go" -name '*.go' | wc -l) Go, $(find "$out/java" -name '*.java' | wc -l) Java and $(find "$out/csharp" -name '*.cs' | wc -l) C# files without mappings"
