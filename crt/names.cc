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

struct AuxNameEntry {
  unsigned long type;
  std::string_view name;
};
constexpr AuxNameEntry kAuxNames[] = {
    {0, "AT_NULL"},           {1, "AT_IGNORE"},         {2, "AT_EXECFD"},
    {3, "AT_PHDR"},           {4, "AT_PHENT"},          {5, "AT_PHNUM"},
    {6, "AT_PAGESZ"},         {7, "AT_BASE"},           {8, "AT_FLAGS"},
    {9, "AT_ENTRY"},          {10, "AT_NOTELF"},        {11, "AT_UID"},
    {12, "AT_EUID"},          {13, "AT_GID"},           {14, "AT_EGID"},
    {15, "AT_PLATFORM"},      {16, "AT_HWCAP"},         {17, "AT_CLKTCK"},
    {23, "AT_SECURE"},        {24, "AT_BASE_PLATFORM"}, {25, "AT_RANDOM"},
    {26, "AT_HWCAP2"},        {27, "AT_RSEQ_FEATURE_SIZE"}, {28, "AT_RSEQ_ALIGN"},
    {29, "AT_HWCAP3"},        {30, "AT_HWCAP4"},        {31, "AT_EXECFN"},
    {32, "AT_SYSINFO"},       {33, "AT_SYSINFO_EHDR"},  {51, "AT_MINSIGSTKSZ"},
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

std::string_view AuxName(unsigned long type) {
  for (const auto& a : kAuxNames) {
    if (a.type == type) return a.name;
  }
  return {};
}

}  // namespace crt
