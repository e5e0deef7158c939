// startup-probe: a program on crt/ alone that reports the state crt's start-up code left behind,
// for startup-test.cc to check.
//   startup-probe           prints "key value" lines (below) and exits 0
//   startup-probe smash N   writes N bytes into a 16-byte stack buffer (the stack protector must
//                           catch it when N reaches the canary)
// Lines:
//   canary 0x...             %fs:0x28
//   at_random 0x...          the 16 AT_RANDOM bytes in memory order, as hex
//   at_random_addr 0x...     AT_RANDOM from crt::ThisProcess()
//   proc_at_random_addr 0x...  AT_RANDOM from /proc/self/auxv
//   tp 0x...                 %fs:0 (the TCB's self pointer)
//   fs_base 0x...            arch_prctl(ARCH_GET_FS)
//   tls_int 0x...            an initialised thread_local int (.tdata)
//   tls_char c               an initialised thread_local char
//   tls_zero 0x...           a zero-initialised thread_local (.tbss), after a write of 7 to it
//   tls_big_align 0x...      address % PROBE_TLS_ALIGN of an alignas(PROBE_TLS_ALIGN) thread_local
//                            array, when built with -DPROBE_TLS_ALIGN=N ("none" otherwise: then the
//                            TLS segment's alignment is small, 4, as in most programs)
//   tls_big 0x... 0x...      its first and last bytes ("none")
//   tls_below_tp yes|no      every TLS variable lies below the thread pointer (variant II)
#include <crt/format.h>
#include <crt/process.h>
#include <crt/string.h>
#include <crt/sys.h>

#include <elf.h>

#include <cstdint>

namespace {

constexpr int kArchGetFs = 0x1003;  // ARCH_GET_FS (musl has no <asm/prctl.h>)

thread_local int g_tls_int = 0x11223344;
thread_local char g_tls_char = 'x';
thread_local unsigned g_tls_zero;
#ifdef PROBE_TLS_ALIGN
alignas(PROBE_TLS_ALIGN) thread_local unsigned char g_tls_big[200] = {0xab};
#endif

unsigned long ProcAuxRandom() {
  auto fd = crt::sys::Open("/proc/self/auxv", O_RDONLY | O_CLOEXEC);
  if (!fd) return 0;
  crt::AuxEntry aux[64];
  auto n = crt::sys::Read(fd.value(), aux, sizeof aux);
  (void)crt::sys::Close(fd.value());
  if (!n) return 0;
  for (size_t i = 0; i < n.value() / sizeof(crt::AuxEntry); ++i) {
    if (aux[i].type == AT_RANDOM) return aux[i].value;
  }
  return 0;
}

[[gnu::noinline]] void Smash(unsigned long n) {
  char buf[16];
  volatile char* p = buf;
  for (unsigned long i = 0; i < n; ++i) p[i] = 'A';
  __asm__ volatile("" : : "r"(buf) : "memory");
}

}  // namespace

int main(int argc, char** argv, char**) {
  if (argc == 3 && std::string_view(argv[1]) == "smash") {
    unsigned long n = 0;
    if (!crt::ParseUnsigned(argv[2], &n)) return 2;
    Smash(n);
    crt::Writer(1) << "smash " << n << " returned\n";
    return 0;
  }

  crt::Writer out(1);
  uint64_t canary;
  __asm__ volatile("mov %%fs:0x28, %0" : "=r"(canary));
  out << "canary " << crt::Hex{canary, 16} << '\n';

  const auto random_addr = crt::ThisProcess().Aux(AT_RANDOM);
  out << "at_random ";
  if (const auto* random = reinterpret_cast<const unsigned char*>(random_addr)) {
    for (int i = 0; i < 16; ++i) out << "0123456789abcdef"[random[i] >> 4] << "0123456789abcdef"[random[i] & 15];
  }
  out << '\n';
  out << "at_random_addr " << crt::Hex{random_addr} << '\n';
  out << "proc_at_random_addr " << crt::Hex{ProcAuxRandom()} << '\n';

  uintptr_t tp;
  __asm__ volatile("mov %%fs:0, %0" : "=r"(tp));
  unsigned long fs_base = 0;
  (void)crt::sys::ArchPrctl(kArchGetFs, reinterpret_cast<unsigned long>(&fs_base));
  out << "tp " << crt::Hex{tp} << '\n';
  out << "fs_base " << crt::Hex{fs_base} << '\n';

  g_tls_zero = g_tls_zero + 7;
  out << "tls_int " << crt::Hex{static_cast<unsigned>(g_tls_int)} << '\n';
  out << "tls_char " << g_tls_char << '\n';
  out << "tls_zero " << crt::Hex{g_tls_zero} << '\n';
#ifdef PROBE_TLS_ALIGN
  out << "tls_big_align " << crt::Hex{reinterpret_cast<uintptr_t>(g_tls_big) % PROBE_TLS_ALIGN} << '\n';
  out << "tls_big " << crt::Hex{g_tls_big[0]} << ' ' << crt::Hex{g_tls_big[sizeof g_tls_big - 1]} << '\n';
  const uintptr_t big_end = reinterpret_cast<uintptr_t>(g_tls_big + sizeof g_tls_big - 1);
#else
  out << "tls_big_align none\n";
  out << "tls_big none\n";
  const uintptr_t big_end = 0;
#endif
  const uintptr_t vars[] = {reinterpret_cast<uintptr_t>(&g_tls_int), reinterpret_cast<uintptr_t>(&g_tls_char),
                            reinterpret_cast<uintptr_t>(&g_tls_zero), big_end};
  bool below = true;
  for (uintptr_t v : vars) below = below && v < tp;
  out << "tls_below_tp " << (below ? "yes" : "no") << '\n';
  return 0;
}
