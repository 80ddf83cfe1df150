#!/usr/bin/env bash
# Transfer benchmark: a zone of N names (default 200,000) sent by AXFR to a Knot secondary, from an NSD
# primary and from a MiniDns primary, in the same run, on loopback only (bench/load.sh --transfer).
#
#   bench/transfer-load.sh [--names N] [--rounds R]     (200,000 names, 3 rounds)
#
# Each primary runs pinned to CPU 0 (NSD with provide-xfr, MiniDns natively published with --allow-transfer),
# Knot on CPU 1. Per round Knot transfers the zone afresh (knotc zone-retransfer) and its log gives the time;
# the primary's resident memory (with the processes it forked) is sampled every 20 ms meanwhile. Reported:
# median seconds per transfer, the primary's resident growth during it and its peak, and the MiniDns / NSD
# ratio. Every wait has a deadline.
set -euo pipefail

names=200000 rounds=3
while [ $# -gt 0 ]; do
    case "$1" in
        --names) names=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "transfer-load.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/measure.sh
. "$root/bench/measure.sh"
work=$(mktemp -d /tmp/minidns-transfer.XXXXXX)
server_pid="" knot_pid=""
cleanup() {
    [ -n "$knot_pid" ] && kill "$knot_pid" 2>/dev/null || true
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    pkill -f "nsd -d -c $work/" 2>/dev/null || true
    for _ in $(seq 50); do pgrep -f "nsd -d -c $work/|knotd -c $work/" >/dev/null || break; sleep 0.1; done
    rm -rf "$work"
}
trap cleanup EXIT

need() { command -v "$1" >/dev/null 2>&1; }
if ! need nsd || ! need knotd || ! need knotc || ! need dig || ! need taskset || ! need clang; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq nsd knot bind9-dnsutils util-linux clang >/dev/null
fi
[ "$(nproc)" -ge 2 ] || { echo "transfer-load.sh: needs 2 CPUs" >&2; exit 1; }

echo "== publishing MiniDns (Release, native)"
case "$(uname -m)" in aarch64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
dotnet publish "$root/src/DnsServer" -c Release -r "$rid" -o "$work/minidns" -v quiet -nologo >/dev/null

echo "== zone of $names names"
mkdir -p "$work/zones"
bench_zone "$names" 127.0.0.1 > "$work/zones/bench.test.zone"
port=$((20000 + RANDOM % 20000))
serial=$(awk '/SOA/ { print $6; exit }' "$work/zones/bench.test.zone")

start_nsd() {
    mkdir -p "$work/nsd"
    cat > "$work/nsd/nsd.conf" <<CONF
server:
    ip-address: 127.0.0.1
    port: $port
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "$work/zones"
    database: ""
    zonelistfile: "$work/nsd/zone.list"
    xfrdfile: "$work/nsd/xfrd.state"
    xfrdir: "$work/nsd"
    pidfile: "$work/nsd/nsd.pid"
    verbosity: 0
remote-control:
    control-enable: no
zone:
    name: bench.test
    zonefile: "bench.test.zone"
    provide-xfr: 127.0.0.0/8 NOKEY
CONF
    taskset -c 0 nsd -d -c "$work/nsd/nsd.conf" >"$work/nsd/log" 2>&1 &
    server_pid=$!
    wait_answer "$(now_ms)" >/dev/null
}

start_minidns() {
    rm -f "$work/minidns.db"*
    taskset -c 0 "$work/minidns/DnsServer" --db "$work/minidns.db" --zones "$work/zones" --listen 127.0.0.1 --port "$port" \
        --allow-transfer 127.0.0.0/8 --recursion-allow none --rrl-rate 0 --log-level Warning >"$work/minidns.log" 2>&1 &
    server_pid=$!
    wait_answer "$(now_ms)" >/dev/null
}

# Knot as the secondary, on CPU 1, on its own port; it transfers the zone once at start.
start_knot() {
    rm -rf "$work/knot" && mkdir -p "$work/knot"
    cat > "$work/knot/knot.conf" <<CONF
server:
    listen: 127.0.0.2@$((port + 1))
    rundir: $work/knot
log:
  - target: $work/knot/knot.log
    any: info
database:
    storage: $work/knot
remote:
  - id: primary
    address: 127.0.0.1@$port
template:
  - id: default
    storage: $work/knot
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: bench.test
    master: primary
CONF
    taskset -c 1 knotd -c "$work/knot/knot.conf" >"$work/knot/out.log" 2>&1 &
    knot_pid=$!
    wait_transfers 1
}

finished_transfers() { if [ -f "$work/knot/knot.log" ]; then grep -c 'incoming.*finished' "$work/knot/knot.log" || true; else echo 0; fi; }

# Waits (at most 120 s) until Knot's log has N finished incoming transfers.
wait_transfers() {
    local deadline=$(( $(date +%s) + 120 ))
    until [ "$(finished_transfers)" -ge "$1" ]; do
        [ "$(date +%s)" -lt "$deadline" ] || { echo "transfer-load.sh: Knot did not finish transfer $1" >&2; tail -5 "$work/knot/knot.log" >&2; exit 1; }
        sleep 0.05
    done
}

# Resident memory of the primary and the processes it forked (NSD answers from a child).
tree_rss_kb() { local total=0 p v; for p in $(tree_pids "$1"); do v=$(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0); total=$(( total + ${v:-0} )); done; echo "$total"; }

# One transfer afresh: seconds (from Knot's log), the primary's resident growth while it ran and its peak, in MiB.
transfer() {
    local done_before; done_before=$(finished_transfers)
    local before; before=$(tree_rss_kb "$server_pid")
    local peak=$before
    knotc -s "$work/knot/knot.sock" zone-retransfer bench.test >/dev/null
    local deadline=$(( $(date +%s) + 120 ))
    while [ "$(finished_transfers)" -le "$done_before" ]; do
        [ "$(date +%s)" -lt "$deadline" ] || { echo "transfer-load.sh: the retransfer did not finish" >&2; exit 1; }
        local now; now=$(tree_rss_kb "$server_pid")
        [ "$now" -gt "$peak" ] && peak=$now
        sleep 0.02
    done
    local seconds; seconds=$(grep 'incoming.*finished' "$work/knot/knot.log" | tail -1 | sed -E 's/.*finished, ([0-9.]+) seconds.*/\1/')
    echo "$seconds $(awk -v p="$peak" -v b="$before" 'BEGIN { printf "%.1f %.1f", (p - b) / 1024, p / 1024 }')"
}

for server in nsd minidns; do
    "start_$server"
    start_knot
    for r in $(seq 1 "$rounds"); do
        transfer >> "$work/$server.xfr"
        echo "round $r $server: $(tail -1 "$work/$server.xfr") (seconds; the primary's resident growth and peak, MiB)"
    done
    kill "$knot_pid"; wait "$knot_pid" 2>/dev/null || true; knot_pid=""
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
done

printf '\n%s names (serial %s), %s transfers per primary to Knot (median)\n\n' "$names" "$serial" "$rounds"
printf '| primary | AXFR s | resident growth MiB | resident peak MiB |\n|---|---|---|---|\n'
for server in nsd minidns; do
    printf '| %s | %s | %s | %s |\n' "$server" "$(column_median "$work/$server.xfr" 1)" "$(column_median "$work/$server.xfr" 2)" "$(column_median "$work/$server.xfr" 3)"
done
echo
echo "MiniDns / NSD: AXFR time $(ratio "$(column_median "$work/minidns.xfr" 1)" "$(column_median "$work/nsd.xfr" 1)")"
