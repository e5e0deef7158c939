// The hand-off: the only code that runs after the point of no return. It is copied into a page
// of its own (the loader's image is among the things it unmaps), runs a table of system calls
// prepared by handoff.cc, and enters the program with rt_sigreturn, which sets every register,
// rflags, the signal mask, the alternate signal stack and (with a null fpstate) the whole
// FPU/SSE/AVX state to the kernel's initial values in one step. Two ways to the rt_sigreturn:
// - through the program's own restorer (docs/execve.md#B6): jump to the stub planted before it,
//   with rsp just above the entry frame on the new stack; the stub unmaps this page and the table
//   and discards its own page copy, so nothing of the hand-off stays;
// - from here, with the frame below in this page: this page stays, one anonymous r-x page.
//
// In:  rdi = the table: {count, unmap_base, unmap_len, stub, stub_sp, 0} then `count` ops of 64
//      bytes: {nr, a1..a6, flags}; nr == -1 is a copy {dst, src, len}, nr == -2 a zero-fill
//      {dst, 0, len}. stub == 0: enter from here.
// Flags: 1 = may fail, 2 = skip the next op if this one succeeded.
// A failing op without flag 1 ends in hlt: a SIGSEGV, as a failed execve past its point of no
// return ends (spec D5).
// Uses only callee-saved registers across `syscall` (which clobbers rcx and r11) and no stack.

	.text
	.globl ulexec_handoff_begin, ulexec_handoff_frame, ulexec_handoff_end
	.hidden ulexec_handoff_begin, ulexec_handoff_frame, ulexec_handoff_end
	.balign 64
ulexec_handoff_begin:
	lea ulexec_handoff_frame(%rip), %rsp  // off the caller's stacks (sigaltstack checks rsp); never pushed to
	mov %rdi, %r14             // the table's header
	mov %rdi, %r12
	mov 0(%r12), %r13          // ops left
	add $48, %r12              // first op
	xor %ebx, %ebx             // skip the next op?
.Lloop:
	test %r13, %r13
	jz .Ldone
	test %ebx, %ebx
	jnz .Lskip
	mov 0(%r12), %rax
	cmp $-1, %rax
	je .Lcopy
	cmp $-2, %rax
	je .Lzero
	mov 8(%r12), %rdi
	mov 16(%r12), %rsi
	mov 24(%r12), %rdx
	mov 32(%r12), %r10
	mov 40(%r12), %r8
	mov 48(%r12), %r9
	syscall
	mov 56(%r12), %rbp
	cmp $-4095, %rax
	jae .Lfailed
	test $2, %ebp
	setnz %bl
	jmp .Lnext
.Lfailed:
	test $1, %ebp
	jz .Ldie
.Lnext:
	add $64, %r12
	dec %r13
	jmp .Lloop
.Lskip:
	xor %ebx, %ebx
	jmp .Lnext
.Lcopy:
	mov 8(%r12), %rdi
	mov 16(%r12), %rsi
	mov 24(%r12), %rcx
	cld
	rep movsb
	jmp .Lnext
.Lzero:
	mov 8(%r12), %rdi
	mov 24(%r12), %rcx
	xor %eax, %eax
	cld
	rep stosb
	jmp .Lnext
.Ldone:
	mov 24(%r14), %rax         // the stub before the program's restorer
	test %rax, %rax
	jz .Lhere
	mov 32(%r14), %rsp         // rt_sigreturn reads the frame at rsp - 8
	jmp *%rax
.Lhere:
	mov 8(%r14), %rdi          // munmap(table)
	mov 16(%r14), %rsi
	mov $11, %eax
	syscall
	lea ulexec_handoff_frame+8(%rip), %rsp   // rt_sigreturn reads the frame at rsp - 8
	mov $15, %eax              // rt_sigreturn
	syscall
.Ldie:
	hlt

	// struct rt_sigframe: pretcode, ucontext, siginfo. Written by entry-frame.cc.
	.balign 64
ulexec_handoff_frame:
	.skip 512
ulexec_handoff_end:

	.section .note.GNU-stack, "", @progbits

	.text
	.globl ulexec_enter_handoff
	.hidden ulexec_enter_handoff
	.type ulexec_enter_handoff, @function
ulexec_enter_handoff:
	mov %rdi, %rax
	mov %rsi, %rdi
	jmp *%rax
	.size ulexec_enter_handoff, . - ulexec_enter_handoff
