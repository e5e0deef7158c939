// probe_entry: the probe's ELF entry point (linked with -Wl,-e,probe_entry). It records the
// register state the kernel (or a userland exec) handed over before any instruction changes it,
// then jumps to crt's _start as if nothing had happened.
//
// Only moves run before the GPRs and rflags are saved (mov changes no flag). Stores are
// RIP-relative into a hidden .bss object, which works before a static-pie has relocated itself.
// The FS and GS bases come from arch_prctl: rdfsbase faults unless the kernel set CR4.FSGSBASE.
#include "entry-state.h"

#define SYS_arch_prctl 158
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

	.text
	.globl probe_entry
	.type probe_entry, @function
probe_entry:
	.cfi_startproc
	.cfi_undefined rip
	mov %rax, probe_entry_state+PROBE_ENTRY_GPR+0(%rip)
	mov %rbx, probe_entry_state+PROBE_ENTRY_GPR+8(%rip)
	mov %rcx, probe_entry_state+PROBE_ENTRY_GPR+16(%rip)
	mov %rdx, probe_entry_state+PROBE_ENTRY_GPR+24(%rip)
	mov %rsi, probe_entry_state+PROBE_ENTRY_GPR+32(%rip)
	mov %rdi, probe_entry_state+PROBE_ENTRY_GPR+40(%rip)
	mov %rbp, probe_entry_state+PROBE_ENTRY_GPR+48(%rip)
	mov %rsp, probe_entry_state+PROBE_ENTRY_GPR+56(%rip)
	mov %r8, probe_entry_state+PROBE_ENTRY_GPR+64(%rip)
	mov %r9, probe_entry_state+PROBE_ENTRY_GPR+72(%rip)
	mov %r10, probe_entry_state+PROBE_ENTRY_GPR+80(%rip)
	mov %r11, probe_entry_state+PROBE_ENTRY_GPR+88(%rip)
	mov %r12, probe_entry_state+PROBE_ENTRY_GPR+96(%rip)
	mov %r13, probe_entry_state+PROBE_ENTRY_GPR+104(%rip)
	mov %r14, probe_entry_state+PROBE_ENTRY_GPR+112(%rip)
	mov %r15, probe_entry_state+PROBE_ENTRY_GPR+120(%rip)
	pushfq
	popq probe_entry_state+PROBE_ENTRY_RFLAGS(%rip)
	fxsave64 probe_entry_state+PROBE_ENTRY_FXSAVE(%rip)
	mov %cs, probe_entry_state+PROBE_ENTRY_SEG+0(%rip)
	mov %ss, probe_entry_state+PROBE_ENTRY_SEG+2(%rip)
	mov %ds, probe_entry_state+PROBE_ENTRY_SEG+4(%rip)
	mov %es, probe_entry_state+PROBE_ENTRY_SEG+6(%rip)
	mov %fs, probe_entry_state+PROBE_ENTRY_SEG+8(%rip)
	mov %gs, probe_entry_state+PROBE_ENTRY_SEG+10(%rip)

	mov $SYS_arch_prctl, %eax
	mov $ARCH_GET_FS, %edi
	lea probe_entry_state+PROBE_ENTRY_FSBASE(%rip), %rsi
	syscall
	mov %rax, probe_entry_state+PROBE_ENTRY_FSBASE_RC(%rip)
	mov $SYS_arch_prctl, %eax
	mov $ARCH_GET_GS, %edi
	lea probe_entry_state+PROBE_ENTRY_GSBASE(%rip), %rsi
	syscall
	mov %rax, probe_entry_state+PROBE_ENTRY_GSBASE_RC(%rip)

	// The upper YMM halves, only if the OS enabled AVX: CPUID.1:ECX has OSXSAVE (bit 27) and
	// AVX (bit 28), and XCR0 has SSE and AVX state (bits 1 and 2).
	mov $1, %eax
	cpuid
	and $0x18000000, %ecx
	cmp $0x18000000, %ecx
	jne 1f
	xor %ecx, %ecx
	xgetbv
	and $6, %eax
	cmp $6, %eax
	jne 1f
	movq $1, probe_entry_state+PROBE_ENTRY_HAS_YMM(%rip)
	vextractf128 $1, %ymm0, probe_entry_state+PROBE_ENTRY_YMM_HI+0(%rip)
	vextractf128 $1, %ymm1, probe_entry_state+PROBE_ENTRY_YMM_HI+16(%rip)
	vextractf128 $1, %ymm2, probe_entry_state+PROBE_ENTRY_YMM_HI+32(%rip)
	vextractf128 $1, %ymm3, probe_entry_state+PROBE_ENTRY_YMM_HI+48(%rip)
	vextractf128 $1, %ymm4, probe_entry_state+PROBE_ENTRY_YMM_HI+64(%rip)
	vextractf128 $1, %ymm5, probe_entry_state+PROBE_ENTRY_YMM_HI+80(%rip)
	vextractf128 $1, %ymm6, probe_entry_state+PROBE_ENTRY_YMM_HI+96(%rip)
	vextractf128 $1, %ymm7, probe_entry_state+PROBE_ENTRY_YMM_HI+112(%rip)
	vextractf128 $1, %ymm8, probe_entry_state+PROBE_ENTRY_YMM_HI+128(%rip)
	vextractf128 $1, %ymm9, probe_entry_state+PROBE_ENTRY_YMM_HI+144(%rip)
	vextractf128 $1, %ymm10, probe_entry_state+PROBE_ENTRY_YMM_HI+160(%rip)
	vextractf128 $1, %ymm11, probe_entry_state+PROBE_ENTRY_YMM_HI+176(%rip)
	vextractf128 $1, %ymm12, probe_entry_state+PROBE_ENTRY_YMM_HI+192(%rip)
	vextractf128 $1, %ymm13, probe_entry_state+PROBE_ENTRY_YMM_HI+208(%rip)
	vextractf128 $1, %ymm14, probe_entry_state+PROBE_ENTRY_YMM_HI+224(%rip)
	vextractf128 $1, %ymm15, probe_entry_state+PROBE_ENTRY_YMM_HI+240(%rip)
1:
	movq $1, probe_entry_state+PROBE_ENTRY_VALID(%rip)

	// Hand _start the registers this code changed back as they were (it reads only rsp).
	mov probe_entry_state+PROBE_ENTRY_GPR+0(%rip), %rax
	mov probe_entry_state+PROBE_ENTRY_GPR+8(%rip), %rbx
	mov probe_entry_state+PROBE_ENTRY_GPR+16(%rip), %rcx
	mov probe_entry_state+PROBE_ENTRY_GPR+24(%rip), %rdx
	mov probe_entry_state+PROBE_ENTRY_GPR+32(%rip), %rsi
	mov probe_entry_state+PROBE_ENTRY_GPR+40(%rip), %rdi
	mov probe_entry_state+PROBE_ENTRY_GPR+88(%rip), %r11
	pushq probe_entry_state+PROBE_ENTRY_RFLAGS(%rip)
	popfq
	jmp _start
	.cfi_endproc
	.size probe_entry, . - probe_entry

	.bss
	.balign 64
	.globl probe_entry_state
	.hidden probe_entry_state
	.type probe_entry_state, @object
probe_entry_state:
	.zero PROBE_ENTRY_SIZE
	.size probe_entry_state, PROBE_ENTRY_SIZE

	.section .note.GNU-stack, "", @progbits
