// Names of kernel constants (crt/names.h).
#include <crt/names.h>
#include <crt/string.h>

namespace crt {
namespace {

constexpr std::string_view kSignalNames[] = {
    "",          "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",
    "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM",
    "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",
    "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS"};
constexpr int kSignalCount = sizeof kSignalNames / sizeof kSignalNames[0];
constexpr int kMaxSignal = 64;

constexpr AuxType kAuxTypes[] = {
    {0, "AT_NULL", AuxKind::kNumber},
    {1, "AT_IGNORE", AuxKind::kNumber},
    {2, "AT_EXECFD", AuxKind::kNumber},
    {3, "AT_PHDR", AuxKind::kAddress},
    {4, "AT_PHENT", AuxKind::kNumber},
    {5, "AT_PHNUM", AuxKind::kNumber},
    {6, "AT_PAGESZ", AuxKind::kNumber},
    {7, "AT_BASE", AuxKind::kAddress},
    {8, "AT_FLAGS", AuxKind::kHex},
    {9, "AT_ENTRY", AuxKind::kAddress},
    {10, "AT_NOTELF", AuxKind::kNumber},
    {11, "AT_UID", AuxKind::kNumber},
    {12, "AT_EUID", AuxKind::kNumber},
    {13, "AT_GID", AuxKind::kNumber},
    {14, "AT_EGID", AuxKind::kNumber},
    {15, "AT_PLATFORM", AuxKind::kString},
    {16, "AT_HWCAP", AuxKind::kHex},
    {17, "AT_CLKTCK", AuxKind::kNumber},
    {23, "AT_SECURE", AuxKind::kNumber},
    {24, "AT_BASE_PLATFORM", AuxKind::kString},
    {25, "AT_RANDOM", AuxKind::kRandom},
    {26, "AT_HWCAP2", AuxKind::kHex},
    {27, "AT_RSEQ_FEATURE_SIZE", AuxKind::kNumber},
    {28, "AT_RSEQ_ALIGN", AuxKind::kNumber},
    {29, "AT_HWCAP3", AuxKind::kHex},
    {30, "AT_HWCAP4", AuxKind::kHex},
    {31, "AT_EXECFN", AuxKind::kString},
    {32, "AT_SYSINFO", AuxKind::kAddress},
    {33, "AT_SYSINFO_EHDR", AuxKind::kAddress},
    {40, "AT_L1I_CACHESIZE", AuxKind::kNumber},
    {41, "AT_L1I_CACHEGEOMETRY", AuxKind::kHex},
    {42, "AT_L1D_CACHESIZE", AuxKind::kNumber},
    {43, "AT_L1D_CACHEGEOMETRY", AuxKind::kHex},
    {44, "AT_L2_CACHESIZE", AuxKind::kNumber},
    {45, "AT_L2_CACHEGEOMETRY", AuxKind::kHex},
    {46, "AT_L3_CACHESIZE", AuxKind::kNumber},
    {47, "AT_L3_CACHEGEOMETRY", AuxKind::kHex},
    {51, "AT_MINSIGSTKSZ", AuxKind::kNumber},
};

}  // namespace

std::string_view SignalName(int sig) {
  return sig >= 1 && sig < kSignalCount ? kSignalNames[sig] : std::string_view();
}

int ParseSignal(std::string_view name) {
  unsigned long number;
  if (ParseUnsigned(name, &number)) return number >= 1 && number <= kMaxSignal ? static_cast<int>(number) : 0;
  if (Slice(name, 0, 3) == "SIG") name = Slice(name, 3);
  for (int sig = 1; sig < kSignalCount; ++sig) {
    if (!name.empty() && Slice(kSignalNames[sig], 3) == name) return sig;
  }
  return 0;
}

const AuxType* FindAuxType(unsigned long type) {
  for (const AuxType& a : kAuxTypes) {
    if (a.type == type) return &a;
  }
  return nullptr;
}

std::string_view AuxName(unsigned long type) {
  const AuxType* a = FindAuxType(type);
  return a ? a->name : std::string_view();
}

}  // namespace crt
