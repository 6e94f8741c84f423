#!/usr/bin/env bash
# Install what building, running and testing Tally needs, if it is missing.
# Debian/Ubuntu only (apt-get); runs apt-get as root or through sudo.
#   tools/deps.sh           build, run, test, bench
#   tools/deps.sh --debug   the same and gdb, for `make debug`
set -euo pipefail

missing=()
need() { # need <command-or-check> <debian package>
	if ! eval "$1" >/dev/null 2>&1; then missing+=("$2"); fi
}
need "command -v gcc" gcc
need "command -v make" make
need "command -v ld && command -v objcopy && command -v nm" binutils
need "command -v qemu-system-x86_64" qemu-system-x86
need "command -v pkg-config" pkg-config
need "pkg-config --exists check" check
need "command -v timeout" coreutils
[ "${1:-}" = --debug ] && need "command -v gdb" gdb

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "deps: installing missing packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "deps: need root (or sudo) to run apt-get install ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "deps: done"
