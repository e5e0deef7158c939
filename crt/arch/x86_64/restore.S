// The signal trampoline the kernel returns to from a handler (sa_restorer). The nop keeps a return
// address at the end of the preceding function from being taken for this one (musl 54991729);
// the bytes of __restore_rt must be exactly 48 c7 c0 0f 00 00 00 0f 05.
	.text
	nop
	.globl __restore_rt
	.hidden __restore_rt
	.type __restore_rt, @function
__restore_rt:
	mov $15, %rax
	syscall
	.size __restore_rt, . - __restore_rt

	.section .note.GNU-stack, "", @progbits
