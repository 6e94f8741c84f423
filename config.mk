# Build options of Tally, all in one place. Override on the command line,
# e.g. `make run KVM=1` or `make test DEBUG=0`.

VERSION    := 0.1.0

# 1: debug build (assertions and invariant checks on), 0: release.
DEBUG      ?= 1
# Timer interrupts per second.
TICK_HZ    ?= 100
# Guest RAM in MiB; the in-system suite checks the kernel accounted for it.
RAM_MIB    ?= 256
# 1: use KVM (only on hosts with real hardware virtualization). 0: TCG.
KVM        ?= 0
# Seconds before the harness declares an in-system run hung.
TEST_TIMEOUT ?= 120

CC         ?= gcc
LD         := ld
OBJCOPY    := objcopy
NM         := nm
QEMU       := qemu-system-x86_64
