#!/usr/bin/env bash
# Container test: the suite as operators run it, from the same image and manifests.
#
#   tests/container/run.sh
#
#  1. installs what is missing (podman, runc, debootstrap, catatonit for podman's pause image, the
#     CNI dnsname plugin for pod-name DNS; protoc and Python gRPC for the client),
#     and, on a copy of deploy/k8s, adds a city shard with one line in sharded-by-city/shards.csv
#     (generate.py) and checks it renders (add_city_shard),
#  2. makes the Debian 12 base image with debootstrap if it is missing (no registry can be pulled),
#  3. builds deploy/Dockerfile with podman (--pull=never),
#  4. makes a development CA with deploy/security/make-dev-ca.sh (server certificates also naming the
#     pods) and each service's keys with deploy/security/make-k8s-secrets.sh (the Secret YAML, and
#     the host folders the podman overlay mounts), renders deploy/k8s/overlays/podman with
#     `kubectl kustomize`, adds only the test's own image tag, key folders and ports published on
#     127.0.0.1 and a second registration shard, the city shard "qiqihar" (its folder of
#     overlays/sharded-by-city in podman's form, its own certificate and keys; the routing table
#     and the gateway's and feed readers' shard lists name both: render_suite), and runs it with
#     `podman kube play` on a network of its own: every service SECURED
#     (mutual TLS, tokens, data/security/policy, audit log, data sealed with the keyring),
#  5. waits until every service answers SERVING on its plaintext health port (`podman exec ...
#     ue_health_probe`, the exec probe of the manifests), checks that every service says
#     "security: on", that a peer reaches another over mutual TLS and not in plain text, checks the
#     pods' security settings,
#  6. submits applications through the gateway from outside the pods (client certificate and a
#     token issued with ue_issue_token of the build tree: the image has no token issuer, which the
#     test checks), sees them in the review queue of
#     registration and accepts two (tests/container/suite_check.py); checks that calls without a
#     client certificate, with a foreign CA's, in plain text or without a token are refused, and a
#     reviewer of another city is denied; that no ID number is stored in plain text; scrapes
#     /metrics of every pod once (process metrics, intake counters, review queue, feed cursors),
#  6a. two shards, one killed while the other keeps accepting (shard_drill): intake through the
#     gateway to hlj and qiqihar; a person registered at one is refused at the other; qiqihar
#     stopped without grace: hlj keeps accepting (uniqueness kept), qiqihar's office answers
#     UNAVAILABLE SHARD_UNAVAILABLE; qiqihar started again: the refused id is accepted, intake resumes,
#  6b. starts a second registration_server on the live data folder: refused by the lock,
#  7. backs registration up while it runs (ue_store_backup), copies the backup out, wipes the
#     volume (registration then knows nothing), restores with ue_store_backup and checks every
#     application and registration is back,
# 7b. waits until every service has taken two scheduled backup sets on its backup volume
#     (UE_BACKUP_INTERVAL=1m in the podman overlay), verifies the audit log of the newest set of
#     gateway and registration against the anchor copied with it, and sees no failed backup in
#     /metrics,
# 7c. restore drill (restore_drill): online backups of the six databases, more work, registration
#     restored alone (its consumers must HALT: metric, log line, uectl feed-status), then all six
#     restored together and timed (the RTO printed as "RTO measured"); UE_CONTAINER_DRILL=0 skips it,
# 7d. adds a city shard while the suite runs (add_running_shard, runbook "Adding a city shard"):
#     "mudanjiang" (folder and routing line from sharded-by-city/generate.py), its certificate and
#     keys, the suite rendered again, only the new shard, the gateway and the feed readers started
#     (hlj and qiqihar keep running); its city's applications accepted there, the index reads its feed,
#  8. verifies every service's and shard's audit log and its anchor with ue_audit_verify --anchor (gateway and
#     registration must have entries), stops the suite with SIGTERM and checks that every service exited 0,
#  9. runs deploy/compose/compose.yaml under podman-compose, secured, from the same image
#     (tests/container/compose.sh: every service SERVING, its first scheduled backup set in its
#     backup volume, an application through the gateway, /metrics of each scraped;
#     UE_CONTAINER_COMPOSE=0 skips it),
# 10. tears everything down — pods, volumes, network, temporary files — also on failure; only the
#     image (and the base image, kept so the next run skips debootstrap) stay.
#
# podman runs with a containers.conf of the test's own (CONTAINERS_CONF): runtime runc, cgroupfs,
# explicit ulimits; /etc is not changed. Runs as root (debootstrap, rootful podman).
#
# Environment:
#   UE_CONTAINER_IMAGE       image tag to build and run (default localhost/unemployment:dev)
#   UE_CONTAINER_BASE        base image tag the Dockerfile builds FROM (default localhost/debian:bookworm)
#   UE_CONTAINER_SKIP_BUILD  1: run the existing UE_CONTAINER_IMAGE without building it
#   UE_CONTAINER_KEEP        1: leave the suite running at the end (tear down with --down)
#   UE_CONTAINER_BUILD_JOBS  parallel compile jobs in the image build (default: nproc)
#   UE_CONTAINER_DRILL       0: skip the restore drill (step 7c)
#   UE_CONTAINER_COMPOSE     0: skip deploy/compose/compose.yaml under podman-compose (default 1: run it)
#                            (tests/container/compose.sh; off by default, not yet run on this machine)
#
#   tests/container/run.sh --down   tears down a suite left by UE_CONTAINER_KEEP=1 or a killed run
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
image=${UE_CONTAINER_IMAGE:-localhost/unemployment:dev}
base=${UE_CONTAINER_BASE:-localhost/debian:bookworm}
services=(gateway registration verification tiering followup statistics person-index
          ministry-receiver notification-receiver)
declare -A port=([gateway]=50051 [registration]=50052 [verification]=50053 [tiering]=50054
                 [followup]=50055 [statistics]=50056 [person-index]=50057
                 [ministry-receiver]=50060 [notification-receiver]=50061)
# Registration shards: the base shard "hlj" (registration-pod-0) serves what the routing table does
# not give a city shard; each city shard of city_shards runs as the podman form of its folder in
# deploy/k8s/overlays/sharded-by-city/shards/<shard>/ (made by generate.py from its line in
# shards.csv), as pod registration-<shard>-pod-0 with its own certificate, keys and volumes. The
# shard added while the suite runs (add_running_shard) is added_shard. shard_office: an office of
# each shard's city the test applies at.
city_shards=(qiqihar)
added_shard=mudanjiang
declare -A shard_office=([hlj]=230103 [qiqihar]=230202 [mudanjiang]=231002)
shard_ctr() { echo "registration-$1-pod-0-registration"; }
health_port() { echo $((port[$1] + 100)); }   # UE_HEALTH_LISTEN of the manifests: plaintext, health only
metrics_port() { echo $((port[$1] + 200)); }  # UE_METRICS_LISTEN of the manifests: plaintext HTTP /metrics
keys=/etc/unemployment/keys                  # where the pods see their keys
network=ue-container-test
state=/var/tmp/ue-container-test   # the rendered manifests of the running suite, for --down
started=$(date +%s)
passed=0

step() { printf '[%4ds] %s\n' "$(($(date +%s) - started))" "$*"; }
ok() { passed=$((passed + 1)); echo "ok: $*"; }
fail() {
  echo "FAILED: $*" >&2
  echo "${passed} passed, 1 failed"
  exit 1
}

[[ $(id -u) -eq 0 ]] || { echo "error: run as root (rootful podman and debootstrap)" >&2; exit 2; }

# ---- podman's own settings, never /etc's -----------------------------------------------------------
mkdir -p "$state"
cat >"$state/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
CONF
export CONTAINERS_CONF=$state/containers.conf

# One run at a time on a machine: pod, volume and network names are fixed by the manifests.
exec 9>"$state.lock"
flock -w 1800 9 || { echo "error: another container test holds $state.lock" >&2; exit 1; }

teardown() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -f $state/suite.yaml ]]; then
    if ((rc != 0)); then
      step "failure: last log lines of every service"
      for svc in "${services[@]}"; do
        echo "--- $svc"
        podman logs --tail 15 "$svc-pod-0-$svc" 2>&1 | sed 's/^/    /' || true
      done
      for shard in "${city_shards[@]}"; do
        echo "--- registration-$shard"
        podman logs --tail 15 "$(shard_ctr "$shard")" 2>&1 | sed 's/^/    /' || true
      done
    fi
    step "tearing down: pods, volumes, network"
    timeout 120 podman kube down "$state/suite.yaml" >/dev/null 2>&1 || true
    for svc in "${services[@]}"; do
      podman pod rm -f "$svc-pod-0" >/dev/null 2>&1 || true
      podman volume rm -f "$svc-data" >/dev/null 2>&1 || true
      podman volume rm -f "$svc-backup" >/dev/null 2>&1 || true
    done
    for shard in "${city_shards[@]}" "$added_shard"; do
      podman pod rm -f "registration-$shard-pod-0" >/dev/null 2>&1 || true
      podman volume rm -f "registration-data-$shard" "registration-backup-$shard" >/dev/null 2>&1 || true
    done
    # podman makes a volume of each ConfigMap it mounts.
    local cm
    # (add_running_shard renders the suite again: the ConfigMaps of the first rendering too.)
    for cm in $(cat "$state/suite.yaml" "$state/suite-first.yaml" 2>/dev/null \
                  | awk '/^kind: ConfigMap/ {c=1} /^---/ {c=0} c && /^  name: / {print $2}' | sort -u); do
      podman volume rm -f "$cm" >/dev/null 2>&1 || true
    done
    rm -f "$state/suite.yaml" "$state/suite-first.yaml"
  fi
  podman network rm -f "$network" >/dev/null 2>&1 || true
  rm -rf "$state/overlay" "$state/client" "$state/stop.log" "$state/backup" "$state/made.json" "$state/drill" "$state/after.json" \
    "$state/ca" "$state/secrets" "$state/secrets.yaml" "$state/secrets-check" "$state/tokens" \
    "$state/secrets-added" "$state/shards" "$state/replace.yaml"
  step "done (exit $rc)"
  exit "$rc"
}

if [[ ${1:-} == --down ]]; then
  touch "$state/suite.yaml"
  trap teardown EXIT
  exit 0
fi

# ---- 1. tools ---------------------------------------------------------------------------------------
packages=(podman podman-compose runc debootstrap catatonit golang-github-containernetworking-plugin-dnsname
          protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf python3-yaml grpc-proto
          golang-github-gogo-googleapis-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  step "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v kubectl >/dev/null || { echo "error: kubectl (with kustomize) is not installed" >&2; exit 1; }
step "tools: $(podman --version), runc $(runc --version | sed -n 's/^runc version //p'), kubectl $(kubectl version --client 2>/dev/null | sed -n 's/^Client Version: //p')"

# A run killed before its teardown leaves its suite behind: remove it first.
if [[ -f $state/suite.yaml ]]; then
  step "removing a suite left by an earlier run"
  (trap - EXIT; teardown) || true
fi
trap teardown EXIT
trap 'exit 130' INT TERM

# The ConfigMap files of the base are copies (kustomize reads nothing outside its folder).
for pair in data/calendar/cn-holidays-2025-2026.csv:deploy/k8s/base/config/calendar/cn-holidays-2025-2026.csv \
            data/routing/single-shard.csv:deploy/k8s/base/config/routing/routing.csv; do
  cmp -s "${pair%%:*}" "${pair##*:}" || fail "${pair##*:} differs from ${pair%%:*}: copy it again"
done
for cal in data/calendar/*.csv; do
  [[ -f deploy/k8s/base/config/calendar/$(basename "$cal") ]] \
    || fail "$cal is not in deploy/k8s/base/config/calendar (add it there and to the ConfigMap)"
done
ok "ConfigMap files match data/"
# Every overlay renders (only overlays/podman runs here; the others are for real clusters).
for overlay in deploy/k8s/overlays/*/; do
  kubectl kustomize "$overlay" >/dev/null || fail "kubectl kustomize $overlay"
done
ok "every overlay renders: $(cd deploy/k8s/overlays && echo */ | tr -d /)"
# add_city_shard (h/dr): adding a city shard is one line in sharded-by-city/shards.csv and
# generate.py; on a copy of deploy/k8s, a new shard "newcity" (232800) renders with its own
# workload, volume and Service, its routing line, and its address in the person index's, tiering's,
# follow-up's, statistics' and the gateway's shard lists. (Rendered only: running 15 registration
# pods is more than this machine gives the test.)
add_city_shard() {
  local copy; copy=$(mktemp -d)
  cp -r deploy/k8s "$copy/"
  local overlay=$copy/k8s/overlays/sharded-by-city
  echo "newcity,232800,新城市" >>"$overlay/shards.csv"
  /usr/bin/python3 "$overlay/generate.py" >/dev/null || fail "generate.py with a new shard"
  local rendered; rendered=$(kubectl kustomize "$overlay") || fail "kubectl kustomize with a new shard"
  grep -q "name: registration-newcity$" <<<"$rendered" || fail "no registration-newcity objects"
  # Service, workload and its pods, data volume: each labelled with the shard.
  (($(grep -c "unemployment.hrss.gov.cn/shard: newcity" <<<"$rendered") >= 3)) \
    || fail "the new shard lacks its Service, workload or volume"
  grep -q "UE_REGISTRATION_SHARDS: .*newcity=registration-newcity:50052" <<<"$rendered" \
    || fail "the new shard is not in UE_REGISTRATION_SHARDS"
  grep -q "value: .*newcity=registration-newcity:50052" <<<"$rendered" \
    || fail "the new shard is not in the gateway's UE_SHARDS"
  grep -q "^2328,newcity" "$overlay/routing-by-city.csv" || fail "no routing line for 2328"
  /usr/bin/python3 "$overlay/generate.py" --check >/dev/null || fail "generate.py --check after adding"
  rm -rf "$copy"
  ok "a city shard added with one line in shards.csv renders (workload, volume, routing, address lists)"
}
add_city_shard

# ---- 2-3. images ------------------------------------------------------------------------------------
deploy/container/make-base-image.sh "$base"
if [[ ${UE_CONTAINER_SKIP_BUILD:-0} != 1 ]]; then
  step "building $image from deploy/Dockerfile (compiles the suite; long on 2 cores)"
  old_id=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  # --layers=false: no intermediate images are kept, only the tagged result.
  timeout 3600 podman build --pull=never --layers=false --network host \
    --build-arg BASE_IMAGE="$base" --build-arg BUILD_JOBS="${UE_CONTAINER_BUILD_JOBS:-$(nproc)}" \
    -f deploy/Dockerfile -t "$image" . >"$state/build.log" 2>&1 \
    || { tail -30 "$state/build.log" >&2; fail "image build (log: $state/build.log)"; }
  new_id=$(podman image inspect --format '{{.Id}}' "$image")
  # The image this tag named before is now untagged: remove it unless a container still uses it.
  if [[ -n $old_id && $old_id != "$new_id" ]]; then
    podman rmi "$old_id" >/dev/null 2>&1 || true
  fi
  ok "image $image built ($(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%d MB", $1/1e6}'))"
fi
podman image exists "$image" || fail "image $image does not exist"

# ---- 4. keys, manifests and kube play ---------------------------------------------------------------
# A fresh development CA per run. podman's DNS names the pods <deployment>-pod-0: the server
# certificates name them too (peers call registration-pod-0:50052 and check its certificate).
rm -rf "$state/ca" "$state/secrets" "$state/tokens"
# The city shards get their own certificates and keys as for overlays/sharded-by-city
# (UE_REGISTRATION_SHARDS: certificate registration-<shard>, here also naming its pod).
pod_names=()
for svc in "${services[@]}"; do pod_names+=("$svc-pod-0"); done
for shard in "${city_shards[@]}"; do pod_names+=("registration-$shard-pod-0"); done
shards_env="${city_shards[*]}"
UE_REGISTRATION_SHARDS=$shards_env deploy/security/make-dev-ca.sh "$state/ca" "${pod_names[@]}" >/dev/null || fail "make-dev-ca.sh"
UE_REGISTRATION_SHARDS=$shards_env deploy/security/make-k8s-secrets.sh "$state/ca" >"$state/secrets.yaml" || fail "make-k8s-secrets.sh"
secrets_expected=$((${#services[@]} + ${#city_shards[@]}))
[[ $(grep -c '^kind: Secret' "$state/secrets.yaml") == "$secrets_expected" ]] \
  || fail "make-k8s-secrets.sh made $(grep -c '^kind: Secret' "$state/secrets.yaml") Secrets, not $secrets_expected"
for shard in "${city_shards[@]}"; do
  grep -q "name: registration-$shard-secrets$" "$state/secrets.yaml" || fail "no Secret registration-$shard-secrets"
done
# kubectl's offline parser (kustomize) reads the Secrets back; each carries the service's certificate.
mkdir -p "$state/secrets-check"
cp "$state/secrets.yaml" "$state/secrets-check/"
printf 'resources:\n  - secrets.yaml\n' >"$state/secrets-check/kustomization.yaml"
kubectl kustomize "$state/secrets-check" >"$state/secrets-check/out.yaml" \
  || fail "kubectl kustomize cannot read the Secret YAML"
/usr/bin/python3 - "$state/secrets-check/out.yaml" "$state/ca" "${services[@]}" <<'PY' || fail "the Secret YAML does not hold the CA's files"
import sys, yaml
docs = {d["metadata"]["name"]: d for d in yaml.safe_load_all(open(sys.argv[1]))}
for svc in sys.argv[3:]:
    data = docs[f"{svc}-secrets"]["stringData"]
    assert data["tls.pem"] == open(f"{sys.argv[2]}/server/{svc}.pem").read(), svc
    assert data["peer.key"] == open(f"{sys.argv[2]}/client/svc-{svc}.key").read(), svc
    assert data["data.key"] == open(f"{sys.argv[2]}/keys/{svc}/data.key").read(), svc
    tokens = sorted(k for k in data if k.startswith("token-"))
    assert tokens and all(k.endswith(".pub") and "PRIVATE" not in data[k] for k in tokens), svc
    assert sorted(data) == sorted(["ca.pem", "tls.pem", "tls.key", "peer.pem", "peer.key",
                                   "audit.key", "data.key"] + tokens), svc
# Each city shard: its own certificate and peer key (make-dev-ca.sh's shards/<shard>/).
shards = [name[len("registration-"):-len("-secrets")] for name in docs
          if name.startswith("registration-") and name != "registration-secrets"]
for shard in shards:
    data = docs[f"registration-{shard}-secrets"]["stringData"]
    assert data["tls.pem"] == open(f"{sys.argv[2]}/shards/{shard}/server.pem").read(), shard
    assert data["peer.key"] == open(f"{sys.argv[2]}/shards/{shard}/peer.key").read(), shard
# Per service and shard: no two Secrets share a data or audit key.
for key in ("data.key", "audit.key"):
    values = [docs[f"{svc}-secrets"]["stringData"][key]
              for svc in sys.argv[3:] + [f"registration-{shard}" for shard in shards]]
    assert len(set(values)) == len(values), key
PY
rm -rf "$state/secrets-check"
# podman 4.3 mishandles Secret volumes: overlays/podman mounts the same files from host folders.
UE_REGISTRATION_SHARDS=$shards_env deploy/security/make-k8s-secrets.sh --files "$state/ca" "$state/secrets" 2>/dev/null || fail "make-k8s-secrets.sh --files"
chown -R 10001:10001 "$state/secrets"
chmod 0500 "$state/secrets"/*
ok "dev CA, $secrets_expected Secrets (YAML; registration shards ${city_shards[*]} with their own) and key folders made (make-dev-ca.sh, make-k8s-secrets.sh)"

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
gateway_host_port=$(free_port)
registration_host_port=$(free_port)
# render_suite: the test's overlay on overlays/podman, rendered into $state/suite.yaml: its image,
# the ports it reaches from outside, the key folders, and the city shards of city_shards. Each city
# shard is its folder of overlays/sharded-by-city (shards/<shard>/, from generate.py) in podman's
# form (the StatefulSet as a Deployment, the exec probes and host key folder of
# overlays/podman/pod-registration.yaml); the routing table is sharded-by-city's routing-by-city.csv
# with the lines of the running shards only (the rest stays on "hlj"), and the gateway's UE_SHARDS
# and everybody's UE_REGISTRATION_SHARDS list the running shards by pod name.
render_suite() {
  local shard sbc=$root/deploy/k8s/overlays/sharded-by-city addresses="hlj=registration-pod-0:50052"
  rm -rf "$state/overlay"
  mkdir -p "$state/overlay"
  for shard in "${city_shards[@]}"; do
    [[ -d $sbc/shards/$shard ]] || fail "no shard folder $sbc/shards/$shard (a line in shards.csv, then generate.py)"
    addresses+=",$shard=registration-$shard-pod-0:50052"
    mkdir -p "$state/overlay/shard-$shard"
    cp "$root/deploy/k8s/overlays/podman/pod-registration.yaml" "$state/overlay/shard-$shard/"
    cat >"$state/overlay/shard-$shard/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $(realpath --relative-to="$state/overlay/shard-$shard" "$sbc/shards/$shard")
patches:
  - target: {kind: StatefulSet}
    options: {allowKindChange: true}
    patch: |-
      - {op: replace, path: /kind, value: Deployment}
      - {op: remove, path: /spec/serviceName}
      - {op: remove, path: /spec/podManagementPolicy}
      - {op: remove, path: /spec/updateStrategy}
      - {op: remove, path: /spec/template/spec/containers/0/startupProbe}
  - path: pod-registration.yaml
    target: {kind: Deployment}
  - target: {kind: Deployment}
    patch: |-
      - {op: replace, path: /spec/template/spec/volumes/0/hostPath/path, value: $state/secrets/registration-$shard}
      # podman 4.3 publishes every containerPort on the host: the base shard has 50052/50152/50252.
      - {op: remove, path: /spec/template/spec/containers/0/ports}
EOF
    # Rendered on its own and listed as a file: as a folder, kustomize would point the base
    # shard's volume claims at this shard's (both are registration-data before the suffix).
    kubectl kustomize "$state/overlay/shard-$shard" >"$state/overlay/shard-$shard.yaml" \
      || fail "kubectl kustomize of shard $shard in podman's form"
  done
  awk -F, -v keep="hlj ${city_shards[*]}" 'BEGIN { n = split(keep, k, " "); for (i = 1; i <= n; i++) run[k[i]] = 1 }
    NR == 1 || /^#/ || ($2 in run)' "$sbc/routing-by-city.csv" >"$state/overlay/routing.csv"
  cat >"$state/overlay/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $(realpath --relative-to="$state/overlay" "$root/deploy/k8s/overlays/podman")
$(for shard in "${city_shards[@]}"; do echo "  - shard-$shard.yaml"; done)
images:
  - name: localhost/unemployment
    newName: ${image%:*}
    newTag: ${image##*:}
  - name: unemployment
    newName: ${image%:*}
    newTag: ${image##*:}
configMapGenerator:
  - name: ue-settings
    behavior: merge
    literals:
      - UE_REGISTRATION_SHARDS=$addresses
  - name: ue-routing
    behavior: replace
    files:
      - routing.csv
patches:
  - target: {kind: Deployment, name: gateway}
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/ports/0/hostPort
        value: $gateway_host_port
      - op: add
        path: /spec/template/spec/containers/0/ports/0/hostIP
        value: 127.0.0.1
      - op: add
        path: /spec/template/spec/containers/0/env/-
        value: {name: UE_SHARDS, value: "$addresses"}
  - target: {kind: Deployment, name: registration, labelSelector: "unemployment.hrss.gov.cn/shard=main"}
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/ports/0/hostPort
        value: $registration_host_port
      - op: add
        path: /spec/template/spec/containers/0/ports/0/hostIP
        value: 127.0.0.1
EOF
  for svc in "${services[@]}"; do
    cat >>"$state/overlay/kustomization.yaml" <<EOF
  - target: {kind: Deployment, name: $svc$([[ $svc != registration ]] || echo ', labelSelector: "unemployment.hrss.gov.cn/shard=main"')}
    patch: |-
      - op: replace
        path: /spec/template/spec/volumes/0/hostPath/path
        value: $state/secrets/$svc
EOF
  done
  kubectl kustomize "$state/overlay" >"$state/suite.yaml.new" || fail "kubectl kustomize overlays/podman"
  mv "$state/suite.yaml.new" "$state/suite.yaml"
}
render_suite
ok "rendered overlays/podman: $(grep -c '^kind: Deployment' "$state/suite.yaml") Deployments"
[[ $(grep -c 'name: UE_HEALTH_LISTEN' "$state/suite.yaml") == "$((${#services[@]} + ${#city_shards[@]}))" ]] \
  && grep -q 'UE_SECURITY_POLICY: /usr/share/unemployment/data/security/policy' "$state/suite.yaml" \
  && grep -q "UE_DATA_KEY_FILE: $keys/data.key" "$state/suite.yaml" \
  || fail "the rendered manifests do not set the security settings"
ok "every service gets UE_SECURITY_POLICY, TLS, token, audit and data keys, UE_HEALTH_LISTEN"

podman network exists "$network" || podman network create "$network" >/dev/null
[[ $(podman network inspect --format '{{.DNSEnabled}}' "$network") == true ]] \
  || fail "network $network has no DNS (is the CNI dnsname plugin installed?)"
step "podman kube play --network $network"
timeout 300 podman kube play --network "$network" "$state/suite.yaml" >"$state/play.log" 2>&1 \
  || { cat "$state/play.log" >&2; fail "podman kube play"; }
ok "podman kube play started $(podman pod ps --filter "network=$network" --format '{{.Name}}' | wc -l) pods"

# ---- 5. health and security -------------------------------------------------------------------------
for svc in "${services[@]}"; do
  podman exec "$svc-pod-0-$svc" ue_health_probe --wait=60s "127.0.0.1:$(health_port "$svc")" >/dev/null \
    || fail "$svc did not become SERVING within 60 s"
done
ok "all ${#services[@]} services SERVING $(($(date +%s) - started)) s after the start of the test"
for shard in "${city_shards[@]}"; do
  podman exec "$(shard_ctr "$shard")" ue_health_probe --wait=60s "127.0.0.1:$(health_port registration)" >/dev/null \
    || fail "registration shard $shard did not become SERVING within 60 s"
  # (the log read whole: `podman logs | grep -q` fails under pipefail when grep stops early)
  grep -q "listening on .*security: on" <<<"$(podman logs "$(shard_ctr "$shard")" 2>&1)" \
    || fail "registration shard $shard does not run secured"
  podman exec gateway-pod-0-gateway ue_health_probe --tls_ca=$keys/ca.pem --tls_cert=$keys/peer.pem \
    --tls_key=$keys/peer.key "registration-$shard-pod-0:50052" >/dev/null \
    || fail "gateway cannot reach registration-$shard-pod-0:50052 with mutual TLS (its own certificate)"
done
ok "city shards SERVING and secured beside the base shard hlj: ${city_shards[*]} (reached by the gateway over mutual TLS, each with its own certificate)"
for svc in "${services[@]}"; do
  log=$(podman logs "$svc-pod-0-$svc" 2>&1)
  grep -q "listening on .*security: on" <<<"$log" \
    || fail "$svc does not run secured (no 'security: on' in its log)"
  # The start-up warnings: storage not durable, security off, a generated data key.
  start_warning='WARNING|event=(storage_not_durable|security_off|data_key)'
  if grep -Eq "$start_warning" <<<"$log"; then
    fail "$svc warns at start: $(grep -Em1 "$start_warning" <<<"$log")"
  fi
  podman exec "$svc-pod-0-$svc" test ! -e /var/lib/unemployment/data.key \
    || fail "$svc generated a data key in its volume instead of using UE_DATA_KEY_FILE"
done
ok "every service runs with security on, no warning, the keyring from the mounted keys"
# The manifests' exec probes, as podman runs them (podman turns the liveness probe into a healthcheck).
for svc in "${services[@]}"; do
  podman healthcheck run "$svc-pod-0-$svc" >/dev/null 2>&1 || fail "healthcheck (liveness probe) of $svc"
done
ok "liveness probes (ue_health_probe exec) pass in every pod"
# Peers are found by pod name through podman's DNS, and speak mutual TLS with their peer certificates.
podman exec gateway-pod-0-gateway ue_health_probe --tls_ca=$keys/ca.pem --tls_cert=$keys/peer.pem \
  --tls_key=$keys/peer.key registration-pod-0:50052 >/dev/null \
  || fail "gateway cannot reach registration-pod-0:50052 with mutual TLS"
if podman exec gateway-pod-0-gateway ue_health_probe --timeout=3s registration-pod-0:50052 >/dev/null 2>&1; then
  fail "registration-pod-0:50052 answers in plain text"
fi
if podman exec gateway-pod-0-gateway ue_health_probe --timeout=3s --tls_ca=$keys/ca.pem \
  registration-pod-0:50052 >/dev/null 2>&1; then
  fail "registration-pod-0:50052 answers TLS without a client certificate"
fi
ok "gateway reaches registration-pod-0:50052 by name over mutual TLS; plain text and TLS without a client certificate are refused"
user=$(podman exec gateway-pod-0-gateway id -u)
[[ $user == 10001 ]] || fail "gateway runs as uid $user, not 10001"
if podman exec gateway-pod-0-gateway touch /usr/local/bin/x 2>/dev/null; then
  fail "the root file system is writable"
fi
podman exec registration-pod-0-registration sh -c 'test -s /var/lib/unemployment/*.db' 2>/dev/null \
  || podman exec registration-pod-0-registration sh -c 'ls /var/lib/unemployment | grep -q .' \
  || fail "registration wrote nothing to its data volume"
caps=$(podman exec gateway-pod-0-gateway sh -c 'grep CapEff /proc/self/status' | awk '{print $2}')
[[ $caps == 0000000000000000 ]] || fail "gateway has capabilities $caps"
ok "uid 10001, read-only root file system, no capabilities, SQLite data on the volume"

# ---- 6. applications from outside the pods ---------------------------------------------------------
mkdir -p "$state/client" "$state/tokens"
tests/python/generate_client.sh "$state/client" >/dev/null
# The image holds no token issuer (services hold only public keys).
if podman run --rm --network none --read-only "$image" sh -c 'command -v ue_issue_token' >/dev/null 2>&1; then
  fail "the service image contains ue_issue_token"
fi
# Tokens of the test's callers, issued by ue_issue_token of the build tree with the CA's signing key.
issuer=${UE_BIN_DIR:-$root/build/release/services}/ops/ue_issue_token
[[ -x $issuer ]] || cmake --build --preset release --target ue_issue_token >/dev/null || fail "cannot build ue_issue_token"
issue_token() {  # FILE SYSTEM ROLE REGION
  "$issuer" "$state/ca/token-signing.key" "$2" container-test "$3" "$4" 2h >"$state/tokens/$1" \
    || fail "ue_issue_token $2 $3 $4"
}
issue_token portal province-portal province-portal '*'
issue_token reviewer staff-client reviewer 2301        # Harbin: the test's office 230103 is inside
issue_token reviewer-elsewhere staff-client reviewer 2302   # Qiqihar: must be refused for 230103
ok "no ue_issue_token in the image; tokens issued with the build tree's (portal; reviewer of Harbin; reviewer of Qiqihar)"
check() {
  UE_CHECK_CA=$state/ca UE_CHECK_TOKENS=$state/tokens PYTHONPATH=$state/client \
    /usr/bin/python3 tests/container/suite_check.py "$@"
}
gateway_at=127.0.0.1:$gateway_host_port
registration_at=127.0.0.1:$registration_host_port
check submit "$gateway_at" "$registration_at" "$state/made.json" \
  || fail "applications through the gateway to the review queue"
passed=$((passed + 5))
check refused "$gateway_at" "$registration_at" "$state/made.json" || fail "calls that must be refused"
passed=$((passed + 8))
# Metrics: every pod serves /metrics once on its metrics port (GET over bash's /dev/tcp inside the
# pod: the image has no HTTP client), with its process metrics; gateway and registration count the
# applications just made, and registration shows them in its review-queue gauge.
scrape() {  # SERVICE
  podman exec "$1-pod-0-$1" bash -c "exec 3<>/dev/tcp/127.0.0.1/$(metrics_port "$1") \
    && printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3 && cat <&3"
}
for svc in "${services[@]}"; do
  text=$(scrape "$svc") || fail "$svc does not serve /metrics on port $(metrics_port "$svc")"
  # The metrics' service label is the binary's name (person_index), the pod's uses dashes.
  grep -q "^process_resident_memory_bytes{service=\"${svc//-/_}\"}" <<<"$text" \
    || fail "$svc's /metrics has no process_resident_memory_bytes"
  case $svc in
    gateway) grep '^grpc_server_handled_total{' <<<"$text" | grep 'grpc_method="SubmitApplication"' \
               | grep -q 'grpc_code="OK"' || fail "gateway's /metrics counts no SubmitApplication" ;;
    registration) grep -q '^ue_review_queue_waiting{city="2301",queue="province"' <<<"$text" \
               || fail "registration's /metrics has no review-queue gauge for Harbin" ;;
    tiering|followup|statistics) grep -q '^ue_feed_consumer_cursor{feed="registration/hlj"' <<<"$text" \
               || fail "$svc's /metrics has no registration feed cursor" ;;
  esac
done
ok "every pod serves /metrics (process metrics; intake counters, review queue, feed cursors)"
# Personal data at rest: no ID number of the test in any file of registration's volume.
for id_number in $(/usr/bin/python3 -c 'import json,sys; print(" ".join(a["id_number"] for a in json.load(open(sys.argv[1]))["applications"]))' "$state/made.json"); do
  if podman exec registration-pod-0-registration sh -c "cat /var/lib/unemployment/* 2>/dev/null | grep -a -q $id_number"; then
    fail "registration's volume holds the ID number ${id_number:0:6}... in plain text"
  fi
done
ok "no ID number of the test in plain text in registration's volume (sealed at rest)"

# ---- 6a. two registration shards; one killed while the other keeps accepting (issue 22) -----------
# shard_drill: through the gateway's published port only (the test's portal client):
#  - intake to both shards (hlj: office 230103; the city shard: its city's office), each answered
#    by the shard the routing table names (the application id names it); a person registered at
#    hlj cannot apply at the city shard, one with an undecided application at the city shard cannot
#    apply at hlj (the person index: one person, one undecided application or registration);
#  - the city shard's container stopped without grace (podman stop -t 0: SIGKILL): intake at hlj
#    goes on, the person who applied at the dead shard is still refused at hlj, and an application
#    for the dead shard's office answers UNAVAILABLE with ErrorInfo SHARD_UNAVAILABLE (shard named);
#  - the shard started again: the refused application sent again with the same id is accepted there
#    (retry-safe), and a new one too.
shard_drill() {
  local down=${city_shards[0]} json=$state/shards t0
  mkdir -p "$json"
  check shard-intake "$gateway_at" hlj "${shard_office[hlj]}" 10 "$json/hlj-up.json" || fail "intake at hlj"
  check shard-intake "$gateway_at" "$down" "${shard_office[$down]}" 11 "$json/$down-up.json" \
    || fail "intake at $down"
  check held "$gateway_at" "${shard_office[$down]}" "$state/made.json" ACTIVE_REGISTRATION_EXISTS \
    || fail "a person registered at hlj applied at $down"
  check held "$gateway_at" "${shard_office[hlj]}" "$json/$down-up.json" PENDING_APPLICATION_EXISTS \
    || fail "a person with an application at $down applied at hlj"
  ok "intake through the gateway to both shards (hlj, $down); one person, one application or registration across them"
  t0=$(date +%s)
  podman stop -t 0 "$(shard_ctr "$down")" >>"$state/stop.log" 2>&1 || fail "podman stop -t 0 registration-$down"
  check shard-intake "$gateway_at" hlj "${shard_office[hlj]}" 12 "$json/hlj-down.json" \
    || fail "intake at hlj with $down down"
  check held "$gateway_at" "${shard_office[hlj]}" "$json/$down-up.json" PENDING_APPLICATION_EXISTS \
    || fail "with $down down, its applicant applied at hlj"
  check shard-down "$gateway_at" "$down" "${shard_office[$down]}" 13 "$json/$down-down.json" \
    || fail "intake at $down while it is down"
  ok "registration-$down killed: hlj keeps accepting (uniqueness kept), $down's office answers UNAVAILABLE SHARD_UNAVAILABLE"
  podman start "$(shard_ctr "$down")" >>"$state/stop.log" 2>&1 || fail "podman start registration-$down"
  podman exec "$(shard_ctr "$down")" ue_health_probe --wait=60s "127.0.0.1:$(health_port registration)" >/dev/null \
    || fail "registration-$down did not become SERVING again"
  check shard-retry "$gateway_at" "$down" "$json/$down-down.json" || fail "the refused application sent again"
  check shard-intake "$gateway_at" "$down" "${shard_office[$down]}" 14 "$json/$down-again.json" \
    || fail "intake at $down after its restart"
  ok "registration-$down started again: the refused application accepted with the same id, intake resumed ($(($(date +%s) - t0)) s down and back)"
}
step "two registration shards: hlj and ${city_shards[0]}; ${city_shards[0]} killed and started again"
shard_drill

# ---- 6b. a second writer on a live data folder is refused --------------------------------------------
# One process per data folder (the lock <data_dir>/LOCK, common/store/data_dir_lock.h): a second
# registration_server started beside the running one, on the same volume and settings, must exit
# at once with the lock message and leave the running one SERVING.
if second=$(podman exec registration-pod-0-registration registration_server \
              --listen=127.0.0.1:0 --health_listen=127.0.0.1:0 --metrics_listen=127.0.0.1:0 2>&1); then
  fail "a second registration_server on the live data folder started: $second"
fi
grep -q "is in use by another live process" <<<"$second" \
  || fail "the second writer was not refused by the data-folder lock: $second"
podman exec registration-pod-0-registration ue_health_probe --wait=10s \
  "127.0.0.1:$(health_port registration)" >/dev/null || fail "registration not SERVING after the refusal"
ok "a second writer on registration's live data folder refused (data-folder lock)"

# ---- 7. backup, loss, restore of registration ---------------------------------------------------------
reg_ctr=registration-pod-0-registration
db=/var/lib/unemployment/registration.db
restart_registration() {
  podman start "$reg_ctr" >>"$state/stop.log" 2>&1 || fail "podman start $reg_ctr"
  podman exec "$reg_ctr" ue_health_probe --wait=60s "127.0.0.1:$(health_port registration)" >/dev/null \
    || fail "registration did not become SERVING again"
}
# on_volume CMD...: a one-off container of the image on registration's volume (service stopped).
on_volume() {
  podman run --rm --network none --read-only --user 10001:10001 --cap-drop ALL \
    -v registration-data:/var/lib/unemployment -v "$state/backup:/backups" "$image" "$@"
}
mkdir -p "$state/backup"
podman exec "$reg_ctr" ue_store_backup backup "$db" /var/lib/unemployment/backup.db \
  || fail "online backup of registration"
podman cp "$reg_ctr:/var/lib/unemployment/backup.db" "$state/backup/registration.db" \
  || fail "copy the backup out of the pod"
podman exec "$reg_ctr" rm /var/lib/unemployment/backup.db
# The backup is a WAL-mode SQLite file: reading it needs a writable folder (for its -shm file).
chown -R 10001:10001 "$state/backup"
ok "online backup of registration taken while it served, copied out of the pod"
podman stop -t 30 "$reg_ctr" >>"$state/stop.log" 2>&1
on_volume sh -c "rm -f $db $db-wal $db-shm" || fail "wipe registration's data"
restart_registration
check absent "$registration_at" "$state/made.json" || fail "registration data really lost"
passed=$((passed + 1))
podman stop -t 30 "$reg_ctr" >>"$state/stop.log" 2>&1
on_volume ue_store_backup restore /backups/registration.db "$db" || fail "ue_store_backup restore"
restart_registration
ok "registration restored from the backup with ue_store_backup and SERVING again"
check intact "$registration_at" "$state/made.json" || fail "registrations intact after the restore"
passed=$((passed + 6))

# ---- 7b. scheduled backups (issue 22) ----------------------------------------------------------------
# Every service backs up all its databases, the audit log included, to its backup volume
# (UE_BACKUP_DIR) by itself; overlays/podman sets UE_BACKUP_INTERVAL=1m, so by now each has taken
# several sets. A set holds every database and the audit anchor, and its audit log verifies.
backup_sets() {  # SERVICE: the names of its complete sets, oldest first
  podman exec "$1-pod-0-$1" ls /var/lib/unemployment-backup | grep -E "^${1//-/_}-[0-9]{8}T[0-9]{6}Z\$" || true
}
check_scheduled_backups() {
  local svc name sets newest verdict text waited=0
  # The first set is taken at start, the next one a minute later: wait for it (at most 2 minutes).
  for svc in "${services[@]}"; do
    while (($(backup_sets "$svc" | wc -l) < 2 && waited < 120)); do sleep 5; waited=$((waited + 5)); done
  done
  for svc in "${services[@]}"; do
    name=${svc//-/_}  # sets are named after the binary (person_index-20261207T101500Z)
    sets=$(backup_sets "$svc")
    (($(wc -l <<<"$sets") >= 2)) && [[ -n $sets ]] \
      || fail "$svc took fewer than 2 scheduled backup sets: $(tr '\n' ' ' <<<"$sets")"
    newest=/var/lib/unemployment-backup/$(tail -1 <<<"$sets")
    if [[ $svc == registration ]]; then
      podman exec "$svc-pod-0-$svc" test -s "$newest/registration.db" \
        || fail "registration's backup set $newest has no registration.db"
    fi
    if [[ $svc == gateway || $svc == registration ]]; then  # the audit log, consistent with its anchor
      verdict=$(podman exec "$svc-pod-0-$svc" ue_audit_verify --anchor="$newest/audit.anchor" \
        "$newest/audit.db" "$keys/audit.key") || fail "ue_audit_verify of $svc's backup set: $verdict"
    fi
    text=$(scrape "$svc") || fail "$svc does not serve /metrics"
    grep -q "^ue_backup_failures_total{service=\"$name\"} 0" <<<"$text" \
      || fail "$svc's /metrics reports failed backups: $(grep '^ue_backup_failures_total' <<<"$text")"
    echo "    $svc: $(wc -l <<<"$sets") sets, newest $(basename "$newest")"
  done
  ok "every service took scheduled backup sets (all databases, audit log verified in a set)"
}
check_scheduled_backups

# ---- 7c. restore drill: all six databases, timed (RTO); a feed that went back halts its consumers --
# restore_drill (h/dr; kept in one function so that other checks of this script merge around it):
#  - online backups of the six services' databases, consumers before producers (statistics,
#    person index, verification, tiering, follow-up, registration), so that no consumer's cursor in
#    the set is ahead of its producer's feed;
#  - more applications after the backups (check submit: what a restore to the backups loses, the
#    RPO's "work since the last backup");
#  - registration alone restored to its backup: its feed went back, so tiering, follow-up,
#    statistics and the person index must HALT their registration consumers (metric
#    ue_feed_consumer_halted 1, log line event=feed_halted, `uectl feed-status` exit 1) and apply
#    nothing of the reused sequence numbers;
#  - the full restore, timed: stop the six, restore the six databases from the set, start them, all
#    SERVING (the RTO printed as "RTO measured"); the consumers are no longer halted (their own
#    databases are older than the halt), the applications made before the backups are intact and
#    the later ones are gone.
# The audit logs are not rolled back (they are evidence and append-only; a lost volume's audit log
# is restored from its own backup with its anchor, deploy/README.md, "Restore").
drill_services=(statistics person-index verification tiering followup registration)
db_file() { local name=${1//-/_}; echo "/var/lib/unemployment/$name.db"; }
ctr() { echo "$1-pod-0-$1"; }
wait_serving() {  # SERVICE
  podman exec "$(ctr "$1")" ue_health_probe --wait=90s "127.0.0.1:$(health_port "$1")" >/dev/null \
    || fail "$1 did not become SERVING again"
}
# metric SERVICE REGEX: the value of the first /metrics line of SERVICE matching REGEX, or "".
metric() {
  scrape "$1" 2>/dev/null | grep -E "$2" | head -1 | awk '{print $2}' || true
}
restore_drill() {
  local set=$state/drill
  mkdir -p "$set"
  for svc in "${drill_services[@]}"; do
    local db; db=$(db_file "$svc")
    podman exec "$(ctr "$svc")" ue_store_backup backup "$db" /var/lib/unemployment/drill.db \
      || fail "online backup of $svc"
    podman cp "$(ctr "$svc"):/var/lib/unemployment/drill.db" "$set/$svc.db" \
      || fail "copy $svc's backup out of the pod"
    podman exec "$(ctr "$svc")" rm /var/lib/unemployment/drill.db
  done
  chown -R 10001:10001 "$set"
  ls -l "$set" | sed 's/^/    /'
  ok "online backups of the six databases (consumers first, producers last)"
  UE_CHECK_BIRTH_MONTH=02 check submit "$gateway_at" "$registration_at" "$state/after.json" \
    || fail "applications after the backups"
  # Let the consumers apply them (their cursors pass the backed-up head).
  local head cursor
  for _ in $(seq 1 60); do
    head=$(metric registration '^ue_feed_head_sequence\{')
    cursor=$(metric tiering '^ue_feed_consumer_cursor\{feed="registration/hlj"')
    [[ -n $head && -n $cursor && ${cursor%.*} -ge ${head%.*} ]] && break
    sleep 1
  done
  [[ -n $head && ${cursor%.*} -ge ${head%.*} ]] || fail "tiering did not catch up with registration"
  ok "applications after the backups, consumed (registration feed head ${head%.*})"

  # Registration alone back to the backup: its feed goes back below the consumers' cursors.
  podman stop -t 30 "$(ctr registration)" >>"$state/stop.log" 2>&1
  drill_restore registration
  podman start "$(ctr registration)" >>"$state/stop.log" 2>&1 || fail "podman start registration"
  wait_serving registration
  local consumer halted
  for consumer in tiering followup statistics person-index; do
    halted=""
    for _ in $(seq 1 90); do
      halted=$(metric "$consumer" '^ue_feed_consumer_halted\{feed="registration/hlj"')
      [[ ${halted%.*} == 1 ]] && break
      sleep 1
    done
    [[ ${halted%.*} == 1 ]] || fail "$consumer did not halt on registration's feed that went back"
    grep -q 'event=feed_halted' <<<"$(podman logs "$(ctr "$consumer")" 2>&1)" \
      || fail "$consumer logged no feed_halted line"
  done
  local status_out
  if status_out=$(podman exec "$(ctr tiering)" uectl feed-status \
                    --metrics="127.0.0.1:$(metrics_port tiering)" 2>&1); then
    fail "uectl feed-status exited 0 with a halted consumer: $status_out"
  fi
  grep -q 'registration/hlj .*HALTED' <<<"$status_out" \
    || fail "uectl feed-status does not show the halt: $status_out"
  sed 's/^/    /' <<<"$status_out"
  ok "registration restored alone: tiering, follow-up, statistics and person index HALTED (metric, log, uectl feed-status)"

  # The full restore, timed: from stopping the six to all six SERVING again.
  local t0 t1
  t0=$(date +%s.%N)
  for svc in "${drill_services[@]}"; do podman stop -t 30 "$(ctr "$svc")" >>"$state/stop.log" 2>&1 & done
  wait
  for svc in "${drill_services[@]}"; do drill_restore "$svc" & done
  wait
  for svc in "${drill_services[@]}"; do
    podman start "$(ctr "$svc")" >>"$state/stop.log" 2>&1 || fail "podman start $svc"
  done
  for svc in "${drill_services[@]}"; do wait_serving "$svc"; done
  t1=$(date +%s.%N)
  drill_rto=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  echo "    RTO measured: ${drill_rto} s (stop, restore and start of the six services, all SERVING)"
  ok "all six databases restored from the backup set; RTO ${drill_rto} s"
  for consumer in tiering followup statistics person-index; do
    halted=""
    for _ in $(seq 1 60); do
      halted=$(metric "$consumer" '^ue_feed_consumer_halted\{feed="registration/hlj"')
      [[ ${halted%.*} == 0 ]] && break
      sleep 1
    done
    [[ ${halted%.*} == 0 ]] || fail "$consumer is still halted after the full restore"
  done
  check intact "$registration_at" "$state/made.json" || fail "applications before the backups intact"
  check absent "$registration_at" "$state/after.json" \
    || fail "applications after the backups gone (the RPO: work since the last backup)"
  ok "after the full restore: consumers streaming, data as of the backups (later work lost: RPO)"
}
# drill_restore SERVICE: restores SERVICE's database from the drill's set, the service stopped.
drill_restore() {
  local svc=$1 db; db=$(db_file "$1")
  podman run --rm --network none --read-only --user 10001:10001 --cap-drop ALL \
    -v "$svc-data:/var/lib/unemployment" -v "$state/drill:/backups" "$image" \
    ue_store_backup restore "/backups/$svc.db" "$db" >>"$state/stop.log" 2>&1 \
    || fail "ue_store_backup restore of $svc"
}
# The drill restarts registration and needs every consumer to notice within its waits: it starts
# only once all four read registration's feed again after step 7's restarts. podman gives a pod
# started again a new address, which a consumer's channel finds when gRPC resolves the name again
# (at most every 30 s) and its backoff (up to ~25 s) allows; "connected" is 1 already while a
# stream is being opened, so an event made now must reach every consumer's cursor.
wait_consumers_streaming() {
  local head consumer cursor t0; t0=$(date +%s)
  check shard-intake "$gateway_at" hlj "${shard_office[hlj]}" 17 "$state/shards/hlj-before-drill.json" \
    || fail "intake at hlj before the drill"
  head=$(metric registration '^ue_feed_head_sequence\{')
  [[ -n $head ]] || fail "registration's /metrics has no ue_feed_head_sequence"
  for consumer in tiering followup statistics person-index; do
    while :; do
      cursor=$(metric "$consumer" '^ue_feed_consumer_cursor\{feed="registration/hlj"')
      [[ -n $cursor && ${cursor%.*} -ge ${head%.*} ]] && break
      (($(date +%s) - t0 < 180)) \
        || fail "$consumer does not read registration's feed again (cursor ${cursor:-none}, head ${head%.*})"
      sleep 2
    done
  done
  ok "tiering, follow-up, statistics and the person index read registration's feed again (head ${head%.*}, $(($(date +%s) - t0)) s)"
}
if [[ ${UE_CONTAINER_DRILL:-1} == 1 ]]; then
  step "restore drill: six databases, a feed that went back, RTO"
  wait_consumers_streaming
  restore_drill
fi

# ---- 7d. a city shard added while the suite runs (issue 22) -----------------------------------------
# add_running_shard: added_shard joins city_shards as an operator adds one (deploy/README.md,
# runbook "Adding a city shard"): its folder shards/<shard>/ and routing line are what
# sharded-by-city/generate.py made from its line in shards.csv; its certificate and keys come from
# make-dev-ca.sh / make-k8s-secrets.sh with the longer UE_REGISTRATION_SHARDS (nothing else is
# re-issued); the suite is rendered again, and only what changed is started again: the new shard
# (new volumes), the gateway (routing table, UE_SHARDS) and the feed readers (UE_REGISTRATION_SHARDS)
# — like `kubectl apply`, the running shards are not restarted. Then the new shard accepts its
# city's applications through the gateway, the index keeps a person registered elsewhere out, and
# the person index reads its feed.
add_running_shard() {
  local shard=$added_shard t0 t1 svc restarted=(gateway person-index tiering followup statistics)
  t0=$(date +%s.%N)
  city_shards+=("$shard")
  shards_env="${city_shards[*]}"
  UE_REGISTRATION_SHARDS=$shards_env deploy/security/make-dev-ca.sh "$state/ca" "${pod_names[@]}" "registration-$shard-pod-0" >/dev/null \
    || fail "make-dev-ca.sh for the new shard"
  [[ -f $state/ca/shards/$shard/server.pem ]] || fail "make-dev-ca.sh made no certificate for $shard"
  rm -rf "$state/secrets-added"
  UE_REGISTRATION_SHARDS=$shards_env deploy/security/make-k8s-secrets.sh --files "$state/ca" "$state/secrets-added" 2>/dev/null \
    || fail "make-k8s-secrets.sh --files for the new shard"
  mv "$state/secrets-added/registration-$shard" "$state/secrets/"
  rm -rf "$state/secrets-added"
  chown -R 10001:10001 "$state/secrets/registration-$shard"
  chmod 0500 "$state/secrets/registration-$shard"
  cp "$state/suite.yaml" "$state/suite-first.yaml"
  render_suite
  grep -q "^${shard_office[$shard]:0:4},$shard\$" "$state/overlay/routing.csv" \
    || fail "no routing line for $shard (generate.py's routing-by-city.csv)"
  # The changed workloads, the ConfigMaps, and the volume claims that do not exist yet.
  /usr/bin/python3 - "$state/suite.yaml" "$state/replace.yaml" "registration-$shard" "${restarted[@]}" <<'PY' \
    || fail "the manifests of the changed workloads"
import subprocess, sys, yaml
names = set(sys.argv[3:])
keep = []
for doc in yaml.safe_load_all(open(sys.argv[1])):
    kind, name = doc["kind"], doc["metadata"]["name"]
    if (kind == "ConfigMap" or (kind == "Deployment" and name in names) or
            (kind == "PersistentVolumeClaim" and
             subprocess.run(["podman", "volume", "exists", name]).returncode != 0)):
        keep.append(doc)
yaml.safe_dump_all(keep, open(sys.argv[2], "w"))
PY
  for svc in "${restarted[@]}"; do podman pod stop -t 30 "$svc-pod-0" >>"$state/stop.log" 2>&1 & done
  wait
  for svc in "${restarted[@]}"; do podman pod rm -f "$svc-pod-0" >>"$state/stop.log" 2>&1 || true; done
  timeout 300 podman kube play --network "$network" "$state/replace.yaml" >"$state/play.log" 2>&1 \
    || { cat "$state/play.log" >&2; fail "podman kube play of the new shard and the changed workloads"; }
  podman exec "$(shard_ctr "$shard")" ue_health_probe --wait=60s "127.0.0.1:$(health_port registration)" >/dev/null \
    || fail "the new shard $shard did not become SERVING"
  for svc in "${restarted[@]}"; do wait_serving "$svc"; done
  t1=$(date +%s.%N)
  ok "shard $shard added: certificate, keys, routing line, address lists; $shard, gateway and feed readers SERVING in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s (hlj and ${city_shards[0]} not restarted)"
  check shard-intake "$gateway_at" "$shard" "${shard_office[$shard]}" 15 "$state/shards/$shard.json" \
    || fail "intake at the new shard $shard"
  check held "$gateway_at" "${shard_office[$shard]}" "$state/made.json" ACTIVE_REGISTRATION_EXISTS \
    || fail "a person registered at hlj applied at the new shard"
  check shard-intake "$gateway_at" "${city_shards[0]}" "${shard_office[${city_shards[0]}]}" 16 \
    "$state/shards/${city_shards[0]}-after.json" || fail "intake at ${city_shards[0]} after adding $shard"
  local cursor=""
  for _ in $(seq 1 30); do
    cursor=$(metric person-index "^ue_feed_consumer_cursor\{feed=\"registration/$shard\"")
    [[ -n $cursor && ${cursor%.*} -ge 1 ]] && break
    sleep 1
  done
  [[ -n $cursor && ${cursor%.*} -ge 1 ]] || fail "the person index does not read $shard's feed"
  ok "the new shard $shard accepts its city's applications; the person index reads its feed (cursor ${cursor%.*})"
}
step "a city shard added while the suite runs: $added_shard"
add_running_shard

# ---- 8. audit logs, graceful shutdown -------------------------------------------------------------------
for svc in "${services[@]}"; do
  if ! podman exec "$svc-pod-0-$svc" test -e /var/lib/unemployment/audit.db; then
    [[ $svc != gateway && $svc != registration ]] || fail "$svc has no audit log"
    continue
  fi
  verdict=$(podman exec "$svc-pod-0-$svc" ue_audit_verify --anchor=/var/lib/unemployment/audit.anchor \
    /var/lib/unemployment/audit.db "$keys/audit.key") \
    || fail "ue_audit_verify of $svc: $verdict"
  entries=$(sed -n 's/.*: intact, \([0-9]*\) entries.*/\1/p' <<<"$verdict")
  [[ -n $entries ]] || fail "ue_audit_verify of $svc printed: $verdict"
  if [[ $svc == gateway || $svc == registration ]] && ((entries == 0)); then
    fail "$svc recorded no audit entry for the personal-data calls of the test"
  fi
  echo "    $svc: ${verdict#*: }"
done
for shard in "${city_shards[@]}"; do
  verdict=$(podman exec "$(shard_ctr "$shard")" ue_audit_verify --anchor=/var/lib/unemployment/audit.anchor \
    /var/lib/unemployment/audit.db "$keys/audit.key") || fail "ue_audit_verify of registration-$shard: $verdict"
  echo "    registration-$shard: ${verdict#*: }"
done
ok "audit logs intact (ue_audit_verify); gateway and registration recorded the test's calls"
if [[ ${UE_CONTAINER_KEEP:-0} == 1 ]]; then
  trap - EXIT
  echo "suite left running (gateway 127.0.0.1:$gateway_host_port); tear down: $0 --down"
  echo "${passed} passed, 0 failed"
  exit 0
fi
step "stopping the suite (SIGTERM, grace 10 s)"
# (podman logs that it cannot remove healthcheck timers: there is no systemd to run them here.)
for svc in "${services[@]}"; do podman stop -t 30 "$svc-pod-0-$svc" >>"$state/stop.log" 2>&1 & done
for shard in "${city_shards[@]}"; do podman stop -t 30 "$(shard_ctr "$shard")" >>"$state/stop.log" 2>&1 & done
wait
for svc in "${services[@]}"; do
  code=$(podman inspect --format '{{.State.ExitCode}}' "$svc-pod-0-$svc")
  [[ $code == 0 ]] || fail "$svc exited with $code after SIGTERM"
done
for shard in "${city_shards[@]}"; do
  code=$(podman inspect --format '{{.State.ExitCode}}' "$(shard_ctr "$shard")")
  [[ $code == 0 ]] || fail "registration-$shard exited with $code after SIGTERM"
done
ok "every service drained and exited 0 on SIGTERM"
# The compose file under podman-compose, secured, with one scrape of each service's /metrics
# (UE_CONTAINER_COMPOSE=0 skips it). It publishes 127.0.0.1:50051 and 50251-50261, so nothing else
# may use them.
if [[ ${UE_CONTAINER_COMPOSE:-1} == 1 ]]; then
  step "compose: deploy/compose/compose.yaml under podman-compose (tests/container/compose.sh)"
  tests/container/compose.sh "$image" || fail "the compose file under podman-compose"
  ok "compose: secured suite under podman-compose, /metrics scraped"
fi
echo "${passed} passed, 0 failed"
