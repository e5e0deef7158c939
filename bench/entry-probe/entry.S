// entry_probe: the time-to-entry probe's ELF entry point (linked with -Wl,-e,entry_probe). Its
// first instruction reads CLOCK_MONOTONIC and writes the timespec to descriptor 3, inherited from
// the launcher (bench/entry-bench.cc), with its minor-fault count from getrusage after it (the
// clock is read first: what follows costs no time in the measure). Then it exits, or enters its C
// library's _start.
//
// A raw system call, not the vDSO: at e_entry nothing has looked up __vdso_clock_gettime yet
// (that means walking the vDSO's ELF symbol table from AT_SYSINFO_EHDR, hundreds of instructions
// and first touches of its pages), and a raw call costs the same in every column whatever ulexec
// did to the vDSO. The launcher's t0 comes from the vDSO: the same clock.
#define SYS_write 1
#define SYS_getrusage 98
#define SYS_clock_gettime 228
#define SYS_exit_group 231
#define CLOCK_MONOTONIC 1
#define ENTRY_PROBE_FD 3
#define RUSAGE_SELF 0
#define RU_MINFLT 64
// Below argc, so that the kernel's stack image above rsp stays intact: the report (a timespec
// and the fault count, 24 bytes) at REPORT(%rsp), the struct rusage (144 bytes) below it.
#define REPORT -24
#define RUSAGE (REPORT - 144)

	.text
	.globl entry_probe
	.type entry_probe, @function
entry_probe:
	.cfi_startproc
	.cfi_undefined rip
	mov $SYS_clock_gettime, %eax
	mov $CLOCK_MONOTONIC, %edi
	lea REPORT(%rsp), %rsi
	syscall
	mov %rdx, %r12               // glibc's _start takes ld.so's fini function in rdx
	mov $SYS_getrusage, %eax
	mov $RUSAGE_SELF, %edi
	lea RUSAGE(%rsp), %rsi
	syscall
	mov RUSAGE+RU_MINFLT(%rsp), %rax
	mov %rax, REPORT+16(%rsp)
	mov $SYS_write, %eax
	mov $ENTRY_PROBE_FD, %edi
	lea REPORT(%rsp), %rsi
	mov $24, %edx
	syscall
#ifdef ENTRY_PROBE_LIBC_START
	mov %r12, %rdx
	jmp _start                   // the C library starts as if entered by the kernel; main returns 0
#else
	mov $SYS_exit_group, %eax
	xor %edi, %edi
	syscall
	hlt
#endif
	.cfi_endproc
	.size entry_probe, .-entry_probe

	.section .note.GNU-stack, "", @progbits
