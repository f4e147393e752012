#!/usr/bin/env bash
# Turns the output of make-dev-ca.sh (plus a data keyring) into the per-service Secrets the
# Kubernetes manifests mount, for DEVELOPMENT and TEST clusters. Never commit its output.
#
#   deploy/security/make-k8s-secrets.sh CA_DIR > secrets.yaml        # then: kubectl apply -f secrets.yaml
#   deploy/security/make-k8s-secrets.sh --files CA_DIR OUT_DIR       # one folder per service (podman)
#
# Each service <svc> gets the Secret <svc>-secrets (namespace $UE_K8S_NAMESPACE, default
# unemployment) with the files the manifests' settings name (base/kustomization.yaml, ue-settings):
#   ca.pem               the CA that signs servers and clients (UE_TLS_CLIENT_CA, peers' CA)
#   tls.pem, tls.key     the service's server certificate (CA_DIR/server/<svc>.*)
#   peer.pem, peer.key   its client certificate for calls to other services (CA_DIR/client/svc-<svc>.*)
#   token.key            key of the per-call tokens (shared by every service and the token issuer)
#   audit.key            key of the audit hash chain
#   data.key             keyring sealing personal data at rest (shared by every service); taken from
#                        CA_DIR/data.key, made there first if missing (one `key 1 ... ` and one
#                        `search ...` line, 32 random bytes each, base64)
# --files writes OUT_DIR/<svc>/ with the same file names (mode 0400; chown them to 10001 for the
# containers, as tests/container/run.sh does).
#
# Production: the province's CA issues the certificates and the keyring is made once and kept
# outside the cluster; create the same Secrets with `kubectl create secret generic` (deploy/README.md).
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

[[ -f $ca/ca.pem && -f $ca/token.key && -f $ca/audit.key ]] \
  || { echo "error: $ca is not the output of deploy/security/make-dev-ca.sh" >&2; exit 1; }
umask 077
if [[ ! -f $ca/data.key ]]; then
  {
    echo "# data keyring of a development deployment (deploy/README.md, Key file)"
    echo "key 1 $(openssl rand -base64 32) active"
    echo "search $(openssl rand -base64 32)"
  } >"$ca/data.key"
fi

# source_of SVC NAME: the CA_DIR file behind a Secret key.
source_of() {
  case $2 in
    ca.pem) echo "$ca/ca.pem" ;;
    tls.pem) echo "$ca/server/$1.pem" ;;
    tls.key) echo "$ca/server/$1.key" ;;
    peer.pem) echo "$ca/client/svc-$1.pem" ;;
    peer.key) echo "$ca/client/svc-$1.key" ;;
    *) echo "$ca/$2" ;;
  esac
}
names=(ca.pem tls.pem tls.key peer.pem peer.key token.key audit.key data.key)
for svc in "${services[@]}"; do
  for name in "${names[@]}"; do
    [[ -f $(source_of "$svc" "$name") ]] || { echo "error: $(source_of "$svc" "$name") is missing" >&2; exit 1; }
  done
done

if [[ -n $files_out ]]; then
  for svc in "${services[@]}"; do
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
  cat <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: $svc-secrets
  namespace: $namespace
  labels:
    app.kubernetes.io/name: $svc
    app.kubernetes.io/part-of: unemployment-registration
type: Opaque
stringData:
EOF
  for name in "${names[@]}"; do
    echo "  $name: |"
    sed 's/^/    /' "$(source_of "$svc" "$name")"
  done
done
