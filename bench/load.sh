#!/usr/bin/env bash
# Load test: MiniDns beside NSD, in the same run, on loopback only.
#
#   bench/load.sh                 10,000 names, 3 rounds of a 40k q/s pass and a max-rate pass per server
#   bench/load.sh --names 200000  the same with 200,000 names
#   bench/load.sh --edits         MiniDns at 40k q/s while minidns edits a record once a second for 20 s
#   bench/load.sh --rrl           MiniDns at 40k q/s with response rate limiting off and on, interleaved
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
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "load.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/minidns-load.XXXXXX)
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    pkill -f "nsd -d -c $work/" 2>/dev/null || true
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
awk -v n="$names" 'BEGIN {
    print "$ORIGIN bench.test.\n$TTL 3600"
    print "@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\n@ IN NS ns2\nns1 IN A 127.0.0.1\nns2 IN A 127.0.0.2\nmail IN A 127.0.0.3"
    for (i = 0; i < n; i++) {
        if (i % 3 == 0) o = "h" i; else if (i % 3 == 1) o = "h" i ".d" (i % 100); else o = "h" i ".s" (i % 10) ".d" (i % 100)
        printf "%s IN A 10.%d.%d.%d\n", o, int(i / 65536) % 256, int(i / 256) % 256, i % 256
        if (i % 4 == 0) printf "%s IN AAAA 2001:db8::%x:%x\n", o, int(i / 65536), i % 65536
        if (i % 10 == 0) printf "%s IN TXT \"name %d\"\n", o, i
        if (i % 20 == 0) { printf "%s IN MX 10 mail\n", o; printf "c%d IN CNAME %s\n", i, o }
    }
}' > "$work/zones/bench.test.zone"
awk -v n="$names" 'function owner(i) { return (i % 3 == 0) ? "h" i : (i % 3 == 1) ? "h" i ".d" (i % 100) : "h" i ".s" (i % 10) ".d" (i % 100) }
BEGIN {
    srand(20261127)
    for (q = 0; q < 200000; q++) {
        r = rand(); i = int(rand() * n)
        if (r < 0.80)      print owner(i) ".bench.test A"
        else if (r < 0.85) print owner(i - i % 4) ".bench.test AAAA"
        else if (r < 0.875) print owner(i - i % 10) ".bench.test TXT"
        else if (r < 0.90) print owner(i - i % 20) ".bench.test MX"
        else if (r < 0.95) print "nx" i ".bench.test A"
        else               print "c" (i - i % 20) ".bench.test A"
    }
}' > "$work/queries.txt"

port=$((20000 + RANDOM % 20000))

now_ms() { date +%s%3N; }

# Waits (at most 300 s) until the server answers; prints the milliseconds since $1.
wait_answer() {
    local started=$1 deadline=$(( $(date +%s) + 300 ))
    until dig @127.0.0.1 -p "$port" +short +time=1 +tries=1 ns1.bench.test A 2>/dev/null | grep -qx 127.0.0.1; do
        kill -0 "$server_pid" 2>/dev/null || { echo "load.sh: the server exited; its log: $work/*.log" >&2; tail -5 "$work"/*.log "$work"/nsd/log 2>/dev/null >&2; exit 1; }
        [ "$(date +%s)" -lt "$deadline" ] || { echo "load.sh: server did not answer in 300 s" >&2; exit 1; }
        sleep 0.02
    done
    echo $(( $(now_ms) - started ))
}

# The server's processes: the main pid and all its descendants (NSD forks a main and a worker below it).
tree_pids() { local c; echo "$1"; for c in $(pgrep -P "$1" || true); do tree_pids "$c"; done; }
# utime + stime, fields 14 and 15 of /proc/PID/stat; counted after the ")" that ends the command name,
# which may hold spaces ("nsd: server 1").
cpu_ticks() { local t=0 p; for p in $(tree_pids "$1"); do [ -r /proc/$p/stat ] && t=$(( t + $(sed 's/.*) //' /proc/$p/stat | awk '{print $12 + $13}') )); done; echo $t; }
peak_rss_kb() { local m=0 p v; for p in $(tree_pids "$1"); do v=$(awk '/VmHWM/ {print $2}' /proc/$p/status 2>/dev/null || echo 0); [ "${v:-0}" -gt "$m" ] && m=$v; done; echo $m; }

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

stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

# Datagrams dropped so far by the server's sockets on our port (the last column of /proc/net/udp), and by
# full receive buffers anywhere on the machine (Udp RcvbufErrors in /proc/net/snmp: the server's or dnsperf's).
server_drops() { awk -v port="$(printf ':%04X' "$port")" 'index($2, port) { d += $NF } END { print d + 0 }' /proc/net/udp; }
rcvbuf_errors() { awk '$1 == "Udp:" { if (!n) { for (i = 1; i <= NF; i++) c[$i] = i; n = 1 } else print $c["RcvbufErrors"] }' /proc/net/snmp; }

# One dnsperf pass; appends "qps cpu_us latency_us lost_pct server_drops rcvbuf_errors" to $1.
pass() {
    local out=$1 rate_flag=() before after drops errors
    [ "$2" = fixed ] && rate_flag=(-Q "$rate")
    before=$(cpu_ticks "$server_pid") drops=$(server_drops) errors=$(rcvbuf_errors)
    taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries.txt" -l "$seconds" -q 500 "${rate_flag[@]}" >"$work/dnsperf.out" 2>&1
    after=$(cpu_ticks "$server_pid") drops=$(( $(server_drops) - drops )) errors=$(( $(rcvbuf_errors) - errors ))
    awk -v ticks=$(( after - before )) -v hz="$(getconf CLK_TCK)" -v drops="$drops" -v errors="$errors" '
        /Queries completed:/ { done = $3 }
        /Queries lost:/ { lost = $4; gsub(/[()%]/, "", lost) }
        /Queries per second:/ { qps = $4 }
        /Average Latency/ { lat = $4 }
        END { printf "%.0f %.2f %.0f %s %d %d\n", qps, ticks / hz * 1e6 / done, lat * 1e6, lost, drops, errors }' "$work/dnsperf.out" >> "$out"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
column_median() { awk -v c="$2" '{ print $c }' "$1" | median; }

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
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$server" \
        "$(column_median "$work/$server.fixed" 1)" "$(column_median "$work/$server.fixed" 2)" \
        "$(column_median "$work/$server.fixed" 3)" "$(column_median "$work/$server.fixed" 4)" \
        "$(column_median "$work/$server.max" 1)" "$(column_median "$work/$server.max" 2)" \
        "$(awk '{ print $1 / 1024 }' "$work/$server.rss" | median)" "$(median < "$work/$server.load")"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
echo
echo "MiniDns / NSD: CPU per query at $rate q/s $(ratio "$(column_median "$work/minidns.fixed" 2)" "$(column_median "$work/nsd.fixed" 2)")," \
     "max q/s $(ratio "$(column_median "$work/minidns.max" 1)" "$(column_median "$work/nsd.max" 1)")," \
     "peak RSS $(ratio "$(median < "$work/minidns.rss")" "$(median < "$work/nsd.rss")")," \
     "load time $(ratio "$(median < "$work/minidns.load")" "$(median < "$work/nsd.load")")"
