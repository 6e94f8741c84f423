#!/usr/bin/env bash
# Boot the benchmark image and print its BENCH lines; fail if it did not end
# cleanly or printed none.
#   tools/run-bench.sh --log build/bench.log --timeout 120 -- <qemu command>
set -uo pipefail
. "$(dirname "$0")/harness-lib.sh"
harness_parse "$@"
harness_boot > /dev/null

grep -E '^bench: ' "$LOG"
lines=$(grep -cE '^BENCH [a-z0-9_]+ (insns|cycles) median=[0-9]+ min=[0-9]+ max=[0-9]+ iters=[0-9]+$' "$LOG")
grep -E '^BENCH ' "$LOG"
if [ "$STATUS" != 33 ] || [ "$lines" -eq 0 ]; then
	echo "bench: FAILED: $(harness_status_name "$STATUS"), $lines figures (log: $LOG)" >&2
	exit 1
fi
