# Tally: build, run and test. `make help` lists the targets.
#
# Layout of the outputs, all under build/:
#   build/kernel.elf      the kernel with symbols (for gdb)
#   build/tally.bin       the same, flat, as QEMU's multiboot loader takes it
#   build/user/*.elf      user programs, loaded as boot modules
#   build/host/tests      host unit tests of the kernel core

include config.mk

# A rule that fails leaves no half-made target behind for the next make.
.DELETE_ON_ERROR:
# Plain `make` builds everything (the rules below would otherwise pick the first target).
.DEFAULT_GOAL := all

# `make V=1` shows every command.
ifeq ($(V),1)
Q :=
say := @true
else
Q := @
say := @printf '  %-6s %s\n'
endif

# Outputs; `make bench` builds a release kernel under build/release.
B ?= build
ARCH := x86_64
GCC_INC := $(shell $(CC) -print-file-name=include)

WARN := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow
COMMON_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdinc -isystem $(GCC_INC) \
	-fno-pic -fno-pie -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns -fno-strict-aliasing \
	-mgeneral-regs-only $(WARN) -Iinclude -Ilib/include -MMD -MP

KERNEL_CFLAGS := $(COMMON_CFLAGS) -mno-red-zone -mcmodel=kernel \
	-Ikernel/include -Ikernel/arch/$(ARCH)/include \
	-DTALLY_VERSION='"$(VERSION)"' -DCONFIG_DEBUG=$(DEBUG) -DCONFIG_TICK_HZ=$(TICK_HZ)
# -fno-toplevel-reorder: in-system tests run in source order
USER_CFLAGS := $(COMMON_CFLAGS) -fno-toplevel-reorder -Iuser/lib/include

# ---- kernel ---------------------------------------------------------------

KERNEL_CORE := $(wildcard kernel/core/*.c)
KERNEL_ARCH := $(wildcard kernel/arch/$(ARCH)/*.c) $(wildcard kernel/arch/$(ARCH)/*.S)
LIB_SRC := lib/fmt.c lib/string.c lib/strlcpy.c
KERNEL_SRC := $(KERNEL_CORE) $(KERNEL_ARCH) $(LIB_SRC)
KERNEL_OBJ := $(patsubst %,$(B)/kernel-obj/%.o,$(KERNEL_SRC))
KERNEL_LDS := kernel/arch/$(ARCH)/kernel.ld

$(B)/kernel-obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(B)/kernel-obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

# Two links: the second carries the symbol table of the first (tools/gen-ksyms.sh).
$(B)/ksyms-empty.S: tools/gen-ksyms.sh
	@mkdir -p $(B)
	$(Q)tools/gen-ksyms.sh /dev/null > $@

$(B)/kernel-pass1.elf: $(KERNEL_OBJ) $(B)/ksyms-empty.o $(KERNEL_LDS)
	$(say) LD $@
	$(Q)$(LD) -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T $(KERNEL_LDS) -o $@ $(KERNEL_OBJ) $(B)/ksyms-empty.o

$(B)/ksyms.S: $(B)/kernel-pass1.elf tools/gen-ksyms.sh
	$(say) KSYMS $@
	$(Q)$(NM) -n $< > $@.nm
	$(Q)tools/gen-ksyms.sh $@.nm > $@

$(B)/%.o: $(B)/%.S
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(B)/kernel.elf: $(B)/kernel-pass1.elf $(B)/ksyms.o
	$(say) LD $@
	$(Q)$(LD) -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T $(KERNEL_LDS) -o $@ $(KERNEL_OBJ) $(B)/ksyms.o
	$(Q)tools/check-ksyms.sh $(B)/kernel-pass1.elf $@

$(B)/tally.bin: $(B)/kernel.elf
	$(say) BIN $@
	$(Q)$(OBJCOPY) -O binary $< $@

# ---- user programs --------------------------------------------------------

USER_PROGS := init tests faulter bench peer bank kv
LIBTALLY_SRC := $(wildcard user/lib/src/*.c) $(wildcard user/lib/src/*.S) $(LIB_SRC)
LIBTALLY_OBJ := $(patsubst %,$(B)/user-obj/%.o,$(LIBTALLY_SRC))

$(B)/user-obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(B)/user-obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(B)/libtally.a: $(LIBTALLY_OBJ)
	$(say) AR $@
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

define user_prog
$(B)/user/$(1).elf: $(patsubst %,$(B)/user-obj/%.o,$(wildcard user/$(1)/*.c)) $(B)/libtally.a user/lib/user.ld
	@mkdir -p $$(dir $$@)
	$(say) LD $$@
	$(Q)$(LD) -nostdlib -static -z max-page-size=0x1000 -T user/lib/user.ld -o $$@ \
		$(B)/user-obj/user/lib/src/crt0.S.o \
		$(patsubst %,$(B)/user-obj/%.o,$(wildcard user/$(1)/*.c)) $(B)/libtally.a
endef
$(foreach p,$(USER_PROGS),$(eval $(call user_prog,$(p))))

USER_ELFS := $(patsubst %,$(B)/user/%.elf,$(USER_PROGS))

# ---- host tests -----------------------------------------------------------

include tests/host/host.mk

# ---- images and QEMU ------------------------------------------------------

# Boot modules of each image: the first is the root task.
FAULTS := null write-text exec-data kernel-read illegal privileged port-io \
	bad-syscall divide breakpoint fpu noncanonical
RUN_MODULES := $(B)/user/init.elf,$(B)/user/bank.elf,$(B)/user/kv.elf,$(B)/user/peer.elf
comma := ,
# bootinfo lists the first 8 modules as frames: programs the root task builds come first
TEST_MODULES := $(B)/user/tests.elf ram_mib=$(RAM_MIB),$(B)/user/peer.elf,$(B)/user/bank.elf,$(B)/user/kv.elf$(foreach f,$(FAULTS),$(comma)$(B)/user/faulter.elf $(f))
TEST_MODULES := $(subst $() $(comma),$(comma),$(TEST_MODULES))
BENCH_MODULES := $(B)/user/bench.elf,$(B)/user/peer.elf,$(B)/user/bank.elf

QEMU_RUN := tools/qemu.sh --kernel $(B)/tally.bin --ram $(RAM_MIB) --kvm $(KVM)

.PHONY: all kernel user deps run test test-host test-system test-panic bench debug clean help

all: $(B)/tally.bin $(USER_ELFS) $(HOST_TEST_BIN)

kernel: $(B)/tally.bin
user: $(USER_ELFS)

deps:
	@tools/deps.sh

run: deps
	@$(MAKE) -s --no-print-directory $(B)/tally.bin $(USER_ELFS)
	$(QEMU_RUN) --modules "$(RUN_MODULES)" --interactive

debug:
	@tools/deps.sh --debug
	@$(MAKE) -s --no-print-directory $(B)/tally.bin $(USER_ELFS)
	@echo "QEMU waits for gdb on localhost:1234. In another terminal:"
	@echo "  gdb -x tools/gdbinit"
	$(QEMU_RUN) --modules "$(RUN_MODULES)" --interactive --gdb

test: deps
	@$(MAKE) -s --no-print-directory all
	@tools/test-all.sh

test-host: $(HOST_TEST_BIN)
	$(HOST_TEST_BIN)

test-system: $(B)/tally.bin $(USER_ELFS)
	tools/run-suite.sh --log $(B)/test-system.log --timeout $(TEST_TIMEOUT) -- \
		$(QEMU_RUN) --modules "$(TEST_MODULES)"

test-panic: $(B)/tally.bin $(USER_ELFS)
	tools/panic-test.sh --log $(B)/test-panic.log --timeout $(TEST_TIMEOUT) -- \
		$(QEMU_RUN) --modules "$(RUN_MODULES)" --append selftest=kernel-fault

# Benchmarks measure the release build (DEBUG=0), as other kernels are measured.
ifeq ($(BENCH_BUILD),)
bench: deps
	@$(MAKE) -s --no-print-directory B=$(B)/release DEBUG=0 BENCH_BUILD=1 bench
else
bench:
	@$(MAKE) -s --no-print-directory $(B)/tally.bin $(USER_ELFS)
	tools/run-bench.sh --log $(B)/bench.log --timeout $(TEST_TIMEOUT) -- \
		$(QEMU_RUN) --modules "$(BENCH_MODULES)" --icount
endif

clean:
	rm -rf $(B)

help:
	@echo "make              build everything"
	@echo "make run          boot Tally in QEMU to its serial console (Ctrl-A X quits)"
	@echo "make test         build everything and run every test (host, panic, in-system)"
	@echo "make test-host    only the host tests; also test-panic, test-system"
	@echo "make bench        boot the benchmark image and print BENCH lines"
	@echo "make debug        boot with QEMU's GDB stub waiting on :1234 (gdb -x tools/gdbinit)"
	@echo "make deps         install what the build needs (apt-get)"
	@echo "make V=1 ...      show every command"
	@echo "options (config.mk): KVM=1 DEBUG=0 RAM_MIB=N TICK_HZ=N TEST_TIMEOUT=S"

-include $(shell find $(B) -name '*.d' 2>/dev/null)
