// _start: the kernel leaves rsp pointing at argc, 16-byte aligned, and every other register zero.
// Clear the frame pointer so backtraces end here, hand the initial stack pointer to C++, and keep
// the ABI's alignment for the call (rsp % 16 == 8 on entry to the callee).
	.text
	.globl _start
	.type _start, @function
_start:
	.cfi_startproc
	.cfi_undefined rip
	xor %ebp, %ebp
	mov %rsp, %rdi
	and $-16, %rsp
	call __crt_start_c
	hlt
	.cfi_endproc
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
