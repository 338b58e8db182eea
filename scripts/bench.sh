#!/usr/bin/env bash
# The benchmark record (docs/performance.md): falco-pod-scan against `wc -l` (the memory-bandwidth
# floor), a `rg | rg | jq` pipeline, and the stock decoders (`gzip -dc`, `pigz -dc`, `zstd -dc`) on
# the same generated audit logs, and the same log as one `.gz`, as a directory of 8 `.gz` files and
# as a mixed directory (plain, gzip, zstd). Every command runs once per round, all rounds
# interleaved, so a change of load on a shared machine hits every command alike; the table gives,
# per ratio, the median over the rounds and its quartiles (the spread). Then, for each log, the
# floor: the least time any scan with these JSON parsers can take (examples/scan-floor.rs: the
# newline pass and a validating skip of the lines that must be parsed, next to `wc -l` and the
# tool). Then it samples the tool's peak anonymous memory.
#
# usage: scripts/bench.sh
#   BENCH_DIR      where the logs and the results go    (default /tmp/falco-pod-scan-bench)
#   BENCH_SIZE_MB  size of each generated log            (default 1024)
#   BENCH_SEED     generator seed                        (default 42)
#   BENCH_MIXES    workload factors to measure: the share of pod and workload traffic, times
#                  the generator's default               (default "1 10")
#   BENCH_WORKLOAD_WRITES  stop pod and workload traffic after this many workload writes
#                          (default: no limit)
#   BENCH_ROUNDS   interleaved rounds                    (default 10)
#   BENCH_PIPELINE_ROUNDS  rounds that also run the slow `rg | rg | jq` pipeline (default 3)
#   BENCH_BASELINE another falco-pod-scan binary (an older build): its time on each of the
#                  tool's inputs is measured in the same rounds, as this build / baseline
#   BENCH_ALLOW    the allowlist                         (default testdata/allow.yaml)
#   BENCH_BIN      a falco-pod-scan binary to measure instead of building this checkout's
#                  (the generator and the floor are still built, unless target/release/examples
#                  has them)
#   BENCH_MEMORY_ONLY=1  skip the timings, only sample memory
#   BENCH_MEMORY_GZ_FILES  also sample memory on a directory of this many .gz files (default 50)
#   BENCH_FLOOR=0  skip the floor
# needs: cargo, rg, jq, gzip, pigz, zstd, GNU split
#   (apt-get update && apt-get install -y ripgrep jq pigz zstd)
#
# The logs are made by examples/gen-audit-log.rs (benches/common/gen.rs) once and reused, with
# their compressed copies; delete BENCH_DIR to make new ones. The table is also written to
# $BENCH_DIR/results.md, the raw times (seconds, one line per command per round) to
# $BENCH_DIR/times.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${BENCH_DIR:-/tmp/falco-pod-scan-bench}
size_mb=${BENCH_SIZE_MB:-1024}
seed=${BENCH_SEED:-42}
mixes=${BENCH_MIXES:-1 10}
writes=${BENCH_WORKLOAD_WRITES:-}
rounds=${BENCH_ROUNDS:-10}
pipeline_rounds=${BENCH_PIPELINE_ROUNDS:-3}
baseline=${BENCH_BASELINE:-}
memory_only=${BENCH_MEMORY_ONLY:-0}
memory_gz_files=${BENCH_MEMORY_GZ_FILES:-50}
floor=${BENCH_FLOOR:-1}
bin=${BENCH_BIN:-$PWD/target/release/falco-pod-scan}
allow=$PWD/${BENCH_ALLOW:-testdata/allow.yaml}

missing=()
for tool in cargo rg jq gzip pigz zstd split; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "bench.sh: missing: ${missing[*]}" >&2
    echo "bench.sh: install with: apt-get update && apt-get install -y ripgrep jq pigz zstd" >&2
    exit 2
fi

if [[ -z ${BENCH_BIN:-} ]]; then
    echo "== building (release)"
    cargo build --release --quiet --bin falco-pod-scan --example gen-audit-log --example scan-floor
elif [[ ! -x target/release/examples/gen-audit-log || ! -x target/release/examples/scan-floor ]]; then
    echo "== building the generator and the floor (release)"
    cargo build --release --quiet --example gen-audit-log --example scan-floor
fi

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
machine="$cpu, $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB, kernel $(uname -r)"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit+="+changes"
mkdir -p "$dir"

# Makes the log of workload factor $1 and its copies, once; prints the log's path.
prepare() {
    local factor=$1 log="$dir/audit-${size_mb}m-seed${seed}-wf$1${writes:+-ww$writes}"
    if [[ ! -s $log.log ]]; then
        echo "== generating $log.log ($size_mb MiB, seed $seed, workload factor $factor${writes:+, $writes workload writes})" >&2
        target/release/examples/gen-audit-log --seed "$seed" --size-mb "$size_mb" \
            --workload-factor "$factor" ${writes:+--workload-writes "$writes"} \
            >"$log.tmp" 2>"$log.stats"
        mv "$log.tmp" "$log.log"
    fi
    if [[ ! -s $log.log.gz ]]; then
        echo "== compressing $log.log (gzip -6, zstd -3, 8 parts of each)" >&2
        pigz -6 -c "$log.log" >"$log.log.gz"
        zstd -q -3 -T0 -c "$log.log" >"$log.log.zst"
        rm -rf "$log.parts" "$log.gz8" "$log.mixed"
        mkdir -p "$log.parts" "$log.gz8" "$log.mixed"
        # 8 parts at line boundaries, in order: what rotation leaves.
        split -n l/8 -d -a 1 --additional-suffix=.log "$log.log" "$log.parts/audit-"
        local i=0 part
        for part in "$log.parts"/audit-*.log; do
            pigz -6 -c "$part" >"$log.gz8/$(basename "$part").gz"
            # The mixed directory: plain, gzip and zstd in turn.
            case $((i % 3)) in
            0) cp "$part" "$log.mixed/" ;;
            1) pigz -6 -c "$part" >"$log.mixed/$(basename "$part").gz" ;;
            2) zstd -q -3 -c "$part" >"$log.mixed/$(basename "$part").zst" ;;
            esac
            i=$((i + 1))
        done
        rm -rf "$log.parts"
    fi
    echo "$log"
}

# Wall-clock seconds of one run of "$@", output discarded (the tool exits 1 with findings).
timed() {
    local t0 t1
    t0=$EPOCHREALTIME
    "$@" >/dev/null 2>&1 || true
    t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }'
}

# "median (q1–q3)" of the numbers on standard input.
spread() {
    sort -g | awk '
        { r[NR] = $1 }
        END {
            if (NR == 0) { print "—"; exit }
            printf "%.2f× (%.2f–%.2f)", r[int((NR + 1) / 2)], r[int((NR + 3) / 4)], r[int((3 * NR + 1) / 4)]
        }'
}

times=$dir/times.tsv
: >"$times"
table=$dir/results.md

# Runs every command once per round for the log $1 (mix $2), appending "mix round name seconds".
measure() {
    local log=$1 mix=$2 round name
    local scan="$bin --allow $allow --format jsonl --quiet"
    declare -A cmds=(
        [tool]="$scan $log.log"
        [wc]="wc -l $log.log"
        [tool_gz]="$scan $log.log.gz"
        [gzip]="gzip -dc $log.log.gz"
        [pigz]="pigz -dc $log.log.gz"
        [tool_zst]="$scan $log.log.zst"
        [zstd]="zstd -dc $log.log.zst"
        [tool_gz8]="$scan $log.gz8"
        [tool_mixed]="$scan $log.mixed"
    )
    local order=(tool wc tool_gz gzip pigz tool_zst zstd tool_gz8 tool_mixed)
    if [[ -n $baseline ]]; then
        local base="$baseline --allow $allow --format jsonl --quiet"
        cmds+=([base]="$base $log.log" [base_gz]="$base $log.log.gz" [base_gz8]="$base $log.gz8" [base_mixed]="$base $log.mixed")
        order+=(base base_gz base_gz8 base_mixed)
    fi
    echo "== timing mix $mix: $rounds interleaved rounds (the pipeline in the first $pipeline_rounds)" >&2
    cat "$log.log" "$log.log.gz" "$log.log.zst" "$log.gz8"/* "$log.mixed"/* >/dev/null
    for ((round = 1; round <= rounds; round++)); do
        # Rotate the order each round, so that no command always follows the same one.
        local n=${#order[@]} k
        for ((k = 0; k < n; k++)); do
            name=${order[$(((k + round) % n))]}
            # Word splitting of the command line is intended: paths have no spaces.
            # shellcheck disable=SC2086
            echo "$mix $round $name $(timed ${cmds[$name]})" >>"$times"
        done
        if ((round <= pipeline_rounds)); then
            echo "$mix $round pipeline $(timed bash -c "rg -F '\"resource\":\"pods\"' $log.log | rg -F '\"verb\":\"create\"' | jq -c 'select(.stage==\"ResponseComplete\" and .objectRef.subresource==null)'")" >>"$times"
        fi
        printf '.' >&2
    done
    echo >&2
}

# The per-round ratio a/b for mix $1, as "median (quartiles)".
ratio() {
    awk -v mix="$1" -v a="$2" -v b="$3" '
        $1 == mix && $3 == a { x[$2] = $4 }
        $1 == mix && $3 == b { y[$2] = $4 }
        END { for (r in x) if (r in y && y[r] > 0) print x[r] / y[r] }' "$times" | spread
}

# The median time of command $2 for mix $1, in seconds.
median() {
    awk -v mix="$1" -v name="$2" '$1 == mix && $3 == name { print $4 }' "$times" | sort -g |
        awk '{ r[NR] = $1 } END { if (NR) printf "%.3f s", r[int((NR + 1) / 2)]; else print "—" }'
}

# Peak RssAnon and VmHWM (MiB) of "$@", sampled every 10 ms: "anon hwm status".
peak_memory() {
    "$@" >/dev/null 2>&1 &
    local pid=$! peak_anon=0 peak_hwm=0 state=R key value status=0
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
    wait "$pid" || status=$?
    echo "$((peak_anon / 1024)) $((peak_hwm / 1024)) $status"
}

logs=()
for mix in $mixes; do
    logs+=("$(prepare "$mix")")
done

if [[ $memory_only != 1 ]]; then
    i=0
    for mix in $mixes; do
        measure "${logs[$i]}" "$mix"
        i=$((i + 1))
    done
    {
        echo "machine: $machine"
        echo "commit: $commit, $(date -u +%Y-%m-%d), $size_mb MiB logs of seed $seed, $rounds interleaved rounds (pipeline: $pipeline_rounds)"
        echo
        echo "Per-round ratios, median (quartiles); below 1× the first command is faster."
        echo
        header="| ratio |"
        rule="|---|"
        for mix in $mixes; do
            header+=" mix ×$mix |"
            rule+="---|"
        done
        echo "$header"
        echo "$rule"
        rows=(
            "tool / \`wc -l\`::tool wc"
            "\`rg \\| rg \\| jq\` / tool::pipeline tool"
            "tool on .gz / \`gzip -dc\`::tool_gz gzip"
            "tool on .gz / \`pigz -dc\`::tool_gz pigz"
            "tool on .zst / \`zstd -dc\`::tool_zst zstd"
            "tool on .gz / tool on the log::tool_gz tool"
            "8 .gz files / one .gz::tool_gz8 tool_gz"
            "mixed dir (plain, gzip, zstd) / one .gz::tool_mixed tool_gz"
            "mixed dir / one .zst::tool_mixed tool_zst"
        )
        if [[ -n $baseline ]]; then
            rows+=(
                "this build / baseline, the log::tool base"
                "this build / baseline, one .gz::tool_gz base_gz"
                "this build / baseline, 8 .gz files::tool_gz8 base_gz8"
                "this build / baseline, mixed dir::tool_mixed base_mixed"
            )
        fi
        for row in "${rows[@]}"; do
            # "label::a b": the label holds `|` (the pipeline's), so `::` separates it.
            line="| ${row%%::*} |"
            read -r a b <<<"${row#*::}"
            for mix in $mixes; do
                line+=" $(ratio "$mix" "$a" "$b") |"
            done
            echo "$line"
        done
        line="| medians: tool, \`wc -l\`, tool on .gz, 8 .gz |"
        for mix in $mixes; do
            line+=" $(median "$mix" tool), $(median "$mix" wc), $(median "$mix" tool_gz), $(median "$mix" tool_gz8) |"
        done
        echo "$line"
    } >"$table"
    if [[ $floor == 1 ]]; then
        i=0
        for mix in $mixes; do
            echo "== the floor of mix ×$mix: $rounds rounds" >&2
            {
                echo
                echo "The floor, mix ×$mix (examples/scan-floor.rs; wall time, median of the rounds):"
                echo
                target/release/examples/scan-floor --rounds "$rounds" --threads "$(nproc)" \
                    --tool "$bin" --allow "$allow" "${logs[$i]}.log"
            } >>"$table"
            i=$((i + 1))
        done
    fi
    echo
    cat "$table"
fi

echo
echo "== peak memory (RssAnon sampled every 10 ms; VmHWM also counts the mapped file's pages)"
i=0
for mix in $mixes; do
    log=${logs[$i]}
    i=$((i + 1))
    read -r anon hwm status < <(peak_memory "$bin" "$log.log" --allow "$allow" --format jsonl --quiet)
    echo "mix ×$mix, the log: RssAnon $anon MiB, VmHWM $hwm MiB, exit status $status"
    read -r anon hwm status < <(peak_memory "$bin" "$log.gz8" --allow "$allow" --format jsonl --quiet)
    echo "mix ×$mix, 8 .gz files: RssAnon $anon MiB, VmHWM $hwm MiB, exit status $status"
    "$bin" "$log.log" --allow "$allow" --format jsonl --quiet >"$dir/findings.jsonl" || true
    echo "mix ×$mix, findings by attribution: $(jq -r '.attribution.how // "none (--falco)"' "$dir/findings.jsonl" | sort | uniq -c | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')"
done
if ((memory_gz_files > 0)); then
    # The first mix's log in $memory_gz_files gzip files.
    many="${logs[0]}.gz$memory_gz_files"
    if [[ ! -d $many ]]; then
        mkdir -p "$many.tmp"
        split -n l/"$memory_gz_files" -d -a 3 --additional-suffix=.log "${logs[0]}.log" "$many.tmp/audit-"
        pigz -6 "$many.tmp"/*.log
        mv "$many.tmp" "$many"
    fi
    read -r anon hwm status < <(peak_memory "$bin" "$many" --allow "$allow" --format jsonl --quiet)
    echo "mix ×${mixes%% *}, $memory_gz_files .gz files: RssAnon $anon MiB, VmHWM $hwm MiB, exit status $status"
fi
