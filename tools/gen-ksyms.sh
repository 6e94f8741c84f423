#!/usr/bin/env bash
# Turn `nm -n kernel.elf` output (file or - for stdin) into the assembly of
# the kernel's symbol table (struct ksym_table kernel_ksyms, kernel/include/kernel/ksym.h).
# Only text symbols are kept: they are the ones that do not move between the
# two links.
set -euo pipefail
awk '
BEGIN { n = 0 }
$1 ~ /^ffffffff/ && $2 ~ /^[tT]$/ && $3 !~ /^(__text_start|__text_end|\.L)/ { addr[n] = $1; name[n] = $3; n++ }
END {
	print "\t.section .note.GNU-stack, \"\", @progbits"
	print "\t.section .ksyms, \"a\""
	print "\t.balign 8"
	print "ksyms_addrs:"
	for (i = 0; i < n; i++) printf "\t.quad 0x%s\n", addr[i]
	print "ksyms_names:"
	off = 0
	for (i = 0; i < n; i++) { printf "\t.long %d\n", off; off += length(name[i]) + 1 }
	print "ksyms_strings:"
	for (i = 0; i < n; i++) printf "\t.asciz \"%s\"\n", name[i]
	print "\t.balign 8"
	print "\t.global kernel_ksyms"
	print "kernel_ksyms:"
	print "\t.quad ksyms_addrs, ksyms_names, ksyms_strings, " n
}' "${1:--}"
