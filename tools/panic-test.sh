#!/usr/bin/env bash
# Prove the panic path: boot with selftest=kernel-fault, which makes the
# kernel touch an unmapped address, and check the report and the exit.
#   tools/panic-test.sh --log build/test-panic.log --timeout 60 -- <qemu command>
set -uo pipefail
. "$(dirname "$0")/harness-lib.sh"
harness_parse "$@"
harness_boot > /dev/null

passed=0 failed=0
check() { # check <name> <command...>
	local name="$1"; shift
	if "$@"; then
		echo "PASS $name"; passed=$((passed + 1))
	else
		echo "FAIL $name"; failed=$((failed + 1))
	fi
}
has() { grep -qE "$1" "$LOG"; }

check panic_exits_qemu_with_distinct_status [ "$STATUS" = 65 ]
check panic_report_names_the_exception has 'KERNEL PANIC: page fault \(vector 14\) in kernel mode'
check panic_report_gives_error_code_and_address has 'error code 0x[0-9a-f]+, address 0xdead0000'
check panic_report_dumps_registers has '^  rip [0-9a-f]{16}  rsp [0-9a-f]{16}'
check panic_report_has_control_registers has '^  cr2 00000000dead0000'
check panic_backtrace_names_faulting_function has '^  [0-9a-f]{16}  selftest_kernel_fault\+0x'
check panic_backtrace_names_callers has '^  [0-9a-f]{16}  kernel_main\+0x'
check panic_report_is_complete has '^\*\*\* end of panic report$'
echo "panic test: $passed passed, $failed failed (QEMU: $(harness_status_name "$STATUS"); log: $LOG)"
harness_record panic "$passed" "$failed"
[ "$failed" = 0 ]
