#!/usr/bin/env bash
# Times falco-pod-scan side by side with `wc -l` (the memory-bandwidth floor) and a
# `rg | rg | jq` pipeline on a generated audit log (docs/performance.md), then samples the tool's peak
# anonymous memory on the same file and counts its findings by how they were attributed.
#
# usage: scripts/bench.sh
#   BENCH_DIR      where the log and the results go   (default /tmp/falco-pod-scan-bench)
#   BENCH_SIZE_MB  size of the generated log           (default 1024)
#   BENCH_SEED     generator seed                      (default 42)
#   BENCH_WORKLOAD_FACTOR  share of pod and workload traffic, times the default (default 1)
#   BENCH_WORKLOAD_WRITES  stop pod and workload traffic after this many workload writes
#                          (default: no limit)
#   BENCH_RUNS     hyperfine runs per command          (default 10)
#   BENCH_PAIRS    interleaved tool / wc -l pairs      (default 20)
#   BENCH_BASELINE another falco-pod-scan binary (an older build) to alternate with this one
#                  pair by pair on the same file        (default: none)
#   BENCH_ALLOW    the allowlist                        (default testdata/allow.yaml)
#   BENCH_MEMORY_ONLY=1  skip the timings, only sample memory
# needs: cargo, hyperfine, rg, jq (apt-get update && apt-get install -y hyperfine ripgrep jq)
#
# The log is made by examples/gen-audit-log.rs (benches/common/gen.rs) once and reused; delete it
# to make a new one. Results: $BENCH_DIR/results.md (hyperfine's table) and results.json.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${BENCH_DIR:-/tmp/falco-pod-scan-bench}
size_mb=${BENCH_SIZE_MB:-1024}
seed=${BENCH_SEED:-42}
factor=${BENCH_WORKLOAD_FACTOR:-1}
writes=${BENCH_WORKLOAD_WRITES:-}
runs=${BENCH_RUNS:-10}
pairs=${BENCH_PAIRS:-20}
baseline=${BENCH_BASELINE:-}
memory_only=${BENCH_MEMORY_ONLY:-0}
log="$dir/audit-${size_mb}m-seed${seed}"
[[ $factor == 1 ]] || log+="-wf${factor}"
[[ -z $writes ]] || log+="-ww${writes}"
log+=.log
bin=target/release/falco-pod-scan
allow=${BENCH_ALLOW:-testdata/allow.yaml}

missing=()
for tool in cargo hyperfine rg jq; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "bench.sh: missing: ${missing[*]}" >&2
    echo "bench.sh: install with: apt-get update && apt-get install -y hyperfine ripgrep jq" >&2
    exit 2
fi

echo "== building (release)"
cargo build --release --quiet --bin falco-pod-scan --example gen-audit-log

mkdir -p "$dir"
if [[ ! -s $log ]]; then
    echo "== generating $log ($size_mb MiB, seed $seed, workload factor $factor${writes:+, $writes workload writes})"
    target/release/examples/gen-audit-log --seed "$seed" --size-mb "$size_mb" \
        --workload-factor "$factor" ${writes:+--workload-writes "$writes"} >"$log.tmp" 2>"$log.stats"
    mv "$log.tmp" "$log"
fi
[[ -s $log.stats ]] && echo "generator: $(cat "$log.stats")"
bytes=$(stat -c %s "$log")

echo "== warming the page cache"
cat "$log" >/dev/null

tool_cmd="$bin $log --allow $allow --format jsonl --quiet"
# Times the tool against `wc -l` and the pipeline, and, with a baseline, against that build.
timings() {
    echo "== timing ($runs runs each, after 1 warm-up; exit statuses ignored: the tool exits 1 with findings)"
    pipeline_cmd="rg -F '\"resource\":\"pods\"' $log | rg -F '\"verb\":\"create\"' | jq -c 'select(.stage==\"ResponseComplete\" and .objectRef.subresource==null)'"
    hyperfine -i --warmup 1 --runs "$runs" \
        --export-markdown "$dir/results.md" --export-json "$dir/results.json" \
        -n falco-pod-scan "$tool_cmd" \
        -n "wc -l" "wc -l $log" \
        -n "rg | rg | jq" "$pipeline_cmd"

    mean() { jq -r --arg name "$1" '.results[] | select(.command == $name) | .mean' "$dir/results.json"; }
    tool=$(mean falco-pod-scan)
    wc=$(mean "wc -l")
    pipeline=$(mean "rg | rg | jq")
    echo
    cat "$dir/results.md"
    echo
    awk -v b="$bytes" -v t="$tool" -v w="$wc" -v p="$pipeline" 'BEGIN {
        printf "input:             %.0f MiB\n", b / 1048576
        printf "falco-pod-scan:    %.3f s  (%.2f GB/s)\n", t, b / t / 1e9
        printf "wc -l:             %.3f s  (%.2f GB/s)\n", w, b / w / 1e9
        printf "rg | rg | jq:      %.3f s  (%.2f GB/s)\n", p, b / p / 1e9
        printf "tool / wc -l:      %.2fx\n", t / w
        printf "pipeline / tool:   %.2fx\n", p / t
    }'

    # hyperfine runs all of one command, then all of the next; on a shared machine the load can change
    # between those phases and move the ratio by a third. Alternating the two commands run by run and
    # taking the median of the per-pair ratios cancels that drift.
    echo
    echo "== interleaved: $pairs pairs of (falco-pod-scan, wc -l), alternating"
    ratios=()
    for ((i = 0; i < pairs; i++)); do
        t0=$EPOCHREALTIME
        $tool_cmd >/dev/null || true
        t1=$EPOCHREALTIME
        wc -l "$log" >/dev/null
        t2=$EPOCHREALTIME
        ratios+=("$(awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "%.4f", (b - a) / (c - b) }')")
    done
    printf '%s\n' "${ratios[@]}" | sort -n | awk '
        { r[NR] = $1 }
        END {
            m = int((NR + 1) / 2)
            printf "tool / wc -l, median of %d pairs: %.2fx (quartiles %.2fx and %.2fx)\n", NR, r[m], r[int((NR + 3) / 4)], r[int((3 * NR + 1) / 4)]
        }'

    if [[ -n $baseline ]]; then
        # The same, against another build: per pair, this build's wall and CPU (user + system) time
        # over the baseline's.
        echo
        echo "== interleaved: $pairs pairs of (falco-pod-scan, $baseline), alternating"
        base_cmd="$baseline $log --allow $allow --format jsonl --quiet"
        timed() { # prints "wall cpu" in seconds
            local TIMEFORMAT='%3R %3U %3S' t
            t=$({ time "$@" >/dev/null 2>&1; } 2>&1) || true
            awk '{ printf "%s %.3f\n", $1, $2 + $3 }' <<<"$t"
        }
        rows=()
        for ((i = 0; i < pairs; i++)); do
            read -r w_tool c_tool < <(timed $tool_cmd)
            read -r w_base c_base < <(timed $base_cmd)
            rows+=("$(awk -v a="$w_tool" -v b="$w_base" -v x="$c_tool" -v y="$c_base" 'BEGIN { printf "%.4f %.4f", a / b, x / y }')")
        done
        for column in 1 2; do
            what=wall
            [[ $column == 2 ]] && what=CPU
            printf '%s\n' "${rows[@]}" | awk -v k="$column" '{ print $k }' | sort -n | awk -v what="$what" '
                { r[NR] = $1 }
                END {
                    m = int((NR + 1) / 2)
                    printf "this build / baseline, %s time, median of %d pairs: %.3f (quartiles %.3f and %.3f)\n", what, NR, r[m], r[int((NR + 3) / 4)], r[int((3 * NR + 1) / 4)]
                }'
        done
    fi
}

[[ $memory_only == 1 ]] || timings

echo
echo "== peak memory of falco-pod-scan (RssAnon sampled every 10 ms; VmHWM includes mapped file pages)"
findings="$dir/findings.jsonl"
$bin "$log" --allow "$allow" --format jsonl --quiet >"$findings" &
pid=$!
peak_anon=0
peak_hwm=0
state=R
# Until it exits (a finished child stays a zombie, state Z, until `wait` reaps it).
while [[ $state != Z && -r /proc/$pid/status ]]; do
    while read -r key value _; do
        case $key in
        State:) state=$value ;;
        RssAnon:) ((value > peak_anon)) && peak_anon=$value ;;
        VmHWM:) ((value > peak_hwm)) && peak_hwm=$value ;;
        esac
    done </proc/$pid/status 2>/dev/null || state=Z
    sleep 0.01
done
status=0
wait "$pid" || status=$?
echo "peak RssAnon: $((peak_anon / 1024)) MiB; VmHWM: $((peak_hwm / 1024)) MiB; exit status $status; findings: $(wc -l <"$findings")"
echo "findings by attribution: $(jq -r '.attribution.how // "none (--falco)"' "$findings" | sort | uniq -c | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')"
