#!/usr/bin/env bash
# Coverage-guided fuzzing of one DnsCore target with AFL++ through SharpFuzz, for a bounded time.
#
#   bench/fuzz.sh TARGET MINUTES      targets: answer, masterfile, block, message, control, upstream, transfer, transferin, tsig, journal (tests/DnsCore.Fuzz)
#
# Installs afl++ (Debian) and the SharpFuzz.CommandLine tool if missing, publishes the fuzz project,
# instruments DnsCore.dll, and runs afl-fuzz from the checked-in corpus (tests/DnsCore.Fuzz/Corpus/TARGET)
# for MINUTES. Findings go to bench/fuzz-out/TARGET; the last lines give executions, paths and crashes.
# A crash is a bug: copy the file into the corpus under a name that says what it is, add a named
# regression test, and fix it. `--minimise` afterwards replaces the corpus by afl-cmin's minimal set of
# the corpus and the queue.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: bench/fuzz.sh TARGET MINUTES [--minimise]}
minutes=${2:?usage: bench/fuzz.sh TARGET MINUTES [--minimise]}
minimise=${3:-}
corpus=tests/DnsCore.Fuzz/Corpus/$target
[ -d "$corpus" ] || { echo "fuzz.sh: no corpus $corpus" >&2; exit 2; }

if ! command -v afl-fuzz >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null
fi
tools=$PWD/bench/.tools
if [ ! -x "$tools/sharpfuzz" ]; then
    dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null
fi

build=bench/fuzz-build/$target
rm -rf "$build"
dotnet publish tests/DnsCore.Fuzz -c Release -o "$build" --nologo -v quiet >/dev/null
"$tools/sharpfuzz" "$build/DnsCore.dll"

out=bench/fuzz-out/$target
rm -rf "$out"
mkdir -p "$out"
# dotnet itself is not instrumented: SharpFuzz reports DnsCore's coverage through AFL's shared memory.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 DOTNET_TieredPGO=0
timeout $((minutes * 60 + 120)) afl-fuzz -i "$corpus" -o "$out" -V $((minutes * 60)) -t 5000 -m none \
    -- dotnet "$build/minidns-fuzz.dll" "$target" > "$out/afl.log" 2>&1 || true

stats=$out/default/fuzzer_stats
[ -f "$stats" ] || { tail -20 "$out/afl.log"; echo "fuzz.sh: afl-fuzz did not start" >&2; exit 1; }
grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs)' "$stats"
crashes=$(find "$out/default/crashes" -type f -name 'id:*' | wc -l)
echo "fuzz.sh: $target for $minutes min: $(awk '/^execs_done/ {print $3}' "$stats") executions, $crashes crashes (in $out/default/crashes)"

if [ "$minimise" = "--minimise" ]; then
    merged=$out/merged # afl-cmin refuses to work under /tmp
    rm -rf "$merged"
    mkdir -p "$merged"
    cp "$corpus"/* "$out"/default/queue/id:* "$merged"/ 2>/dev/null || true
    rm -rf "$out/cmin"
    afl-cmin -i "$merged" -o "$out/cmin" -t 5000 -m none -- "$(readlink -f "$(command -v dotnet)")" "$build/minidns-fuzz.dll" "$target" >/dev/null
    echo "fuzz.sh: afl-cmin kept $(ls "$out/cmin" | wc -l) of $(ls "$merged" | wc -l) inputs in $out/cmin"
fi
