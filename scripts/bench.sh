#!/usr/bin/env bash
# Speed figures for ssox, against the tests' fake IAM Identity Center on loopback, run by hand
# (never in CI: timings on a shared machine are no test).
#
#   scripts/bench.sh [BINARY...]   (needs hyperfine and GNU time: apt-get install hyperfine time)
#
# For each binary (default: the release build, and the static musl build of
# scripts/build-static where it exists) and for configs of 4, 10,000 and 100,000 profiles (as
# `ssox configure` writes them; the profile used is the last one), it prints the median of a
# warm run (cached role credentials: config + one cache file + exec) against a bare exec
# (`env AWS_ACCESS_KEY_ID=x true`) measured in the same hyperfine run, its ratio, the peak
# memory of a warm run, and the median of `ssox profiles`; then, for the small config, a cold
# run (one GetRoleCredentials on loopback). At the end, one table of it all, each figure
# marked `ok` or `MISSED` against its goal.
#
# Goals (issue 21): 4 profiles: warm <= 1.2x bare; 10,000: warm <= 2x bare, <= 16 MiB,
# profiles <= 60 ms; 100,000: warm <= 15 ms, <= 40 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "bench: install hyperfine (apt-get install hyperfine)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: install GNU time (apt-get install time)" >&2; exit 1; }

cargo build --release --locked --quiet
cargo build --release --locked --quiet --example fake_aws
bins=("$@")
if [ ${#bins[@]} = 0 ]; then
    bins=("$PWD/target/release/ssox")
    static="$PWD/target/static/x86_64-unknown-linux-musl/release/ssox"
    [ -x "$static" ] && bins+=("$static")
fi
work=$(mktemp -d)
trap 'kill "$fake_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

target/release/examples/fake_aws 900 > "$work/url" 2>/dev/null &
fake_pid=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
url=$(cat "$work/url")
export AWS_ENDPOINT_URL_SSO=$url AWS_ENDPOINT_URL_SSO_OIDC=$url
export BROWSER="python3 $PWD/tests/support/fake_browser.py %s"

# A config of N profiles as `ssox configure` writes them; `dev` (the one used) comes last.
make_home() { # DIR N
    mkdir -p "$1/.aws"
    python3 - "$1/.aws/config" "$2" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
            "sso_registration_scopes = sso:account:access\n\n")
    for i in range(n - 1):
        f.write(f"[profile account-{i // 10:05d}.Role{i % 10}]\nsso_session = corp\n"
                f"sso_account_id = {100000000000 + i // 10}\nsso_role_name = Role{i % 10}\n"
                "region = eu-west-1\nssox_generated = true\n\n")
    f.write("[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\n"
            "sso_role_name = readOnly\nregion = us-west-2\n")
PY
}

median_ms() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" ".join("%.2f" % (x["median"]*1000) for x in r))' "$1"; }

for bin in "${bins[@]}"; do
    echo "== $bin ($(file -b "$bin" | cut -d, -f1-2))"
    for n in 4 10000 100000; do
        home="$work/home-$n"
        if [ ! -d "$home" ]; then
            make_home "$home" "$n"
            # A config changed in the last 2 seconds is checked whole on every run (no stamp
            # yet, see config::Stamps); users' configs are older than that.
            sleep 3
        fi
        export HOME=$home
        "$bin" login -p dev >/dev/null 2>&1
        "$bin" -p dev -- true   # fills the role cache
        size=$(du -k "$home/.aws/config" | cut -f1)
        hyperfine --style none --warmup 20 --runs 200 -N --export-json "$work/warm.json" \
            'env AWS_ACCESS_KEY_ID=x true' "$bin -p dev -- true" >/dev/null
        read -r bare warm < <(median_ms "$work/warm.json")
        peak=$(/usr/bin/time -v "$bin" -p dev -- true 2>&1 | awk -F': ' '/Maximum resident set size/ {print $2}')
        hyperfine --style none --warmup 2 --runs 10 -N --export-json "$work/profiles.json" \
            "$bin profiles" >/dev/null
        read -r profiles < <(median_ms "$work/profiles.json")
        linked=dynamic
        file -b "$bin" | grep -q 'static' && linked=static
        echo "$linked $n $size $bare $warm $peak $profiles" >>"$work/rows"
        echo "bench: $bin, $n profiles done" >&2
    done
    export HOME="$work/home-4"
    hyperfine --style none --warmup 5 --runs 100 -N \
        --prepare "sh -c 'rm -f $HOME/.aws/cli/cache/*.json'" \
        --export-json "$work/cold.json" "$bin -p dev -- true" >/dev/null
    echo "$bin $(median_ms "$work/cold.json")" >>"$work/cold"
done

# One table for every binary and size, each figure checked against its goal (issue 21).
python3 - "$work/rows" "$work/cold" <<'PY'
import sys
# Per size: warm run as a multiple of a bare exec, or in ms; peak MiB; `ssox profiles` ms.
goals = {4: (1.2, None, None, None), 10000: (2.0, None, 16, 60), 100000: (None, 15, 40, None)}
def mark(ok):
    return "" if ok is None else (" ok" if ok else " MISSED")
print("| binary | profiles | config | bare exec | warm run | peak memory | `ssox profiles` |")
print("|---|---|---|---|---|---|---|")
for line in open(sys.argv[1]):
    name, n, size, bare, warm, peak, profiles = line.split()
    n, bare, warm, peak, profiles = int(n), float(bare), float(warm), int(peak) / 1024, float(profiles)
    ratio_goal, ms_goal, mem_goal, prof_goal = goals[n]
    label = "static (musl)" if name == "static" else "dynamic (glibc)"
    ratio = warm / bare
    warm_ok = (ratio <= ratio_goal) if ratio_goal else (warm <= ms_goal if ms_goal else None)
    print(f"| {label} | {n:,} | {int(size):,} KiB | {bare:.2f} ms | {warm:.2f} ms ({ratio:.2f}x){mark(warm_ok)} "
          f"| {peak:.1f} MiB{mark(peak <= mem_goal if mem_goal else None)} "
          f"| {profiles:.1f} ms{mark(profiles <= prof_goal if prof_goal else None)} |")
for line in open(sys.argv[2]):
    name, ms = line.split()
    print(f"cold run, 4 profiles (one GetRoleCredentials on loopback), {name}: {ms} ms")
PY
