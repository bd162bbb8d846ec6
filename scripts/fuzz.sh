#!/usr/bin/env bash
# Runs each cargo-fuzz target in fuzz/ for FUZZ_SECONDS seconds (default 60),
# seeded from tests/corpus/<target>, and prints one line per target:
# executions, executions per second, coverage (libFuzzer's cov and ft) and
# whether it crashed. Exit status: 0 no crash, 1 a target crashed (its input
# is in fuzz/artifacts/<target>/), 2 fuzzing is not possible here (no
# cargo-fuzz and no registry, or the targets do not build).
#
# Works on stable: RUSTC_BOOTSTRAP=1 lets rustc accept the -Z flags
# cargo-fuzz passes, so no nightly toolchain is needed. For a brief CI run:
#
#     FUZZ_SECONDS=10 scripts/fuzz.sh
#
# Settings (environment):
#   FUZZ_SECONDS      seconds per target (60)
#   FUZZ_TARGETS      targets to run, space-separated (all of `cargo fuzz list`)
#   FUZZ_SANITIZER    none (default) or address. jwtd has no unsafe code on
#                     these paths, so AddressSanitizer mostly costs speed
#                     (about 6x fewer executions); use it to check the
#                     dependencies' unsafe code (httparse, serde_json, base64).
#   JWTD_FUZZ_STRICT  1: known bugs (fuzz/src/properties/mod.rs, KnownBug) crash
#                     like any other property instead of being tolerated.
#
# New corpus entries go to fuzz/corpus/<target> and crashes to
# fuzz/artifacts/<target>, both kept out of git; tests/corpus is only read.
# Full libFuzzer logs: fuzz/target/fuzz-logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
sanitizer=${FUZZ_SANITIZER:-none}
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    if ! cargo install cargo-fuzz --locked; then
        echo "fuzz.sh: cargo-fuzz is not installed and could not be installed" >&2
        exit 2
    fi
fi

targets=${FUZZ_TARGETS:-$(cargo fuzz list)}
# -a: debug assertions and overflow checks, as in `cargo test`.
build_flags=(-a -s "$sanitizer")

echo "fuzz.sh: building (sanitizer: $sanitizer)" >&2
if ! cargo fuzz build "${build_flags[@]}"; then
    echo "fuzz.sh: the fuzz targets do not build" >&2
    exit 2
fi

logs=fuzz/target/fuzz-logs
mkdir -p "$logs"
crashed=0
summary=()
for target in $targets; do
    mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
    log="$logs/$target.log"
    echo "fuzz.sh: $target for ${seconds}s" >&2
    # The first corpus directory receives new inputs; the seeds are read only.
    # -timeout: an input taking 10 s is a hang and is reported as a crash.
    set +e
    cargo fuzz run "${build_flags[@]}" "$target" \
        "fuzz/corpus/$target" "tests/corpus/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
        >"$log" 2>&1
    status=$?
    set -e
    # libFuzzer's final statistics, and its last status line for coverage.
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    status_line=$(grep -E '^#[0-9]+.*cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status_line")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status_line")
    corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$status_line")
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    if [[ $status -eq 0 && -z $artifact ]]; then
        result=ok
    else
        crashed=1
        result="CRASH ${artifact:-(no artifact, exit $status; see $log)}"
    fi
    summary+=("$(printf '%-14s %10s %8s %6s %7s %6s  %s' "$target" "${execs:-?}" \
        "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result")")
    if [[ $result != ok ]]; then
        # The property that failed, and how to replay the input.
        grep -m1 -A4 'panicked at' "$log" >&2 || tail -20 "$log" >&2
        if [[ -n $artifact ]]; then
            echo "replay: RUSTC_BOOTSTRAP=1 cargo fuzz run ${build_flags[*]} $target $artifact" >&2
        fi
    fi
done

echo
printf '%-14s %10s %8s %6s %7s %6s  %s\n' target executions exec/s cov ft corpus result
printf '%s\n' "${summary[@]}"
exit "$crashed"
