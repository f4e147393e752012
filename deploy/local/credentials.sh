#!/usr/bin/env bash
# Prints, as shell `export` lines, everything a client needs to call the local suite
# (deploy/local/run.sh) the secured way: the development CA that signed the servers' certificates,
# the client certificate and key of a calling system, a signed token for one of its roles, and the
# gateway's address. One command:
#
#   eval "$(deploy/local/credentials.sh [SYSTEM] [ROLE] [REGION_SCOPE] [VALIDITY])"
#
# SYSTEM is the calling system (its certificate's CN in data/security/policy; default
# province-portal), ROLE one of its roles (default: the system's name when that is a role, e.g.
# province-portal; operator for operator-console; reviewer for staff-client), REGION_SCOPE a
# region-code prefix or * (default *), VALIDITY a duration such as 8h (default 8h, at most 12h). Sets
# UE_CLIENT_CA, UE_CLIENT_CERT, UE_CLIENT_KEY, UE_CLIENT_TOKEN (send it as the metadata
# `authorization: Bearer $UE_CLIENT_TOKEN`) and UE_GATEWAY (host:port).
#
# Uses the same UE_LOCAL_DIR, UE_BASE_PORT and UE_BIN_DIR as deploy/local/run.sh. The CA is made on
# the suite's first start; these credentials are for development only.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
state=${UE_LOCAL_DIR:-$root/var/local}
base=${UE_BASE_PORT:-50051}
bin=${UE_BIN_DIR:-$root/build/release/services}
system=${1:-province-portal}
case $system in
  operator-console) default_role=operator ;;
  staff-client) default_role=reviewer ;;
  ministry-platform) default_role=ministry ;;
  *) default_role=$system ;;
esac
role=${2:-$default_role}
scope=${3:-*}
validity=${4:-8h}
ca=$(cd "$state" 2>/dev/null && pwd)/ca
if [[ ! -f $ca/ca.pem ]]; then
  echo "credentials.sh: no development CA in $state/ca: start the suite first (deploy/local/run.sh)" >&2
  exit 1
fi
if [[ ! -f $ca/client/$system.pem ]]; then
  echo "credentials.sh: no client certificate for '$system'; the systems are:" \
    "$(cd "$ca/client" && ls -- *.pem | sed 's/\.pem$//' | tr '\n' ' ')" >&2
  exit 1
fi
token=$("$bin/ops/ue_issue_token" "$ca/token-signing.key" "$system" "${USER:-developer}-dev" "$role" "$scope" "$validity")
cat <<OUT
export UE_CLIENT_CA='$ca/ca.pem'
export UE_CLIENT_CERT='$ca/client/$system.pem'
export UE_CLIENT_KEY='$ca/client/$system.key'
export UE_CLIENT_TOKEN='$token'
export UE_GATEWAY='localhost:$base'
OUT
