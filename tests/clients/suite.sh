#!/usr/bin/env bash
# The client-example tests (tests/clients/CMakeLists.txt) against a local suite of their own:
#   suite.sh start | stop          start (fresh data folder) or stop the suite of deploy/local/run.sh
#   suite.sh example LANGUAGE      run examples/clients/LANGUAGE/run.sh as the README shows
#   suite.sh buf-curl              list and call the gateway through server reflection with buf curl
# Needs UE_BASE_PORT, UE_LOCAL_DIR, UE_BIN_DIR (and UE_SKIP_BUILD=1) as deploy/local/run.sh reads
# them; UE_BUF for buf-curl.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
case ${1:?usage: suite.sh start|stop|example LANGUAGE|buf-curl} in
  start)
    deploy/local/run.sh stop >/dev/null 2>&1 || true
    rm -rf "${UE_LOCAL_DIR:?}"
    deploy/local/run.sh --detach
    ;;
  stop)
    deploy/local/run.sh stop
    ;;
  example)
    eval "$(deploy/local/credentials.sh)"
    out=$("examples/clients/${2:?language}/run.sh")
    echo "$out"
    # Two lines: submitted ..., status APPLICATION_STATE_...
    grep -q "^$2: submitted .* as application " <<<"$out"
    grep -q "^$2: status APPLICATION_STATE_" <<<"$out"
    ;;
  buf-curl)
    eval "$(deploy/local/credentials.sh operator-console)"
    buf=${UE_BUF:?buf is not installed: run deploy/install-deps.sh}
    auth=(--protocol grpc --cacert "$UE_CLIENT_CA" --cert "$UE_CLIENT_CERT" --key "$UE_CLIENT_KEY"
          -H "authorization: Bearer $UE_CLIENT_TOKEN" --reflect-header '*' --timeout 10s)
    methods=$("$buf" curl "${auth[@]}" --list-methods "https://$UE_GATEWAY")
    echo "$methods"
    grep -qx "unemployment.gateway.v1.GatewayService/SubmitApplication" <<<"$methods"
    reply=$("$buf" curl "${auth[@]}" -d '{"page_size": 2}' \
      "https://$UE_GATEWAY/unemployment.gateway.v1.GatewayService/ListRegionContacts")
    echo "$reply"
    grep -q '"regionCode"' <<<"$reply"
    # Without the token the call is refused: reflection is secured too.
    if "$buf" curl --protocol grpc --cacert "$UE_CLIENT_CA" --cert "$UE_CLIENT_CERT" \
        --key "$UE_CLIENT_KEY" --timeout 10s --list-methods "https://$UE_GATEWAY" >/dev/null 2>&1; then
      echo "reflection without a token was not refused" >&2
      exit 1
    fi
    ;;
  *) echo "usage: suite.sh start|stop|example LANGUAGE|buf-curl" >&2; exit 2 ;;
esac
