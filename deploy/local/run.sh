#!/usr/bin/env bash
# Runs the whole suite on this machine, on loopback, with each service's SQLite data under one
# folder. The first command of the README.
#
#   deploy/local/run.sh            install missing packages, build (release), start all seven
#                                  services and the two reference receivers,
#                                  wait until every health check answers SERVING (the line says
#                                  how many ms after start each service did), show the suite at
#                                  work, then keep running until Ctrl-C (which stops them all cleanly)
#   deploy/local/run.sh --detach   the same, but return once the suite is up (stop it with `stop`)
#   deploy/local/run.sh stop       stop a suite started with --detach
#   deploy/local/run.sh status     health of every service
#
# Environment: UE_LOCAL_DIR (data, logs and pid files; default var/local), UE_BASE_PORT (first
# port; default 50051, the services and the two reference receivers take nine consecutive ports,
# their plaintext health-only ports are 100 higher and their Prometheus metrics (/metrics,
# plaintext HTTP) 200 higher; scrape them with deploy/prometheus/prometheus-local.yml),
# UE_SKIP_BUILD=1 (use an existing build/release), UE_BIN_DIR (folder of the built services;
# default build/release/services), UE_SECURITY (on, the default: mutual TLS,
# tokens, data/security/policy and audit logs with a development CA made on first run in
# $UE_LOCAL_DIR/ca; off: plaintext and open, as before security existed), UE_BACKUP_INTERVAL
# and UE_BACKUP_KEEP (scheduled backups; default 1h and 8: every service copies all its databases,
# the audit log included, at start and then every interval into $UE_LOCAL_DIR/backup/<service>/,
# one folder per set, keeping the newest 8; deploy/README.md, Scheduled backups).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
state=${UE_LOCAL_DIR:-$root/var/local}
base=${UE_BASE_PORT:-50051}
bin=${UE_BIN_DIR:-$root/build/release/services}
services=(gateway registration verification tiering followup statistics person_index)
# Outbound receivers registration and follow-up deliver to. No real ministry platform, SMS
# platform, portal or credit platform exists on a development machine: these are the REFERENCE
# receivers, which record what they get and send nothing to anybody (notification_receiver also
# stands in for the credit platform). They take the two ports after the services.
services+=(ministry_receiver notification_receiver)
security=${UE_SECURITY:-on}
backup_interval=${UE_BACKUP_INTERVAL:-1h}
backup_keep=${UE_BACKUP_KEEP:-8}
ca=$state/ca

port_of() {
  local i
  for i in "${!services[@]}"; do
    if [[ ${services[$i]} == "$1" ]]; then echo $((base + i)); fi
  done
}

stop_all() {
  local svc pid
  for svc in "${services[@]}"; do
    [[ -f $state/pids/$svc ]] || continue
    pid=$(cat "$state/pids/$svc")
    kill -TERM "$pid" 2>/dev/null || true
  done
  for svc in "${services[@]}"; do
    [[ -f $state/pids/$svc ]] || continue
    pid=$(cat "$state/pids/$svc")
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    rm -f "$state/pids/$svc"
    echo "stopped $svc"
  done
}


health_of() {  # the address health probes use
  if [[ $security == on ]]; then echo "127.0.0.1:$(($(port_of "$1") + 100))"; else echo "127.0.0.1:$(port_of "$1")"; fi
}

status_all() {
  local svc ok=0
  for svc in "${services[@]}"; do
    printf '%-13s ' "$svc"
    "$bin/ops/ue_health_probe" --timeout=1s "$(health_of "$svc")" || ok=1
  done
  return $ok
}

case "${1:-run}" in
  stop) stop_all; exit 0 ;;
  status) status_all; exit $? ;;
  run|--detach) ;;
  *) echo "usage: $0 [--detach|stop|status]" >&2; exit 2 ;;
esac

if [[ ${UE_SKIP_BUILD:-0} != 1 ]]; then
  deploy/install-deps.sh
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$(nproc)"
fi

mkdir -p "$state/pids" "$state/logs"
stop_all >/dev/null 2>&1 || true
case $security in
  on) deploy/security/make-dev-ca.sh "$ca" >/dev/null ;;  # issues only what is missing
  off) echo "WARNING: UE_SECURITY=off: the services run without TLS, authentication and audit" >&2 ;;
  *) echo "UE_SECURITY must be on or off" >&2; exit 2 ;;
esac
started=$(date +%s%N)
registration_addr=127.0.0.1:$(port_of registration)
verification_addr=127.0.0.1:$(port_of verification)
for svc in "${services[@]}"; do
  # Scheduled backups: every set in $state/backup/<service>/ (another folder than the data).
  mkdir -p "$state/backup/$svc"
  args=(--listen="127.0.0.1:$(port_of "$svc")" --data_dir="$state/$svc"
        --metrics_listen="127.0.0.1:$(($(port_of "$svc") + 200))"
        --backup_dir="$state/backup/$svc" --backup_interval="$backup_interval"
        --backup_keep="$backup_keep")
  case $svc in
    gateway) args+=(--registration_addr="$registration_addr"
                    --person_index_addr="127.0.0.1:$(port_of person_index)") ;;
    tiering|person_index) args+=(--registration_addr="$registration_addr") ;;
    statistics) args+=(--registration_addr="$registration_addr"
                       --tiering_addr="127.0.0.1:$(port_of tiering)"
                       --followup_addr="127.0.0.1:$(port_of followup)") ;;
    registration) args+=(--verification_addr="$verification_addr"
                         --ministry_feedback_addr="localhost:$(port_of ministry_receiver)"
                         --notification_receiver_addr="localhost:$(port_of notification_receiver)") ;;
    followup) args+=(--registration_addr="$registration_addr" --verification_addr="$verification_addr"
                     --credit_receiver_addr="localhost:$(port_of notification_receiver)") ;;
  esac
  if [[ $security == on ]]; then
    cert=${svc//_/-}  # certificate names use dashes (ministry-receiver)
    args+=(--security_policy="$root/data/security/policy"
           --tls_cert="$ca/server/$cert.pem" --tls_key="$ca/server/$cert.key" --tls_client_ca="$ca/ca.pem"
           --token_public_keys="$ca/token-keys" --audit_key_file="$ca/audit.key"
           --peer_tls_cert="$ca/client/svc-$cert.pem" --peer_tls_key="$ca/client/svc-$cert.key"
           --health_listen="$(health_of "$svc")")
  fi
  "$bin/$svc/${svc}_server" "${args[@]}" >"$state/logs/$svc.log" 2>&1 &
  echo $! >"$state/pids/$svc"
done
trap 'echo; stop_all; exit 0' INT TERM

# Each service's time from the start of the processes to its first SERVING answer: one probe per
# service, all at once (they ask every 100 ms and reconnect as fast, so each figure is within
# about 100 ms of the real one).
mkdir -p "$state/serving"
rm -f "$state/serving/"*
probes=()
for svc in "${services[@]}"; do
  ( if "$bin/ops/ue_health_probe" --wait=10s "$(health_of "$svc")" >/dev/null; then
      echo $((($(date +%s%N) - started) / 1000000)) >"$state/serving/$svc"
    fi ) &
  probes+=($!)
done
wait "${probes[@]}"  # only the probes: the services are background jobs too
declare -A serving_ms
for svc in "${services[@]}"; do
  if [[ ! -s $state/serving/$svc ]]; then
    echo "error: $svc did not become SERVING within 10 s; its log:" >&2
    tail -5 "$state/logs/$svc.log" >&2
    stop_all
    exit 1
  fi
  serving_ms[$svc]=$(cat "$state/serving/$svc")
done
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
echo "all ${#services[@]} processes SERVING ${elapsed_ms} ms after start (security: $security):"
for svc in "${services[@]}"; do
  printf '  %-13s 127.0.0.1:%-6s SERVING after %5s ms  metrics :%-6s pid %-8s data %s/%s  log %s/logs/%s.log\n' \
    "$svc" "$(port_of "$svc")" "${serving_ms[$svc]}" "$(($(port_of "$svc") + 200))" \
    "$(cat "$state/pids/$svc")" "$state" "$svc" "$state" "$svc"
done
echo "  scheduled backups: every $backup_interval (and at start) into $state/backup/<service>/, newest $backup_keep kept"

if [[ -x $root/deploy/local/demo.sh ]]; then
  if [[ $security == on ]]; then
    UE_DEMO_CA=$ca UE_BIN_DIR=$bin "$root/deploy/local/demo.sh" "localhost:$(port_of gateway)" \
      "localhost:$(port_of registration)"
  else
    "$root/deploy/local/demo.sh" "127.0.0.1:$(port_of gateway)" "$registration_addr"
  fi
fi

if [[ ${1:-run} == --detach ]]; then
  trap - INT TERM
  echo "running in the background; stop with: $0 stop"
  exit 0
fi
echo "press Ctrl-C to stop the suite"
while true; do
  for svc in "${services[@]}"; do
    if ! kill -0 "$(cat "$state/pids/$svc")" 2>/dev/null; then
      echo "error: $svc exited; its log:" >&2
      tail -5 "$state/logs/$svc.log" >&2
      stop_all
      exit 1
    fi
  done
  sleep 2
done
