// Stage 4a (pure): the new program's auxiliary vector, in the kernel's order (spec A10).
// Entries the loader computes replace the caller's; everything else the kernel gave the caller
// (AT_HWCAP, AT_MINSIGSTKSZ, AT_UID, AT_RSEQ_*, ...) carries through. AT_RANDOM, AT_EXECFN and
// AT_PLATFORM point into the new stack, so the stack builder fills in their values.
#pragma once

#include <crt/process.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace ulexec {

// The kernel's saved_auxv holds 28 pairs on x86-64 (spec A11); leave room for newer kernels.
constexpr size_t kMaxAuxv = 40;

struct ComputedAuxv {
  uint64_t phdr = 0, phent = 0, phnum = 0;
  uint64_t base = 0;   // interpreter load bias, or 0
  uint64_t entry = 0;  // the program's entry, even when an interpreter runs first
  uint64_t sysinfo_ehdr = 0;  // 0: keep the caller's (the vDSO stays where it is)
  int execfd = -1;            // AT_EXECFD: binfmt_misc's O flag passes the file (spec D3); -1: none
};

// Writes the vector (AT_NULL included) to `out` and returns the number of pairs, or 0 if `out`
// is too small. `from` is the caller's vector, up to and excluding its AT_NULL.
size_t ComposeAuxv(std::span<const crt::AuxEntry> from, const ComputedAuxv& computed, std::span<crt::AuxEntry> out);

// The caller's vector without its AT_NULL, from a crt::Process or raw memory.
std::span<const crt::AuxEntry> AuxvEntries(const crt::AuxEntry* auxv);

}  // namespace ulexec
