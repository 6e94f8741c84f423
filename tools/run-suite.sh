#!/usr/bin/env bash
# Boot the in-system test image and judge it from the serial log: fail on any
# FAIL line, a kernel panic, a missing "N passed, N failed" closing line, a
# time-out, or an exit other than the suite's own success.
#   tools/run-suite.sh --log build/test-system.log --timeout 120 -- <qemu command>
set -uo pipefail
. "$(dirname "$0")/harness-lib.sh"
harness_parse "$@"
harness_boot

problems=()
closing=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$LOG" | tail -n 1)
grep -q 'KERNEL PANIC' "$LOG" && problems+=("the kernel panicked")
[ -z "$closing" ] && problems+=("no closing 'N passed, N failed' line")
grep -q '^FAIL ' "$LOG" && problems+=("failed tests: $(grep '^FAIL ' "$LOG" | cut -c6- | tr '\n' ' ')")
grep -q '^memory: balanced$' "$LOG" || problems+=("the boot report's memory accounting did not balance")
grep -qE '^Tally [0-9.]+ \(x86_64\) booting$' "$LOG" || problems+=("no boot banner with the version")
grep -qE '^accelerator: (tcg|kvm)' "$LOG" || problems+=("the banner names no accelerator")
[ "$STATUS" != 33 ] && problems+=("QEMU: $(harness_status_name "$STATUS")")

passed=$(echo "$closing" | awk '{print $1+0}')
failed=$(echo "$closing" | awk '{print $3+0}')
echo "--"
if [ ${#problems[@]} -ne 0 ]; then
	for p in "${problems[@]}"; do echo "system suite: FAILED: $p"; done
	harness_record system "$passed" "$((failed > 0 ? failed : 1))"
	exit 1
fi
echo "system suite: ok, $passed tests (log: $LOG)"
harness_record system "$passed" 0
