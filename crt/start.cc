// Start-up: from the kernel's initial stack to main().
//
// Order matters. A static-pie must apply its own R_X86_64_RELATIVE relocations before any code
// reads a data pointer; the thread pointer and canary must exist before any function built with
// the stack protector runs. This file is built without the stack protector for that reason.
#include <crt/arch/tls.h>
#include <crt/process.h>
#include <crt/sys.h>

#include <elf.h>

namespace crt {
namespace {

extern "C" void (*const __preinit_array_start[])(int, char**, char**) __attribute__((weak, visibility("hidden")));
extern "C" void (*const __preinit_array_end[])(int, char**, char**) __attribute__((weak, visibility("hidden")));
extern "C" void (*const __init_array_start[])(int, char**, char**) __attribute__((weak, visibility("hidden")));
extern "C" void (*const __init_array_end[])(int, char**, char**) __attribute__((weak, visibility("hidden")));
extern "C" void (*const __fini_array_start[])() __attribute__((weak, visibility("hidden")));
extern "C" void (*const __fini_array_end[])() __attribute__((weak, visibility("hidden")));

Process g_process;

// Hidden, so the compiler reaches it PC-relatively, which works before relocation.
extern "C" const Elf64_Ehdr __ehdr_start __attribute__((visibility("hidden")));

// The difference between run-time and link-time addresses: zero for an ET_EXEC.
uintptr_t LoadBias(const Elf64_Phdr* phdr, size_t phnum) {
  for (size_t i = 0; i < phnum; ++i) {
    if (phdr[i].p_type == PT_PHDR) return reinterpret_cast<uintptr_t>(phdr) - phdr[i].p_vaddr;
  }
  for (size_t i = 0; i < phnum; ++i) {
    if (phdr[i].p_type == PT_LOAD && phdr[i].p_offset == 0) {
      return reinterpret_cast<uintptr_t>(&__ehdr_start) - phdr[i].p_vaddr;
    }
  }
  return 0;
}

// Finds PT_DYNAMIC through AT_PHDR (a weak _DYNAMIC would be read through the unrelocated GOT).
// An ET_EXEC has none: it runs where it was linked.
void RelocateSelf(const Elf64_Phdr* phdr, size_t phnum, uintptr_t base) {
  const Elf64_Phdr* dyn = nullptr;
  for (size_t i = 0; i < phnum; ++i) {
    if (phdr[i].p_type == PT_DYNAMIC) dyn = &phdr[i];
  }
  if (dyn == nullptr) return;
  const auto* dynamic = reinterpret_cast<const Elf64_Dyn*>(base + dyn->p_vaddr);
  uintptr_t rela = 0;
  size_t rela_size = 0;
  for (const Elf64_Dyn* d = dynamic; d->d_tag != DT_NULL; ++d) {
    if (d->d_tag == DT_RELA) rela = d->d_un.d_ptr;
    if (d->d_tag == DT_RELASZ) rela_size = d->d_un.d_val;
  }
  if (rela == 0) return;  // no DT_RELA: nothing to relocate, whatever DT_RELASZ says
  const auto* r = reinterpret_cast<const Elf64_Rela*>(base + rela);
  for (size_t i = 0; i < rela_size / sizeof(Elf64_Rela); ++i) {
    if (ELF64_R_TYPE(r[i].r_info) == R_X86_64_RELATIVE) {
      *reinterpret_cast<uintptr_t*>(base + r[i].r_offset) = base + r[i].r_addend;
    }
  }
}

// Runs with the canary in place. noinline keeps its frame (and anything the compiler might hoist
// that uses the thread pointer) out of __crt_start_c (musl __libc_start_main does the same).
[[noreturn, gnu::noinline]] void RunMain(const Process& p) {
  for (const auto* f = __preinit_array_start; f != __preinit_array_end; ++f) (*f)(p.argc, p.argv, p.envp);
  for (const auto* f = __init_array_start; f != __init_array_end; ++f) (*f)(p.argc, p.argv, p.envp);
  const int status = main(p.argc, p.argv, p.envp);
  for (const auto* f = __fini_array_end; f != __fini_array_start;) (*--f)();
  sys::ExitGroup(status);
}

}  // namespace

void InitThread(const Process& p, uintptr_t load_bias);  // tls.cc

const Process& ThisProcess() { return g_process; }

extern "C" [[noreturn]] void __crt_start_c(const long* sp) {
  const Process p = ParseInitialStack(sp);
  const auto* phdr = reinterpret_cast<const Elf64_Phdr*>(p.Aux(AT_PHDR));
  const size_t phnum = phdr ? p.Aux(AT_PHNUM) : 0;
  const uintptr_t bias = LoadBias(phdr, phnum);
  RelocateSelf(phdr, phnum, bias);
  g_process = p;
  InitThread(g_process, bias);
  // Barrier: nothing that uses the thread pointer may be moved above this point.
  __asm__ volatile("" ::: "memory");
  RunMain(g_process);
}

}  // namespace crt
