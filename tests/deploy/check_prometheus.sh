#!/usr/bin/env bash
# Checks deploy/prometheus with Debian's promtool (package `prometheus`): both scrape
# configurations, the rules, and the rules' unit tests (rules_test.yml).
#
# Debian's Prometheus is built without Kubernetes service discovery, so its promtool refuses
# `kubernetes_sd_configs`; the Kubernetes configuration is checked with that block swapped for an
# equivalent static one (everything else — relabelling, rule files — is checked as written).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$root/deploy/prometheus
promtool=$(command -v promtool || true)
if [[ -z $promtool ]]; then
  echo "promtool is not installed: run deploy/install-deps.sh (Debian package prometheus)" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$promtool" check config "$dir/prometheus-local.yml"
"$promtool" check rules "$dir/rules.yml"

cp "$dir/rules.yml" "$tmp/rules.yml"
if "$promtool" check config "$dir/prometheus-kubernetes.yml" >"$tmp/k8s.out" 2>&1; then
  cat "$tmp/k8s.out"
elif grep -q "field kubernetes_sd_configs not found" "$tmp/k8s.out"; then
  echo "promtool has no Kubernetes discovery (Debian build): checking the rest of prometheus-kubernetes.yml"
  python3 - "$dir/prometheus-kubernetes.yml" "$tmp/prometheus-kubernetes.yml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
static = "    static_configs:\n      - targets: ['pod-ip:50251']\n"
swapped, n = re.subn(r"    kubernetes_sd_configs:\n(?:      .*\n)+", static, text)
if n != 1:
    sys.exit("prometheus-kubernetes.yml: no kubernetes_sd_configs block to swap")
open(sys.argv[2], "w").write(swapped)
PY
  "$promtool" check config "$tmp/prometheus-kubernetes.yml"
else
  cat "$tmp/k8s.out" >&2
  exit 1
fi

(cd "$dir" && "$promtool" test rules rules_test.yml)
