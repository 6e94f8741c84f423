# Host tests: the kernel's arch-neutral core and lib/ compiled for Linux with
# a fake architecture (tests/host/fake_arch.c), run under AddressSanitizer and
# UndefinedBehaviorSanitizer with the Check framework.

HOST_CC := gcc
HOST_TEST_BIN := $(B)/host/tests
# -idirafter: libc's <string.h> wins over lib/include's; <fmt.h> still found.
HOST_CFLAGS := -std=gnu11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Wall -Wextra -Werror -Wno-missing-field-initializers \
	-Iinclude -Ikernel/include -Itests/host/include -idirafter lib/include \
	-include tests/host/host_compat.h -DTALLY_VERSION='"host"' -DCONFIG_DEBUG=1 -MMD -MP \
	$(shell pkg-config --cflags check 2>/dev/null)
HOST_LIBS := $(shell pkg-config --libs check 2>/dev/null)
HOST_SRC := $(KERNEL_CORE) lib/fmt.c lib/strlcpy.c $(wildcard tests/host/*.c)
HOST_OBJ := $(patsubst %,$(B)/host-obj/%.o,$(HOST_SRC))

$(B)/host-obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(say) HOSTCC $<
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(HOST_TEST_BIN): $(HOST_OBJ)
	@mkdir -p $(dir $@)
	$(say) HOSTLD $@
	$(Q)$(HOST_CC) -fsanitize=address,undefined -o $@ $^ $(HOST_LIBS)
