#!/usr/bin/env bash
# Makes a local certificate authority and the certificates and keys of a DEVELOPMENT or TEST
# deployment: one server certificate per service, one client certificate per calling system, and
# the key that signs per-call tokens. Never use its output in production (the CA key sits next to
# the certificates) and never commit it (the output folder belongs under var/ or a build folder).
#
#   deploy/security/make-dev-ca.sh OUT_DIR [extra SAN host ...]
#
# OUT_DIR/ca.pem, ca.key                        the CA (EC P-256, 10 years)
# OUT_DIR/server/<service>.pem, .key            server certificates; SANs: localhost, 127.0.0.1, ::1,
#                                               <service>, <service>.<namespace>.svc(.cluster.local)
#                                               for the k8s Services, and any extra hosts given
# OUT_DIR/client/<system>.pem, .key             client certificates, subject CN = the calling system
#                                               as named in data/security/policy
# OUT_DIR/shards/<shard>/server.pem, .key       with UE_REGISTRATION_SHARDS="harbin qiqihar ..." (the
#                                               registration shards of overlays/sharded-by-city): one
#                                               server certificate per shard, SANs of that shard's
#                                               Service registration-<shard> only (plus localhost)
# OUT_DIR/shards/<shard>/peer.pem, .key         the shard's own client certificate (CN svc-registration,
#                                               its own key): no two shards share a key
# OUT_DIR/token-signing.key                     Ed25519 private key that signs per-call tokens: for
#                                               the token issuer (ue_issue_token) ONLY, never a service
# OUT_DIR/token-keys/token-<kid>.pub            its public key (PEM), what services verify tokens with
#                                               (--token_public_keys); <kid> = the key id in tokens,
#                                               16 hex digits of SHA-256 of the raw public key
# OUT_DIR/audit.key                             32 random bytes (hex) that chain the audit logs
# OUT_DIR/rogue/ca.pem, client.pem, client.key  a second, unrelated CA and a client certificate it
#                                               signed, for tests that a wrong certificate is refused
#
# Running it again keeps an existing CA and token key and re-issues nothing that exists
# (delete OUT_DIR to start over). Token key rotation: `make-dev-ca.sh --rotate-token-key OUT_DIR`
# makes a new signing key and adds its public key next to the old one (both valid; the old signing
# key is kept as token-signing.<kid>.key.retired); remove the old token-<kid>.pub once every token
# it signed has expired (deploy/README.md, Key rotation). Needs openssl.
set -euo pipefail
rotate=0
if [[ ${1:-} == --rotate-token-key ]]; then
  rotate=1
  shift
fi
out=${1:?usage: $0 [--rotate-token-key] OUT_DIR [extra SAN host ...]}
shift
extra_hosts=("$@")
namespace=${UE_K8S_NAMESPACE:-unemployment}
services=(gateway registration verification tiering followup statistics ministry-receiver
          notification-receiver person-index)
# Calling systems: channel systems, each office's staff client, operators, and the services
# themselves when they call each other (svc-<name>).
clients=(ministry-platform province-portal staff-client operator-console
         svc-gateway svc-registration svc-verification svc-tiering svc-followup svc-statistics
         svc-ministry-receiver svc-notification-receiver svc-person-index)
days=${UE_CERT_DAYS:-825}
read -r -a shards <<<"${UE_REGISTRATION_SHARDS:-}"

mkdir -p "$out/server" "$out/client" "$out/rogue"
umask 077

new_ca() {  # dir name
  local dir=$1 name=$2
  [[ -f $dir/ca.pem ]] && return 0
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$dir/ca.key" -sha256 -days 3650 -subj "/O=ue-dev/CN=$name" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$dir/ca.pem"
}

issue() {  # ca_dir out_base cn usage san...
  local ca=$1 base=$2 cn=$3 usage=$4
  shift 4
  [[ -f $base.pem ]] && return 0
  local ext
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    if (($#)); then
      local sans=() h
      for h in "$@"; do
        if [[ $h =~ ^[0-9.]+$ || $h == *:* ]]; then sans+=("IP:$h"); else sans+=("DNS:$h"); fi
      done
      (IFS=,; echo "subjectAltName=${sans[*]}")
    fi
  } >"$ext"
  openssl ecparam -name prime256v1 -genkey -noout -out "$base.key" 2>/dev/null
  openssl req -new -key "$base.key" -subj "/O=ue-dev/CN=$cn" -out "$base.csr" 2>/dev/null
  openssl x509 -req -in "$base.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -CAcreateserial \
    -days "$days" -sha256 -extfile "$ext" -out "$base.pem" 2>/dev/null
  rm -f "$base.csr" "$ext"
}

new_ca "$out" "ue-dev-ca"
for svc in "${services[@]}"; do
  issue "$out" "$out/server/$svc" "$svc" serverAuth \
    localhost 127.0.0.1 ::1 "$svc" "$svc.$namespace" "$svc.$namespace.svc" \
    "$svc.$namespace.svc.cluster.local" "${extra_hosts[@]}"
done
for client in "${clients[@]}"; do
  issue "$out" "$out/client/$client" "$client" clientAuth
done
for shard in "${shards[@]}"; do
  [[ $shard =~ ^[a-z0-9-]+$ ]] || { echo "error: bad shard id '$shard'" >&2; exit 2; }
  mkdir -p "$out/shards/$shard"
  name=registration-$shard
  issue "$out" "$out/shards/$shard/server" "$name" serverAuth \
    localhost 127.0.0.1 ::1 "$name" "$name.$namespace" "$name.$namespace.svc" \
    "$name.$namespace.svc.cluster.local" "${extra_hosts[@]}"
  issue "$out" "$out/shards/$shard/peer" svc-registration clientAuth
done
# The key id of a PEM Ed25519 key (private or public): SHA-256 of the raw 32-byte public key.
key_id() {
  openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | tail -c 32 | openssl dgst -sha256 -r | cut -c1-16
}
mkdir -p "$out/token-keys" && chmod 755 "$out/token-keys"
if ((rotate)) && [[ -f $out/token-signing.key ]]; then
  mv "$out/token-signing.key" "$out/token-signing.$(key_id "$out/token-signing.key").key.retired"
fi
[[ -f $out/token-signing.key ]] || openssl genpkey -algorithm ed25519 -out "$out/token-signing.key"
kid=$(key_id "$out/token-signing.key")
[[ -f $out/token-keys/token-$kid.pub ]] \
  || openssl pkey -in "$out/token-signing.key" -pubout -out "$out/token-keys/token-$kid.pub"
[[ -f $out/audit.key ]] || openssl rand -hex 32 >"$out/audit.key"

new_ca "$out/rogue" "ue-rogue-ca"
issue "$out/rogue" "$out/rogue/client" "province-portal" clientAuth
issue "$out/rogue" "$out/rogue/server" "gateway" serverAuth localhost 127.0.0.1
# The keys are for processes of the same user; certificates may be world-readable.
chmod 644 "$out"/ca.pem "$out"/server/*.pem "$out"/client/*.pem "$out"/rogue/*.pem "$out"/token-keys/*.pub
for shard in "${shards[@]}"; do chmod 644 "$out/shards/$shard"/*.pem; done
echo "dev CA and certificates in $out"
