// x86-64 facts the loader needs, as the kernel defines them (docs/execve.md).
#pragma once

#include <cstdint>
#include <string_view>

#include <elf.h>

namespace ulexec::arch {

constexpr uint16_t kMachine = EM_X86_64;
constexpr std::string_view kMachineName = "x86-64";
// 4-level paging: 47-bit user space. STACK_TOP == TASK_SIZE.
constexpr uint64_t kTaskSize = 0x7ffffffff000;
constexpr uint64_t kStackTop = kTaskSize;
// ELF_ET_DYN_BASE: 2/3 of TASK_SIZE; PIEs with an interpreter go here (spec C4).
constexpr uint64_t kEtDynBase = (kTaskSize / 3) * 2;
// TASK_UNMAPPED_BASE, PAGE_ALIGN(TASK_SIZE / 3): where the legacy layout's mmap area starts,
// plus the random mmap offset (spec C16).
constexpr uint64_t kTaskUnmappedBase = (kTaskSize / 3 + 4095) & ~uint64_t{4095};
// mmap_rnd_bits default: the PIE base offset is below 2^(28+12) (spec C4).
constexpr unsigned kMmapRndBits = 28;
// AT_PLATFORM (spec A5); x86 has no AT_BASE_PLATFORM.
constexpr std::string_view kPlatform = "x86_64";
// The signature glibc registers its rseq area with on x86-64 (RSEQ_SIG): unregistering needs it.
constexpr uint32_t kRseqSignature = 0x53053053;

}  // namespace ulexec::arch
