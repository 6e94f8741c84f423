#!/usr/bin/env bash
# The two kernel links must place every function at the same address, or the
# symbol table of the first would lie about the second.
set -euo pipefail
text() { nm -n "$1" | awk '$2 ~ /^[tT]$/ { print $1, $3 }'; }
if ! diff <(text "$1") <(text "$2") >/dev/null; then
	echo "check-ksyms: functions moved between $1 and $2" >&2
	diff <(text "$1") <(text "$2") | head >&2
	exit 1
fi
