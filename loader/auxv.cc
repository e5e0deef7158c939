// Stage 4a (pure): the new program's auxiliary vector, in the kernel's order (auxv.h).
#include "auxv.h"

#include <elf.h>

namespace ulexec {
namespace {

// The order create_elf_tables() emits on x86-64 (6.x). AT_HWCAP3/4 and AT_BASE_PLATFORM are
// not emitted on x86.
constexpr unsigned long kKernelOrder[] = {
    AT_SYSINFO_EHDR, 51 /* AT_MINSIGSTKSZ */, AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM,
    AT_BASE, AT_FLAGS, AT_ENTRY, AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_RANDOM, AT_HWCAP2,
    AT_EXECFN, AT_PLATFORM, AT_EXECFD, 27 /* AT_RSEQ_FEATURE_SIZE */, 28 /* AT_RSEQ_ALIGN */,
};

bool InKernelOrder(unsigned long type) {
  for (unsigned long t : kKernelOrder) {
    if (t == type) return true;
  }
  return false;
}

const crt::AuxEntry* Find(std::span<const crt::AuxEntry> from, unsigned long type) {
  for (const auto& e : from) {
    if (e.type == type) return &e;
  }
  return nullptr;
}

}  // namespace

std::span<const crt::AuxEntry> AuxvEntries(const crt::AuxEntry* auxv) {
  size_t n = 0;
  while (auxv && auxv[n].type != AT_NULL) ++n;
  return {auxv, n};
}

size_t ComposeAuxv(std::span<const crt::AuxEntry> from, const ComputedAuxv& c, std::span<crt::AuxEntry> out) {
  size_t n = 0;
  auto put = [&](unsigned long type, unsigned long value) {
    if (n < out.size()) out[n] = {type, value};
    ++n;
  };
  for (unsigned long type : kKernelOrder) {
    const crt::AuxEntry* given = Find(from, type);
    switch (type) {
      case AT_SYSINFO_EHDR:
        if (c.sysinfo_ehdr) put(type, c.sysinfo_ehdr);
        else if (given) put(type, given->value);
        break;
      case AT_PHDR: put(type, c.phdr); break;
      case AT_PHENT: put(type, c.phent); break;
      case AT_PHNUM: put(type, c.phnum); break;
      case AT_BASE: put(type, c.base); break;
      case AT_FLAGS: put(type, 0); break;
      case AT_ENTRY: put(type, c.entry); break;
      // The caller's describes the loader's own binfmt_misc exec, not the new program's.
      case AT_EXECFD:
        if (c.execfd >= 0) put(type, static_cast<unsigned long>(c.execfd));
        break;
      // Filled in by the stack builder: they point into the new stack.
      case AT_RANDOM:
      case AT_EXECFN:
      case AT_PLATFORM: put(type, 0); break;
      default:
        if (given) put(type, given->value);
        break;
    }
  }
  // Entries this loader does not know, in the caller's order, before AT_NULL.
  for (const auto& e : from) {
    if (!InKernelOrder(e.type)) put(e.type, e.value);
  }
  put(AT_NULL, 0);
  return n <= out.size() ? n : 0;
}

}  // namespace ulexec
