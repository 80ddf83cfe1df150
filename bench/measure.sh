# Shared by the load scripts (sourced): the benchmark zone and query mix, and the measures of a server
# process. Expects $work, $port, $seconds, $rate and $server_pid where a function uses them.

bench_zone() { # NAMES ADDRESS-OF-NS1: the zone bench.test. on stdout
awk -v n="$1" -v ns1="$2" 'BEGIN {
    print "$ORIGIN bench.test.\n$TTL 3600"
    print "@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\n@ IN NS ns2\nns1 IN A " ns1 "\nns2 IN A 127.0.0.2\nmail IN A 127.0.0.3"
    for (i = 0; i < n; i++) {
        if (i % 3 == 0) o = "h" i; else if (i % 3 == 1) o = "h" i ".d" (i % 100); else o = "h" i ".s" (i % 10) ".d" (i % 100)
        printf "%s IN A 10.%d.%d.%d\n", o, int(i / 65536) % 256, int(i / 256) % 256, i % 256
        if (i % 4 == 0) printf "%s IN AAAA 2001:db8::%x:%x\n", o, int(i / 65536), i % 65536
        if (i % 10 == 0) printf "%s IN TXT \"name %d\"\n", o, i
        if (i % 20 == 0) { printf "%s IN MX 10 mail\n", o; printf "c%d IN CNAME %s\n", i, o }
    }
}'
}

bench_queries() { # NAMES: a fixed-seed mix of 200,000 questions on stdout
awk -v n="$1" 'function owner(i) { return (i % 3 == 0) ? "h" i : (i % 3 == 1) ? "h" i ".d" (i % 100) : "h" i ".s" (i % 10) ".d" (i % 100) }
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
}'
}

now_ms() { date +%s%3N; }

# Waits (at most 300 s) until the server answers ns1.bench.test. A with $2 (default 127.0.0.1); prints the
# milliseconds since $1.
wait_answer() {
    local started=$1 expected=${2:-127.0.0.1} deadline=$(( $(date +%s) + 300 ))
    until dig @127.0.0.1 -p "$port" +short +time=1 +tries=1 ns1.bench.test A 2>/dev/null | grep -qx "$expected"; do
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
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
peak_rss_kb() { local m=0 p v; for p in $(tree_pids "$1"); do v=$(awk '/VmHWM/ {print $2}' /proc/$p/status 2>/dev/null || echo 0); [ "${v:-0}" -gt "$m" ] && m=$v; done; echo $m; }

# Datagrams dropped so far by the server's sockets on our port (the last column of /proc/net/udp), and by
# full receive buffers anywhere on the machine (Udp RcvbufErrors in /proc/net/snmp: the server's or dnsperf's).
server_drops() { awk -v port="$(printf ':%04X' "$port")" 'index($2, port) { d += $NF } END { print d + 0 }' /proc/net/udp; }
rcvbuf_errors() { awk '$1 == "Udp:" { if (!n) { for (i = 1; i <= NF; i++) c[$i] = i; n = 1 } else print $c["RcvbufErrors"] }' /proc/net/snmp; }

# One dnsperf pass over $queries (default $work/queries.txt); appends "qps cpu_us latency_us lost_pct
# server_drops rcvbuf_errors" to $1.
pass() {
    local out=$1 rate_flag=() before after drops errors
    [ "$2" = fixed ] && rate_flag=(-Q "$rate")
    before=$(cpu_ticks "$server_pid") drops=$(server_drops) errors=$(rcvbuf_errors)
    taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "${queries:-$work/queries.txt}" -l "$seconds" -q 500 "${rate_flag[@]}" >"$work/dnsperf.out" 2>&1
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

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }

stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

# The medians of a server's passes, as table columns: q/s, CPU us/query and latency at the fixed rate,
# lost %, then q/s and CPU us/query at the maximum rate.
pass_columns() {
    echo "$(column_median "$work/$1.fixed" 1) $(column_median "$work/$1.fixed" 2) $(column_median "$work/$1.fixed" 3)" \
         "$(column_median "$work/$1.fixed" 4) $(column_median "$work/$1.max" 1) $(column_median "$work/$1.max" 2)"
}
