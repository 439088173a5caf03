#!/usr/bin/env bash
# Load on the --server endpoint, against the tests' fake IAM Identity Center on loopback:
# while 200 idle connections are held open, 200 simultaneous authorised requests from
# PROGRAM; three rounds. Goal: all succeed, p99 under 10 ms.
#
#   scripts/bench-server.sh [IDLE [BURST [ROUNDS]]]
set -euo pipefail
cd "$(dirname "$0")/.."
idle=${1:-200} burst=${2:-200} rounds=${3:-3}

cargo build --release --locked --quiet
cargo build --release --locked --quiet --example fake_aws --example server_load
ssox=$PWD/target/release/ssox
work=$(mktemp -d)
trap 'kill "$fake_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

mkdir -p "$work/.aws"
cat > "$work/.aws/config" <<'CFG'
[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = readOnly
region = us-west-2

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
CFG
target/release/examples/fake_aws 300 > "$work/url" 2>/dev/null &
fake_pid=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
url=$(cat "$work/url")

export HOME=$work AWS_ENDPOINT_URL_SSO=$url AWS_ENDPOINT_URL_SSO_OIDC=$url
export BROWSER="python3 $PWD/tests/support/fake_browser.py %s"
"$ssox" login -p dev 2>/dev/null
# PROGRAM's own descriptor limit must hold its side of the connections too.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
"$ssox" -p dev --server -- target/release/examples/server_load "$idle" "$burst" "$rounds"
