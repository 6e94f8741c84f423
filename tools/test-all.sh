#!/usr/bin/env bash
# `make test`: every tier, then one closing line over all of them.
#   host      unit and property tests of the kernel core (ASan + UBSan, Check)
#   panic     a deliberate kernel fault gives a full report and exit status
#   system    the in-system suite, booted in QEMU (TCG)
set -uo pipefail
cd "$(dirname "$0")/.."
rm -rf build/results
status=0

echo "== host tests (kernel core on Linux, ASan + UBSan)"
make --no-print-directory test-host | tee build/test-host.log
[ "${PIPESTATUS[0]}" = 0 ] || status=1
line=$(grep -E '^[0-9]+%: Checks: ' build/test-host.log | tail -n 1)
checks=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
bad=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2/' | awk '{print $1+$2}')
mkdir -p build/results
if [ -n "$line" ]; then
	echo "$((checks - bad)) $bad" > build/results/host
fi

echo "== panic test (kernel-mode exception report)"
make --no-print-directory test-panic || status=1

echo "== in-system suite (QEMU, TCG)"
make --no-print-directory test-system || status=1

total_pass=0 total_fail=0
for tier in host panic system; do
	if [ -f "build/results/$tier" ]; then
		read -r p f < "build/results/$tier"
	else
		p=0 f=1
	fi
	printf '  %-7s %5d passed %5d failed\n' "$tier" "$p" "$f"
	total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
done
[ "$total_fail" -ne 0 ] && status=1
echo "total: $total_pass passed, $total_fail failed"
exit $status
