// 256 MiB of initialised .data for the large-file row: in the file (PROGBITS, not .bss), never
// touched by the probe, so a loader that maps it costs what a small file costs and one that
// copies it does not. (.zero keeps the assembler quick; the bytes are in the file all the same.)
	.section .data.entry_probe_big, "aw", @progbits
	.globl entry_probe_big_data
entry_probe_big_data:
	.byte 1
	.zero 256 * 1024 * 1024 - 1

	.section .note.GNU-stack, "", @progbits
