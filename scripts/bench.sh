#!/usr/bin/env bash
# Speed figures for ssox, against the tests' fake IAM Identity Center on loopback.
#
#   scripts/bench.sh            (needs hyperfine and GNU time: apt-get install hyperfine time)
#
# Prints the median of a bare exec (`env AWS_ACCESS_KEY_ID=x true`), a warm run (cached role
# credentials: config + one cache file + exec), and a cold run (valid SSO token, no cached
# credentials: one GetRoleCredentials on loopback), the warm/bare ratio, and the peak memory
# of a warm run. Targets: warm within 2x of bare; cold under 20 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "bench: install hyperfine (apt-get install hyperfine)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: install GNU time (apt-get install time)" >&2; exit 1; }

cargo build --release --locked --quiet
cargo build --release --locked --quiet --example fake_aws
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
"$ssox" -p dev -- true   # fills the role cache

hyperfine --style basic --warmup 20 --runs 300 -N \
    --export-json "$work/warm.json" \
    'env AWS_ACCESS_KEY_ID=x true' \
    "$ssox -p dev -- true" >/dev/null
hyperfine --style basic --warmup 5 --runs 100 -N \
    --prepare "sh -c 'rm -f $work/.aws/cli/cache/*.json'" \
    --export-json "$work/cold.json" \
    "$ssox -p dev -- true" >/dev/null

python3 - "$work/warm.json" "$work/cold.json" <<'PY'
import json, sys
warm = json.load(open(sys.argv[1]))["results"]
cold = json.load(open(sys.argv[2]))["results"][0]
bare, hot = warm[0]["median"] * 1000, warm[1]["median"] * 1000
print(f"bare exec (env AWS_ACCESS_KEY_ID=x true): median {bare:.2f} ms")
print(f"warm ssox -p dev -- true:                 median {hot:.2f} ms  ({hot / bare:.2f}x bare; target <= 2x)")
print(f"cold ssox -p dev -- true (1 GetRoleCredentials): median {cold['median'] * 1000:.2f} ms  (target < 20 ms)")
PY
peak=$(/usr/bin/time -v "$ssox" -p dev -- true 2>&1 | awk -F': ' '/Maximum resident set size/ {print $2}')
echo "peak memory of a warm run: ${peak} KiB"
