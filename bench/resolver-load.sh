#!/usr/bin/env bash
# Resolver load test: MiniDns beside Unbound, in the same run, on loopback only (bench/load.sh --resolver).
#
#   bench/resolver-load.sh [--names N] [--rounds R] [--seconds S] [--rate Q]   (100,000 names, 3 rounds, 10 s, 40k q/s)
#
# The DNS they resolve through: three NSD servers on port 53, 127.0.0.11 for the root, .12 for test. and
# .13 for bench.test. (N names, the zone and query mix of bench/load.sh). Each resolver in turn runs pinned
# to CPU 0 (Unbound with num-threads 1 and a cache big enough; MiniDns natively published), dnsperf and the
# NSDs on CPU 1. Per round and resolver: the time to resolve 1,000 cold names (200 questions outstanding),
# the cache warmed with every question of the mix, then a 40k q/s pass and a max-rate pass of cache hits,
# and the resident memory the warmed cache added, per 100,000 cached questions. Then MiniDns / Unbound ratios.
# Needs root (port 53 on 127.0.0.11-13); every pass is bounded by dnsperf's -l or -n, every wait has a deadline.
set -euo pipefail

names=100000 rounds=3 seconds=10 rate=40000
while [ $# -gt 0 ]; do
    case "$1" in
        --names) names=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --rate) rate=$2; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "resolver-load.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" -eq 0 ] || { echo "resolver-load.sh: needs root (the hierarchy listens on port 53 of 127.0.0.11-13)" >&2; exit 1; }

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/measure.sh
. "$root/bench/measure.sh"
work=$(mktemp -d /tmp/minidns-resolver-load.XXXXXX)
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
if ! need dnsperf || ! need nsd || ! need unbound || ! need dig || ! need taskset || ! need clang; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq dnsperf nsd unbound bind9-dnsutils util-linux clang >/dev/null
fi
# Debian starts the packaged unbound and nsd as services; ours run on their own addresses and ports.
[ "$(nproc)" -ge 2 ] || { echo "resolver-load.sh: needs 2 CPUs" >&2; exit 1; }

echo "== publishing MiniDns (Release, native)"
case "$(uname -m)" in aarch64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
dotnet publish "$root/src/DnsServer" -c Release -r "$rid" -o "$work/minidns" -v quiet -nologo >/dev/null

echo "== the hierarchy: root on 127.0.0.11, test. on .12, bench.test. ($names names) on .13"
mkdir -p "$work/zones"
cat > "$work/zones/root.zone" <<ZONE
. 86400 IN SOA a.root. h.root. 1 1800 900 604800 86400
. 518400 IN NS a.root.
a.root. 518400 IN A 127.0.0.11
test. 172800 IN NS a.nic.test.
a.nic.test. 172800 IN A 127.0.0.12
ZONE
cat > "$work/zones/test.zone" <<ZONE
test. 900 IN SOA a.nic.test. h.nic.test. 1 1800 900 604800 900
test. 172800 IN NS a.nic.test.
a.nic.test. 172800 IN A 127.0.0.12
bench.test. 172800 IN NS ns1.bench.test.
ns1.bench.test. 172800 IN A 127.0.0.13
ZONE
bench_zone "$names" 127.0.0.13 > "$work/zones/bench.test.zone"
printf '. 3600000 IN NS a.root.\na.root. 3600000 IN A 127.0.0.11\n' > "$work/root.hints"
bench_queries "$names" > "$work/queries.txt"
# 1,000 questions no pass asks: names of the zone under a type the mix never uses.
awk -v n="$names" 'BEGIN { for (i = 0; i < 1000; i++) print "h" (i * 3 % n) ".bench.test SRV" }' > "$work/cold.txt"
distinct=$(sort -u "$work/queries.txt" | wc -l)

start_authority() { # ZONE-FILE ORIGIN ADDRESS
    local dir="$work/nsd-$3"
    mkdir -p "$dir"
    cat > "$dir/nsd.conf" <<CONF
server:
    ip-address: $3
    port: 53
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "$work/zones"
    database: ""
    zonelistfile: "$dir/zone.list"
    xfrdfile: "$dir/xfrd.state"
    xfrdir: "$dir"
    pidfile: "$dir/nsd.pid"
    verbosity: 0
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: "$2"
    zonefile: "$1"
CONF
    taskset -c 1 nsd -d -c "$dir/nsd.conf" >"$dir/log" 2>&1 &
}
start_authority root.zone . 127.0.0.11
start_authority test.zone test. 127.0.0.12
start_authority bench.test.zone bench.test. 127.0.0.13
deadline=$(( $(date +%s) + 120 ))
until dig @127.0.0.13 +short +time=1 +tries=1 ns1.bench.test A 2>/dev/null | grep -qx 127.0.0.13; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "resolver-load.sh: the NSD hierarchy did not answer" >&2; tail -5 "$work"/nsd-*/log >&2; exit 1; }
    sleep 0.1
done

port=$((20000 + RANDOM % 20000))

start_unbound() {
    mkdir -p "$work/unbound"
    cat > "$work/unbound/unbound.conf" <<CONF
server:
    interface: 127.0.0.1
    port: $port
    num-threads: 1
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "$work/unbound"
    pidfile: "$work/unbound/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 0
    access-control: 127.0.0.0/8 allow
    root-hints: "$work/root.hints"
    do-not-query-localhost: no
    module-config: "iterator"
    qname-minimisation: yes
    msg-cache-size: 256m
    rrset-cache-size: 512m
    prefetch: no
    ratelimit: 0
    # Unbound answers test. itself (RFC 6761 special-use names) unless told not to.
    local-zone: "test." nodefault
remote-control:
    control-enable: no
CONF
    local started; started=$(now_ms)
    taskset -c 0 unbound -d -c "$work/unbound/unbound.conf" >"$work/unbound.log" 2>&1 &
    server_pid=$!
    load_ms=$(wait_answer "$started" 127.0.0.13)
}

start_minidns() {
    mkdir -p "$work/no-zones"
    rm -f "$work/resolver.db"*
    local started; started=$(now_ms)
    taskset -c 0 "$work/minidns/DnsServer" --db "$work/resolver.db" --zones "$work/no-zones" --listen 127.0.0.1 --port "$port" \
        --recursion-allow 127.0.0.0/8 --root-hints "$work/root.hints" --cache-size 512MB --rrl-rate 0 --log-level Warning >"$work/minidns.log" 2>&1 &
    server_pid=$!
    load_ms=$(wait_answer "$started" 127.0.0.13)
}

# One run of a question file, each question once (-n 1), with at most $2 outstanding; prints "seconds lost%".
once() {
    taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$1" -n 1 -q "$2" -t 5 -l 600 >"$work/once.out" 2>&1
    awk '/Run time \(s\):/ { t = $4 } /Queries lost:/ { l = $4; gsub(/[()%]/, "", l) } END { printf "%s %s\n", t, l }' "$work/once.out"
}

for r in $(seq 1 "$rounds"); do
    for server in unbound minidns; do
        "start_$server"
        once "$work/cold.txt" 200 >> "$work/$server.cold"
        before=$(rss_kb "$server_pid")
        once "$work/queries.txt" 500 > /dev/null
        after=$(rss_kb "$server_pid")
        echo $(( (after - before) * 100000 / distinct )) >> "$work/$server.rss"
        pass "$work/$server.fixed" fixed
        pass "$work/$server.max" max
        stop_server
        echo "round $r $server: cold 1,000 $(tail -1 "$work/$server.cold") (s, lost %); KiB per 100k cached $(tail -1 "$work/$server.rss");" \
             "fixed $(tail -1 "$work/$server.fixed"), max $(tail -1 "$work/$server.max") (q/s, CPU us/query, latency us, lost %, server socket drops, receive-buffer overflows)"
    done
done

printf '\n%s names (%s distinct questions cached), %s rounds of %s s passes of cache hits (median of rounds)\n\n' "$names" "$distinct" "$rounds" "$seconds"
printf '| resolver | q/s at %s | CPU us/query at %s | latency us | lost %% | max q/s | CPU us/query at max | MiB per 100k cached | 1,000 cold names s |\n' "$rate" "$rate"
printf '|---|---|---|---|---|---|---|---|---|\n'
for server in unbound minidns; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$server" $(pass_columns "$server") \
        "$(awk '{ print $1 / 1024 }' "$work/$server.rss" | median)" "$(column_median "$work/$server.cold" 1)"
done
echo
echo "MiniDns / Unbound: CPU per cache hit at $rate q/s $(ratio "$(column_median "$work/minidns.fixed" 2)" "$(column_median "$work/unbound.fixed" 2)")," \
     "max q/s $(ratio "$(column_median "$work/minidns.max" 1)" "$(column_median "$work/unbound.max" 1)")," \
     "memory per cached question $(ratio "$(median < "$work/minidns.rss")" "$(median < "$work/unbound.rss")")," \
     "1,000 cold names $(ratio "$(column_median "$work/minidns.cold" 1)" "$(column_median "$work/unbound.cold" 1)")"
