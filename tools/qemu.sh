#!/usr/bin/env bash
# Boot Tally in QEMU. Used by every make target that boots; prints the
# command it runs.
#
#   tools/qemu.sh --kernel build/tally.bin --modules "a.elf args,b.elf" \
#       [--ram MiB] [--kvm 0|1] [--icount] [--append "words"] [--interactive] [--gdb]
#
# TCG emulation is the default. --kvm 1 is for hosts with real hardware
# virtualization only. --icount runs TCG with -icount shift=0, so the guest's
# time-stamp counter counts instructions (benchmarks). Without --interactive
# the serial console goes to stdout and nothing is read from stdin.
set -euo pipefail

kernel="" modules="" ram=256 kvm=0 icount=0 append="" interactive=0 gdb=0
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel="$2"; shift 2 ;;
	--modules) modules="$2"; shift 2 ;;
	--ram) ram="$2"; shift 2 ;;
	--kvm) kvm="$2"; shift 2 ;;
	--icount) icount=1; shift ;;
	--append) append="$2"; shift 2 ;;
	--interactive) interactive=1; shift ;;
	--gdb) gdb=1; shift ;;
	*) echo "qemu.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

if [ "$kvm" = 1 ]; then
	accel=(-accel kvm -cpu host)
	cmdline="accel=kvm"
else
	accel=(-accel tcg -cpu qemu64,+smep,+smap)
	cmdline="accel=tcg"
	if [ "$icount" = 1 ]; then
		accel+=(-icount shift=0)
		cmdline="$cmdline icount"
	fi
fi
[ -n "$append" ] && cmdline="$cmdline $append"

args=(-machine pc -m "${ram}M" -smp 1 "${accel[@]}"
	-kernel "$kernel" -initrd "$modules" -append "$cmdline"
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
	-display none -no-reboot)
if [ "$interactive" = 1 ]; then
	args+=(-serial mon:stdio)
else
	args+=(-serial stdio -monitor none)
fi
[ "$gdb" = 1 ] && args+=(-s -S)

echo "+ qemu-system-x86_64 ${args[*]}" >&2
if [ "$interactive" = 1 ]; then
	exec qemu-system-x86_64 "${args[@]}"
else
	exec qemu-system-x86_64 "${args[@]}" </dev/null
fi
