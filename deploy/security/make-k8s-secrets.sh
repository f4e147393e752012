#!/usr/bin/env bash
# Turns the output of make-dev-ca.sh (plus per-service audit and data keys) into the per-service
# Secrets the Kubernetes manifests mount, for DEVELOPMENT and TEST clusters. Never commit its output.
#
#   deploy/security/make-k8s-secrets.sh CA_DIR > secrets.yaml        # then: kubectl apply -f secrets.yaml
#   deploy/security/make-k8s-secrets.sh --files CA_DIR OUT_DIR       # one folder per service (podman)
#
# Each service <svc> gets the Secret <svc>-secrets (namespace $UE_K8S_NAMESPACE, default
# unemployment) with the files the manifests' settings name (base/kustomization.yaml, ue-settings):
#   ca.pem               the CA that signs servers and clients (UE_TLS_CLIENT_CA, peers' CA)
#   tls.pem, tls.key     the service's server certificate (CA_DIR/server/<svc>.*)
#   peer.pem, peer.key   its client certificate for calls to other services (CA_DIR/client/svc-<svc>.*)
#   token-<kid>.pub      the PUBLIC keys that verify caller tokens (every CA_DIR/token-keys/*.pub;
#                        two during a key rotation). The signing key (CA_DIR/token-signing.key) is
#                        never put in a Secret: it stays with the token issuer.
#   audit.key            key of this service's audit hash chain (CA_DIR/keys/<svc>/audit.key)
#   data.key             keyring sealing this service's personal data at rest
#                        (CA_DIR/keys/<svc>/data.key: one `key 1 ...` and one `search ...` line, 32
#                        random bytes each, base64); shared only by the replicas of that service
# Audit and data keys are made in CA_DIR/keys/<svc>/ on first use and reused afterwards (a data key
# must outlive the data it sealed: keep CA_DIR/keys with the backups).
#
# With UE_REGISTRATION_SHARDS="harbin qiqihar ..." (the city shards of overlays/sharded-by-city; run
# make-dev-ca.sh with the same variable first) each shard gets its own Secret
# registration-<shard>-secrets: its own server certificate (SAN registration-<shard>), its own peer
# key (CN svc-registration) and its own audit and data keys.
# --files writes OUT_DIR/<svc>/ with the same file names (mode 0400; chown them to 10001 for the
# containers, as tests/container/run.sh does).
#
# Production: the province's CA issues the certificates and the keyrings are made once per service
# and kept outside the cluster; create the same Secrets with `kubectl create secret generic`
# (deploy/README.md).
set -euo pipefail
files_out=
if [[ ${1:-} == --files ]]; then
  files_out=${3:?usage: $0 --files CA_DIR OUT_DIR}
fi
ca=${files_out:+$2}
ca=${ca:-${1:?usage: $0 CA_DIR > secrets.yaml | $0 --files CA_DIR OUT_DIR}}
namespace=${UE_K8S_NAMESPACE:-unemployment}
services=(gateway registration verification tiering followup statistics person-index
          ministry-receiver notification-receiver)
read -r -a shards <<<"${UE_REGISTRATION_SHARDS:-}"
for shard in "${shards[@]}"; do services+=("registration-$shard"); done

[[ -f $ca/ca.pem && -d $ca/token-keys ]] \
  || { echo "error: $ca is not the output of deploy/security/make-dev-ca.sh (or of an old one: no token-keys/)" >&2; exit 1; }
token_keys=()
for pub in "$ca"/token-keys/*.pub; do
  [[ -f $pub ]] && token_keys+=("$(basename "$pub")")
done
((${#token_keys[@]})) || { echo "error: no token verification key in $ca/token-keys" >&2; exit 1; }
umask 077
for svc in "${services[@]}"; do
  mkdir -p "$ca/keys/$svc"
  [[ -f $ca/keys/$svc/audit.key ]] || openssl rand -hex 32 >"$ca/keys/$svc/audit.key"
  if [[ ! -f $ca/keys/$svc/data.key ]]; then
    {
      echo "# data keyring of $svc in a development deployment (deploy/README.md, Key file)"
      echo "key 1 $(openssl rand -base64 32) active"
      echo "search $(openssl rand -base64 32)"
    } >"$ca/keys/$svc/data.key"
  fi
done

# source_of SVC NAME: the CA_DIR file behind a Secret key.
source_of() {
  local svc=$1 shard=
  [[ $svc == registration-* && -d $ca/shards/${svc#registration-} ]] && shard=${svc#registration-}
  case $2 in
    ca.pem) echo "$ca/ca.pem" ;;
    tls.pem|tls.key)
      if [[ -n $shard ]]; then echo "$ca/shards/$shard/server.${2#tls.}"; else echo "$ca/server/$svc.${2#tls.}"; fi ;;
    peer.pem|peer.key)
      if [[ -n $shard ]]; then echo "$ca/shards/$shard/peer.${2#peer.}"; else echo "$ca/client/svc-$svc.${2#peer.}"; fi ;;
    token-*.pub) echo "$ca/token-keys/$2" ;;
    audit.key|data.key) echo "$ca/keys/$svc/$2" ;;
  esac
}
names=(ca.pem tls.pem tls.key peer.pem peer.key "${token_keys[@]}" audit.key data.key)
for svc in "${services[@]}"; do
  for name in "${names[@]}"; do
    [[ -f $(source_of "$svc" "$name") ]] || {
      echo "error: $(source_of "$svc" "$name") is missing (shards: run make-dev-ca.sh with the same UE_REGISTRATION_SHARDS)" >&2
      exit 1
    }
  done
done

if [[ -n $files_out ]]; then
  for svc in "${services[@]}"; do
    rm -rf "${files_out:?}/$svc"
    mkdir -p "$files_out/$svc"
    for name in "${names[@]}"; do
      install -m 0400 "$(source_of "$svc" "$name")" "$files_out/$svc/$name"
    done
  done
  echo "keys of ${services[*]} in $files_out/<service>/" >&2
  exit 0
fi

first=1
for svc in "${services[@]}"; do
  ((first)) || echo "---"
  first=0
  app=$svc
  [[ $svc == registration-* ]] && app=registration
  cat <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: $svc-secrets
  namespace: $namespace
  labels:
    app.kubernetes.io/name: $app
    app.kubernetes.io/part-of: unemployment-registration
type: Opaque
stringData:
EOF
  for name in "${names[@]}"; do
    echo "  $name: |"
    sed 's/^/    /' "$(source_of "$svc" "$name")"
  done
done
