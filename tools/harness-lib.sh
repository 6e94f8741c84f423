# Shared by the harness scripts: argument parsing, booting QEMU under a time
# limit with the serial log kept, and recording results for tools/test-all.sh.
# QEMU's isa-debug-exit turns the guest's status s into exit code 2*s+1:
# 33 = success, 35 = tests failed, 65 = kernel panic; 124 = our time limit.

harness_parse() { # sets LOG, TIMEOUT and CMD from: --log F --timeout S -- cmd...
	LOG="" TIMEOUT=120
	while [ $# -gt 0 ]; do
		case "$1" in
		--log) LOG="$2"; shift 2 ;;
		--timeout) TIMEOUT="$2"; shift 2 ;;
		--) shift; break ;;
		*) echo "harness: unknown option $1" >&2; exit 2 ;;
		esac
	done
	CMD=("$@")
	mkdir -p "$(dirname "$LOG")"
}

harness_boot() { # runs CMD, tees the serial log to LOG; sets STATUS
	timeout -k 5 "$TIMEOUT" "${CMD[@]}" 2>&1 | tr -d '\r' | tee "$LOG"
	STATUS=${PIPESTATUS[0]}
}

harness_status_name() {
	case "$1" in
	33) echo "success (debug-exit 0x10)" ;;
	35) echo "tests failed (debug-exit 0x11)" ;;
	65) echo "kernel panic (debug-exit 0x20)" ;;
	124|137) echo "timed out after ${TIMEOUT}s" ;;
	*) echo "unexpected exit status $1" ;;
	esac
}

harness_record() { # harness_record <name> <passed> <failed>
	mkdir -p build/results
	echo "$2 $3" > "build/results/$1"
}
