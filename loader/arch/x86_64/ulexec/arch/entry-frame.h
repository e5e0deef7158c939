// The register state a program gets from execve on x86-64 (spec B1-B5), as an rt_sigreturn frame.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ulexec::arch {

constexpr size_t kEntryFrameSize = 512;

// Writes, into `frame` (kEntryFrameSize bytes), a signal frame that rt_sigreturn turns into:
// rip = entry, rsp = sp, every other general register 0, rflags 0x202, cs 0x33, ss 0x2b, the
// FPU/SSE state reset (null fpstate), blocked signals = `sigmask`, alternate stack disabled.
void WriteEntryFrame(void* frame, uint64_t entry, uint64_t sp, uint64_t sigmask);

// Entering the hand-off: jumps to `stub` with the op table in the first argument register.
extern "C" [[noreturn]] void ulexec_enter_handoff(const void* stub, const void* table);

}  // namespace ulexec::arch
