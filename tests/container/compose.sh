#!/usr/bin/env bash
# The compose file (deploy/compose/compose.yaml) under podman-compose, secured: every service
# SERVING on its health port, "security: on" in every log, the gateway refusing plain text, an
# application submitted from outside through the gateway (mutual TLS and a portal token) and found
# again, every service's first scheduled backup set in its backup volume, and /metrics of every
# service scraped once through its published 127.0.0.1 port.
#
#   tests/container/compose.sh IMAGE       (as root; run.sh calls it with UE_CONTAINER_COMPOSE=1
#                                           after the Kubernetes part, with the image it built)
#
# Keys: a development CA and per-service key folders (make-dev-ca.sh, make-k8s-secrets.sh --files)
# in a temporary folder, owned by 10001 as the services' uid needs. Tears the project down (volumes
# included) at the end, also on failure. Uses run.sh's containers.conf when CONTAINERS_CONF is set.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
image=${1:?usage: tests/container/compose.sh IMAGE}
# Compose service names (as in the file) and their gRPC ports; the metrics' service label is the
# binary's name (person_index, not person-index).
services=(gateway registration verification tiering followup statistics person-index ministry-receiver
          notification-receiver)
declare -A port=([gateway]=50051 [registration]=50052 [verification]=50053 [tiering]=50054
                 [followup]=50055 [statistics]=50056 [person-index]=50057 [ministry-receiver]=50060
                 [notification-receiver]=50061)
work=$(mktemp -d /var/tmp/ue-compose-test.XXXXXX)
compose=(podman-compose -p unemployment -f deploy/compose/compose.yaml)
export UE_IMAGE=$image UE_KEYS_DIR=$work/keys

fail() { echo "FAILED (compose): $*" >&2; exit 1; }
down() {
  local rc=$?
  if ((rc != 0)); then
    for svc in "${services[@]}"; do
      echo "--- $svc"; podman logs --tail 15 "unemployment_${svc}_1" 2>&1 | sed 's/^/    /' || true
    done
  fi
  [[ ${UE_COMPOSE_KEEP:-0} == 1 ]] || timeout 180 "${compose[@]}" down -v >/dev/null 2>&1 || true
  [[ ${UE_COMPOSE_KEEP:-0} == 1 ]] || rm -rf "$work"
  exit "$rc"
}
trap down EXIT INT TERM

command -v podman-compose >/dev/null || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman-compose >/dev/null
}
# Leftovers of an interrupted run would be reused by "up" (with keys that no longer exist).
timeout 180 "${compose[@]}" down -v >/dev/null 2>&1 || true
deploy/security/make-dev-ca.sh "$work/ca" >/dev/null
deploy/security/make-k8s-secrets.sh --files "$work/ca" "$work/keys" >/dev/null
chown -R 10001:10001 "$work/keys"

timeout 600 "${compose[@]}" up -d >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "podman-compose up"; }
for svc in "${services[@]}"; do
  podman exec "unemployment_${svc}_1" ue_health_probe --wait=90s "127.0.0.1:$((port[$svc] + 100))" \
    >/dev/null || fail "$svc did not become SERVING within 90 s"
  # The log read whole first: `podman logs | grep -q` fails under pipefail when grep stops
  # reading early (SIGPIPE), which a longer log (the backup lines) makes likely.
  log=$(podman logs "unemployment_${svc}_1" 2>&1)
  grep -q "listening on .*security: on" <<<"$log" || fail "$svc does not run secured under compose"
done
echo "ok: compose: all ${#services[@]} services SERVING and secured"
if podman exec unemployment_registration_1 ue_health_probe --timeout=3s gateway:50051 >/dev/null 2>&1; then
  fail "the gateway answers in plain text under compose"
fi
podman exec unemployment_registration_1 ue_health_probe --tls_ca=/etc/unemployment/keys/ca.pem \
  --tls_cert=/etc/unemployment/keys/peer.pem --tls_key=/etc/unemployment/keys/peer.key gateway:50051 \
  >/dev/null || fail "the gateway is not reachable by name over mutual TLS under compose"
echo "ok: compose: services find each other by name over mutual TLS; plain text refused"
# Scheduled backups: every service took its first set at start into its own backup volume
# (<service>-backup at /var/lib/unemployment-backup, UE_BACKUP_DIR of the compose file).
for svc in "${services[@]}"; do
  set_name=
  for _ in $(seq 1 30); do
    set_name=$(podman exec "unemployment_${svc}_1" ls /var/lib/unemployment-backup 2>/dev/null \
      | grep -E "^${svc//-/_}-[0-9]{8}T[0-9]{6}Z\$" | tail -1 || true)
    [[ -n $set_name ]] && break
    sleep 1
  done
  [[ -n $set_name ]] || fail "$svc took no scheduled backup set into its backup volume"
  podman exec "unemployment_${svc}_1" sh -c "ls /var/lib/unemployment-backup/$set_name | grep -q ." \
    || fail "$svc's backup set $set_name is empty"
done
echo "ok: compose: every service took a scheduled backup set into its <service>-backup volume"
# An application from outside, through the published gateway port: client certificate and a
# portal token issued by the build tree's ue_issue_token (the image has none) with the CA's signing key.
mkdir -p "$work/client" "$work/tokens"
tests/python/generate_client.sh "$work/client" >/dev/null
issuer=${UE_BIN_DIR:-$root/build/release/services}/ops/ue_issue_token
[[ -x $issuer ]] || cmake --build --preset release --target ue_issue_token >/dev/null || fail "cannot build ue_issue_token"
"$issuer" "$work/ca/token-signing.key" province-portal compose-test province-portal '*' 2h \
  >"$work/tokens/portal" || fail "ue_issue_token"
UE_CHECK_CA=$work/ca UE_CHECK_TOKENS=$work/tokens PYTHONPATH=$work/client \
  /usr/bin/python3 tests/container/suite_check.py intake 127.0.0.1:50051 | sed 's/^/    /'
[[ ${PIPESTATUS[0]} == 0 ]] || fail "an application through the gateway under compose"
echo "ok: compose: an application through the gateway (index, registration), idempotent, status found"
for svc in "${services[@]}"; do
  m=$((port[$svc] + 200))
  /usr/bin/python3 - "$m" "${svc//-/_}" <<'PY' || fail "$svc: /metrics on 127.0.0.1:$m"
import sys, urllib.request
port, svc = sys.argv[1], sys.argv[2]
text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
assert f'process_resident_memory_bytes{{service="{svc}"}}' in text, text[:500]
PY
done
echo "ok: compose: /metrics of every service scraped on its published port"
