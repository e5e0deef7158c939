// The initial thread's TLS block and TCB, and the stack-protector canary (%fs:0x28) from the
// AT_RANDOM bytes, as glibc and musl do. Built without the stack protector: it runs before the
// canary exists, using raw system calls only.
#include <crt/arch/tls.h>
#include <crt/process.h>
#include <crt/format.h>
#include <crt/string.h>
#include <crt/sys.h>

#include <elf.h>
#include <sys/mman.h>

namespace crt {
namespace {

struct alignas(64) Tcb {
  Tcb* self;
  uint64_t words[7];  // words[4] is at 0x28: the canary
};
static_assert(__builtin_offsetof(Tcb, words[4]) == arch::kCanaryOffset);

alignas(64) char g_builtin_tls[2048];

[[noreturn]] void Fatal(const char* what) {
  (void)WriteAll(2, what, strlen(what));
  sys::ExitGroup(127);
}

}  // namespace

void InitThread(const Process& p, uintptr_t bias) {
  const auto* phdr = reinterpret_cast<const Elf64_Phdr*>(p.Aux(AT_PHDR));
  const size_t phnum = p.Aux(AT_PHNUM);
  const Elf64_Phdr* tls = nullptr;
  for (size_t i = 0; phdr && i < phnum; ++i) {
    if (phdr[i].p_type == PT_TLS) tls = &phdr[i];
  }
  size_t align = alignof(Tcb);
  size_t block = 0;
  if (tls) {
    const size_t tls_align = tls->p_align ? tls->p_align : 1;
    if (tls_align > align) align = tls_align;
    // Variant II: the linker puts the block's end at tp, with the block's size rounded up to
    // p_align only (not to the TCB's alignment): tpoff = -(memsz + ((-vaddr - memsz) & (p_align - 1))),
    // as musl's __init_tls and lld compute it.
    block = tls->p_memsz + ((0 - tls->p_vaddr - tls->p_memsz) & (tls_align - 1));
  }
  const size_t need = block + sizeof(Tcb) + align;
  char* area = g_builtin_tls;
  if (need > sizeof g_builtin_tls) {
    auto m = sys::Mmap(nullptr, need, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!m) Fatal("crt: cannot allocate the TLS block\n");
    area = static_cast<char*>(m.value());
  }
  const uintptr_t tp = (reinterpret_cast<uintptr_t>(area) + block + align - 1) & ~(align - 1);
  if (tls) {
    memcpy(reinterpret_cast<void*>(tp - block), reinterpret_cast<const void*>(tls->p_vaddr + bias), tls->p_filesz);
  }
  Tcb* tcb = reinterpret_cast<Tcb*>(tp);
  tcb->self = tcb;
  // The canary: AT_RANDOM's first 8 bytes with the low byte zeroed, so that string overflows
  // cannot reproduce it (glibc's _dl_setup_stack_chk_guard).
  uint64_t canary = 0;
  if (const auto* random = reinterpret_cast<const unsigned char*>(p.Aux(AT_RANDOM))) {
    memcpy(&canary, random, sizeof canary);
  }
  tcb->words[4] = canary & ~uint64_t{0xff};
  if (!arch::SetThreadPointer(tcb)) Fatal("crt: arch_prctl(ARCH_SET_FS) failed\n");
}

extern "C" [[noreturn]] void __stack_chk_fail() {
  Fatal("*** stack smashing detected ***: terminated\n");
}

}  // namespace crt
