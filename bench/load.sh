#!/usr/bin/env bash
# Load test: MiniDns beside NSD, in the same run, on loopback only.
#
#   bench/load.sh                 10,000 names, 3 rounds of a 40k q/s pass and a max-rate pass per server
#   bench/load.sh --names 200000  the same with 200,000 names
#   bench/load.sh --edits         MiniDns at 40k q/s while minidns edits a record once a second for 20 s
#   bench/load.sh --rrl           MiniDns at 40k q/s with response rate limiting off and on, interleaved
#   bench/load.sh --resolver      MiniDns as a resolver beside Unbound (bench/resolver-load.sh; same options)
#   bench/load.sh --transfer      AXFR of 200,000 names to Knot, MiniDns primary beside NSD (bench/transfer-load.sh)
#
# NSD runs with its RRL off, and so does MiniDns beside it (--rrl-rate 0): dnsperf sends from one address,
# which RRL would limit. --rrl measures what the limiter's table costs per query: "on" is a rate no bucket
# of the query mix reaches (1,000,000 a second, the largest the option takes), so every response is looked up and counted, none dropped.
#
# MiniDns and minidns are published natively (clang is installed with dnsperf and nsd when missing).
# Each server runs pinned to CPU 0, dnsperf to CPU 1. Reported per server: median queries/s, server CPU
# time per answered query (utime+stime from /proc over the pass / answered queries), average latency,
# lost %, peak RSS (VmHWM) and load time (start to first correct answer); then MiniDns / NSD ratios.
# Each round line adds the datagrams dropped at the server's sockets and the receive-buffer overflows on
# the machine, which tell a server's losses from dnsperf's own.
# Every pass is bounded by dnsperf's -l; every wait has a deadline; traffic goes to 127.0.0.1 only.
set -euo pipefail

names=10000 rounds=3 seconds=10 rate=40000 mode=compare
while [ $# -gt 0 ]; do
    case "$1" in
        --names) names=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --rate) rate=$2; shift 2 ;;
        --edits) mode=edits; shift ;;
        --rrl) mode=rrl; shift ;;
        --resolver) shift; exec bash "$(dirname "$0")/resolver-load.sh" "$@" ;;
        --transfer) shift; exec bash "$(dirname "$0")/transfer-load.sh" "$@" ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        *) echo "load.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/measure.sh
. "$root/bench/measure.sh"
work=$(mktemp -d /tmp/minidns-load.XXXXXX)
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    pkill -f "nsd -d -c $work/" 2>/dev/null || true
    # NSD writes into its directory as it stops: wait for it (at most 5 s) before removing the directory.
    for _ in $(seq 50); do pgrep -f "nsd -d -c $work/" >/dev/null || break; sleep 0.1; done
    rm -rf "$work"
}
trap cleanup EXIT

need() { command -v "$1" >/dev/null 2>&1; }
if ! need dnsperf || ! need nsd || ! need dig || ! need taskset || ! need clang; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # clang links the server's native (ahead-of-time compiled) binary.
    apt-get install -y -qq dnsperf nsd bind9-dnsutils util-linux clang >/dev/null
fi
[ "$(nproc)" -ge 2 ] || { echo "load.sh: needs 2 CPUs (server on CPU 0, dnsperf on CPU 1)" >&2; exit 1; }

echo "== publishing MiniDns and minidns (Release, native)"
case "$(uname -m)" in aarch64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
dotnet publish "$root/src/DnsServer" -c Release -r "$rid" -o "$work/minidns" -v quiet -nologo >/dev/null
dotnet publish "$root/src/DnsCli" -c Release -r "$rid" -o "$work/cli" -v quiet -nologo >/dev/null

echo "== zone of $names names across three levels, and a fixed-seed query mix"
mkdir -p "$work/zones"
bench_zone "$names" 127.0.0.1 > "$work/zones/bench.test.zone"
bench_queries "$names" > "$work/queries.txt"
port=$((20000 + RANDOM % 20000))

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
    # Response rate limiting would drop most of a load that all comes from 127.0.0.1.
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: bench.test
    zonefile: "bench.test.zone"
CONF
    local started; started=$(now_ms)
    taskset -c 0 nsd -d -c "$work/nsd/nsd.conf" >"$work/nsd/log" 2>&1 &
    server_pid=$!
    load_ms=$(wait_answer "$started")
}

rrl_rate=0
start_minidns() {
    local started; started=$(now_ms)
    taskset -c 0 "$work/minidns/DnsServer" --db "$work/minidns.db" --zones "$work/zones" \
        --listen 127.0.0.1 --port "$port" --log-level Warning --rrl-rate "$rrl_rate" --recursion-allow none >"$work/minidns.log" 2>&1 &
    server_pid=$!
    load_ms=$(wait_answer "$started")
}

if [ "$mode" = edits ]; then
    echo "== MiniDns at $rate q/s while minidns edits a record once a second for 20 s"
    start_minidns
    touch "$work/edits.out" "$work/edit-commands.out"
    (
        for i in $(seq 1 20); do
            # The editor runs on the server's CPU: CPU 1 stands for the clients' machine. The server replies
            # to it once the new snapshot serves, so the answer should be there the moment it exits.
            started=$(now_ms)
            taskset -c 0 "$work/cli/minidns" --db "$work/minidns.db" record add "edit$i.bench.test" A "192.0.2.$i" >/dev/null
            t0=$(now_ms)
            echo "$(( t0 - started ))" >> "$work/edit-commands.out"
            deadline=$(( $(date +%s) + 10 ))
            # Asked at once, then every 50 ms at the lowest priority: each dig start-up costs milliseconds of
            # CPU, and one that preempts dnsperf overflows dnsperf's receive buffer (counted "lost", though answered).
            until nice -n 19 dig @127.0.0.1 -p "$port" +short +time=1 +tries=1 "edit$i.bench.test" A | grep -qx "192.0.2.$i"; do
                [ "$(date +%s)" -lt "$deadline" ] || break
                sleep 0.05
            done
            echo "$(( $(now_ms) - t0 ))" >> "$work/edits.out"
            sleep 1
        done
    ) &
    editor=$!
    seconds=25
    pass "$work/edit-pass" fixed
    wait "$editor"
    read -r qps cpu lat lost drops errors < "$work/edit-pass"
    echo "queries/s $qps, lost $lost %, average latency $lat us, dropped at the server's sockets: $drops, receive-buffer overflows on the machine: $errors"
    echo "minidns record add, start to exit (ms: control socket, commit, reload): $(sort -n "$work/edit-commands.out" | tr '\n' ' ')"
    echo "exit to answer (ms, includes dig's own start-up): $(sort -n "$work/edits.out" | tr '\n' ' ')"
    echo "slowest edit answered $(sort -n "$work/edits.out" | tail -1) ms after minidns exited"
    stop_server
    exit 0
fi

if [ "$mode" = rrl ]; then
    echo "== MiniDns at $rate q/s, response rate limiting off and on (a rate no bucket reaches), $rounds rounds"
    start_minidns; stop_server # the store is imported once, not timed
    for r in $(seq 1 "$rounds"); do
        for variant in off on; do
            if [ "$variant" = on ]; then rrl_rate=1000000; else rrl_rate=0; fi
            start_minidns
            pass "$work/rrl-$variant" fixed
            stop_server
            echo "round $r RRL $variant: $(tail -1 "$work/rrl-$variant") (q/s, CPU us/query, latency us, lost %, server socket drops, receive-buffer overflows)"
        done
    done
    off=$(column_median "$work/rrl-off" 2) on=$(column_median "$work/rrl-on" 2)
    echo "CPU us/query at $rate q/s (median of rounds): RRL off $off, on $on; on / off $(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3f", a / b }')"
    exit 0
fi

echo "== warming: MiniDns imports the zone file into its store once (not timed)"
start_minidns; stop_server

for r in $(seq 1 "$rounds"); do
    for server in nsd minidns; do
        "start_$server"
        echo "$load_ms" >> "$work/$server.load"
        pass "$work/$server.fixed" fixed
        pass "$work/$server.max" max
        peak_rss_kb "$server_pid" >> "$work/$server.rss"
        stop_server
        echo "round $r $server: fixed $(tail -1 "$work/$server.fixed"), max $(tail -1 "$work/$server.max") (q/s, CPU us/query, latency us, lost %, server socket drops, receive-buffer overflows)"
    done
done

printf '\n%s names, %s rounds of %s s passes (median of rounds)\n\n' "$names" "$rounds" "$seconds"
printf '| server | q/s at %s | CPU us/query at %s | latency us | lost %% | max q/s | CPU us/query at max | peak RSS MiB | load ms |\n' "$rate" "$rate"
printf '|---|---|---|---|---|---|---|---|---|\n'
for server in nsd minidns; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$server" $(pass_columns "$server") \
        "$(awk '{ print $1 / 1024 }' "$work/$server.rss" | median)" "$(median < "$work/$server.load")"
done
echo
echo "MiniDns / NSD: CPU per query at $rate q/s $(ratio "$(column_median "$work/minidns.fixed" 2)" "$(column_median "$work/nsd.fixed" 2)")," \
     "max q/s $(ratio "$(column_median "$work/minidns.max" 1)" "$(column_median "$work/nsd.max" 1)")," \
     "peak RSS $(ratio "$(median < "$work/minidns.rss")" "$(median < "$work/nsd.rss")")," \
     "load time $(ratio "$(median < "$work/minidns.load")" "$(median < "$work/nsd.load")")"
