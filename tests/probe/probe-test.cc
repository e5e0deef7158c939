// Tests of the probe and its runner: every probe build is started directly (by the kernel) with
// a known argv, environment and prepared state, and its report is checked field by field against
// docs/execve.md (sections A, B, E); then two runs are compared to show that only
// ASLR-dependent and random keys differ, so that the comparator can be trusted with ulexec.
#include "probe-runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace probe_test {
namespace {

enum class Libc { kCrt, kGlibc, kMusl };
enum class Kind { kStatic, kStaticPie, kDynamic, kDynamicExec };

struct Variant {
  const char* name;
  Libc libc;
  Kind kind;
};

constexpr Variant kVariants[] = {
    {"static", Libc::kCrt, Kind::kStatic},
    {"static-pie", Libc::kCrt, Kind::kStaticPie},
    {"glibc-static", Libc::kGlibc, Kind::kStatic},
    {"glibc-static-pie", Libc::kGlibc, Kind::kStaticPie},
    {"glibc-dynamic", Libc::kGlibc, Kind::kDynamic},
    {"glibc-nopie", Libc::kGlibc, Kind::kDynamicExec},
    {"musl-static", Libc::kMusl, Kind::kStatic},
    {"musl-static-pie", Libc::kMusl, Kind::kStaticPie},
    {"musl-dynamic", Libc::kMusl, Kind::kDynamic},
};

// Spec A10: the auxv order on x86-64 6.18, AT_EXECFD where binfmt_misc would put it.
const std::vector<std::string> kKernelAuxvOrder = {
    "AT_SYSINFO_EHDR", "AT_MINSIGSTKSZ", "AT_HWCAP",  "AT_PAGESZ", "AT_CLKTCK", "AT_PHDR",
    "AT_PHENT",        "AT_PHNUM",       "AT_BASE",   "AT_FLAGS",  "AT_ENTRY",  "AT_UID",
    "AT_EUID",         "AT_GID",         "AT_EGID",   "AT_SECURE", "AT_RANDOM", "AT_HWCAP2",
    "AT_EXECFD",       "AT_EXECFN",      "AT_PLATFORM", "AT_RSEQ_FEATURE_SIZE", "AT_RSEQ_ALIGN", "AT_NULL"};
// Entries every x86-64 kernel of the last decade emits.
const std::vector<std::string> kRequiredAuxv = {
    "AT_HWCAP", "AT_PAGESZ", "AT_CLKTCK", "AT_PHDR", "AT_PHENT", "AT_PHNUM",  "AT_BASE", "AT_FLAGS", "AT_ENTRY",
    "AT_UID",   "AT_EUID",   "AT_GID",    "AT_EGID", "AT_SECURE", "AT_RANDOM", "AT_EXECFN", "AT_PLATFORM", "AT_NULL"};

void PrintTo(const Variant& v, std::ostream* os) { *os << v.name; }

// This process's auxv as the kernel gave it (glibc's getauxval(AT_HWCAP) is glibc's own value).
unsigned long OwnAux(unsigned long type) {
  std::ifstream in("/proc/self/auxv", std::ios::binary);
  unsigned long pair[2];
  while (in.read(reinterpret_cast<char*>(pair), sizeof pair) && pair[0] != AT_NULL) {
    if (pair[0] == type) return pair[1];
  }
  return 0;
}

std::string Hex(unsigned long long v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

unsigned long long ParseNumber(const std::string& s) { return std::stoull(s, nullptr, 0); }

// The probe's quoting (samples/probe/context.cc).
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u >= 0x7f) {
      out += "\\x";
      out += "0123456789abcdef"[u >> 4];
      out += "0123456789abcdef"[u & 15];
    } else {
      out += c;
    }
  }
  return out + '"';
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string part; std::getline(in, part, sep);) out.push_back(part);
  return out;
}

bool IsStaticPie(Kind k) { return k == Kind::kStaticPie; }
bool IsEtExec(Kind k) { return k == Kind::kStatic || k == Kind::kDynamicExec; }
bool HasInterp(Kind k) { return k == Kind::kDynamic || k == Kind::kDynamicExec; }

RunOptions Command(std::vector<std::string> argv, std::vector<std::string> env, int timeout_ms = 20000) {
  RunOptions o;
  o.argv = std::move(argv);
  o.env = std::move(env);
  o.timeout_ms = timeout_ms;
  return o;
}

std::string VariantName(const ::testing::TestParamInfo<Variant>& info) {
  std::string name = info.param.name;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

class ProbeTest : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override {
    path_ = ProbePath(GetParam().name);
    ASSERT_FALSE(path_.empty()) << "ULEXEC_PROBE_* is not set for " << GetParam().name << " (run through meson test)";
  }

  RunOptions Options(bool no_aslr = false) const {
    RunOptions o = Command(argv_, env_);
    o.no_aslr = no_aslr;
    return o;
  }

  // Runs the probe and checks that it ran cleanly and printed a well-formed report.
  Report Run(RunOptions options) {
    if (options.argv.empty()) options.argv = {path_};
    else options.argv[0] = path_;
    const RunResult r = RunCommand(options);
    EXPECT_TRUE(r.exec_errno == 0 && r.exited && r.exit_code == 0) << DescribeResult(r);
    EXPECT_EQ(r.err, "");
    Report report = ParseReport(r.out);
    EXPECT_TRUE(report.problems.empty()) << ::testing::PrintToString(report.problems);
    EXPECT_EQ(report.Get("probe.variant"), GetParam().name);
    return report;
  }
  Report Run() { return Run(Options()); }

  size_t StringsSize() const {
    size_t n = path_.size() + 1 + 8;  // AT_EXECFN and the end marker
    for (const auto& a : argv_) n += (&a == &argv_[0] ? path_.size() : a.size()) + 1;
    for (const auto& e : env_) n += e.size() + 1;
    return n;
  }

  std::string path_;
  // argv[0] is replaced by the probe's path.
  std::vector<std::string> argv_ = {"", "", "two words", "key: value", "tab\tnewline\n", "quote\"back\\slash",
                                    "\xc3\xa9t\xc3\xa9"};
  std::vector<std::string> env_ = {"A=1", "EMPTY=", "COLON=x: y", "LONG=" + std::string(300, 'z')};
};

TEST_P(ProbeTest, OrdinaryKeysHoldNoAbsoluteAddresses) {
  const Report r = Run();
  const std::regex address("0x0*[1-9a-f][0-9a-f]{8,}");
  for (const auto& [key, value] : r.lines) {
    if (key.rfind("addr.", 0) == 0 || key.rfind("regs.xmm", 0) == 0) continue;
    EXPECT_FALSE(std::regex_search(value, address)) << key << ": " << value;
  }
  EXPECT_TRUE(r.Has("addr.stack.sp"));
  EXPECT_TRUE(r.Has("random.bytes"));
}

TEST_P(ProbeTest, ArgvAndEnvpExactly) {
  const Report r = Run();
  ASSERT_EQ(r.Get("argc"), std::to_string(argv_.size()));
  EXPECT_EQ(r.Get("argv[0]"), Quote(path_));
  for (size_t i = 1; i < argv_.size(); ++i) EXPECT_EQ(r.Get("argv[" + std::to_string(i) + "]"), Quote(argv_[i]));
  EXPECT_FALSE(r.Has("argv[" + std::to_string(argv_.size()) + "]"));
  EXPECT_EQ(r.Get("argv[argc]"), "NULL");
  ASSERT_EQ(r.Get("envc"), std::to_string(env_.size()));
  for (size_t i = 0; i < env_.size(); ++i) EXPECT_EQ(r.Get("envp[" + std::to_string(i) + "]"), Quote(env_[i]));
}

TEST_P(ProbeTest, SignalDispositionsAfterExec) {
  const Report r = Run();
  EXPECT_EQ(r.Get("signal.SIGUSR1"), "ignore flags=0 mask=none");    // E1: SIG_IGN stays
  EXPECT_EQ(r.Get("signal.SIGUSR2"), "default flags=0 mask=none");   // E1: a handler is reset
  EXPECT_FALSE(r.Has("signal.SIGUSR2.handler"));
  for (const auto& key : r.KeysWithPrefix("signal.SIG")) {
    if (key == "signal.SIGUSR1") continue;
    EXPECT_EQ(r.Get(key), "default flags=0 mask=none") << key;
  }
  EXPECT_EQ(r.KeysWithPrefix("signal.SIG").size(), 64u);
  EXPECT_EQ(r.Get("signal.blocked"), "SIGWINCH");  // E2
  EXPECT_EQ(r.Get("signal.pending"), "none");
  EXPECT_EQ(r.Get("signal.altstack"), "disabled size=0 sp=0");  // E3
}

TEST_P(ProbeTest, DescriptorsAfterExec) {
  const Report r = Run();
  EXPECT_EQ(r.Get("fd.list"), "0,1,2,6");  // E4: fd 5 had FD_CLOEXEC
  EXPECT_FALSE(r.Has("fd.5.target"));
  EXPECT_EQ(r.Get("fd.0.target"), "\"/dev/null\"");
  EXPECT_EQ(r.Get("fd.0.flags"), "O_RDONLY|O_LARGEFILE");
  for (const char* fd : {"1", "2"}) {
    EXPECT_EQ(r.Get(std::string("fd.") + fd + ".target"), "\"pipe:[*]\"");
    EXPECT_EQ(r.Get(std::string("fd.") + fd + ".flags"), "O_WRONLY");
    EXPECT_EQ(r.Get(std::string("fd.") + fd + ".offset"), "error ESPIPE");
  }
  for (const char* fd : {"0", "1", "2", "6"}) EXPECT_EQ(r.Get(std::string("fd.") + fd + ".cloexec"), "no");
  EXPECT_EQ(r.Get("fd.6.target"), Quote(kInheritedPath));
  EXPECT_EQ(r.Get("fd.6.flags"), "O_WRONLY|O_APPEND|O_NONBLOCK|O_LARGEFILE");
}

TEST_P(ProbeTest, AuxvEntriesInKernelOrder) {
  const Report r = Run();
  const std::vector<std::string> order = Split(r.Get("auxv.order"), ' ');
  ASSERT_FALSE(order.empty());
  EXPECT_EQ(r.Get("auxv.count"), std::to_string(order.size()));
  EXPECT_EQ(order.back(), "AT_NULL");
  // A10: every entry is one the kernel emits, in the kernel's order, none twice.
  size_t at = 0;
  for (const auto& name : order) {
    auto it = std::find(kKernelAuxvOrder.begin() + static_cast<long>(at), kKernelAuxvOrder.end(), name);
    ASSERT_NE(it, kKernelAuxvOrder.end()) << name << " unexpected or out of order in: " << r.Get("auxv.order");
    at = static_cast<size_t>(it - kKernelAuxvOrder.begin()) + 1;
  }
  for (const auto& name : kRequiredAuxv) {
    EXPECT_NE(std::find(order.begin(), order.end(), name), order.end()) << name;
  }

  // The values, against this (same) machine and the image as mapped.
  EXPECT_EQ(r.Get("auxv.AT_PAGESZ"), "4096");
  EXPECT_EQ(r.Get("auxv.AT_CLKTCK"), "100");
  EXPECT_EQ(r.Get("auxv.AT_PHENT"), "56");
  EXPECT_EQ(r.Get("auxv.AT_PHNUM"), r.Get("image.phnum"));
  EXPECT_EQ(r.Get("auxv.AT_PHDR"), r.Get("image.phdr"));  // C15
  EXPECT_EQ(r.Get("auxv.AT_ENTRY"), r.Get("image.entry"));  // A10 #11: the program's entry
  EXPECT_EQ(ParseNumber(r.Get("addr.auxv.AT_PHDR")) - ParseNumber(r.Get("addr.image.base")),
            ParseNumber(r.Get("image.phdr").substr(6)));
  EXPECT_EQ(r.Get("auxv.AT_FLAGS"), "0x0");
  EXPECT_EQ(r.Get("auxv.AT_SECURE"), "0");
  EXPECT_EQ(r.Get("auxv.AT_UID"), std::to_string(getuid()));
  EXPECT_EQ(r.Get("auxv.AT_EUID"), std::to_string(geteuid()));
  EXPECT_EQ(r.Get("auxv.AT_GID"), std::to_string(getgid()));
  EXPECT_EQ(r.Get("auxv.AT_EGID"), std::to_string(getegid()));
  EXPECT_EQ(r.Get("auxv.AT_HWCAP"), Hex(OwnAux(AT_HWCAP)));
  if (r.Has("auxv.AT_HWCAP2")) {
    EXPECT_EQ(r.Get("auxv.AT_HWCAP2"), Hex(OwnAux(AT_HWCAP2)));
  }
  if (r.Has("auxv.AT_MINSIGSTKSZ")) {
    EXPECT_EQ(r.Get("auxv.AT_MINSIGSTKSZ"), std::to_string(OwnAux(51)));
  }
  if (r.Has("auxv.AT_RSEQ_ALIGN")) {
    EXPECT_EQ(r.Get("auxv.AT_RSEQ_ALIGN"), std::to_string(OwnAux(28)));
  }
  if (r.Has("auxv.AT_SYSINFO_EHDR")) {
    EXPECT_EQ(r.Get("auxv.AT_SYSINFO_EHDR"), "[vdso]+0x0");
  }
  if (HasInterp(GetParam().kind)) {
    // The interpreter's load address: the start of its first mapping.
    EXPECT_NE(r.Get("auxv.AT_BASE"), "0x0");
    EXPECT_TRUE(r.Get("auxv.AT_BASE").ends_with("+0x0")) << r.Get("auxv.AT_BASE");
    EXPECT_FALSE(r.Get("auxv.AT_BASE").starts_with("image")) << r.Get("auxv.AT_BASE");
  } else {
    EXPECT_EQ(r.Get("auxv.AT_BASE"), "0x0");
  }
  EXPECT_EQ(r.Get("auxv.AT_RANDOM"), "[stack] mod16=9");  // A6
  EXPECT_EQ(r.Get("auxv.AT_PLATFORM"), "\"x86_64\" at AT_RANDOM+0x10");  // A5, A6
  // A1, A2: the filename as passed, ending 8 bytes below the end of the stack.
  EXPECT_EQ(r.Get("auxv.AT_EXECFN"), Quote(path_) + " at stack_end-" + Hex(path_.size() + 1 + 8));
  EXPECT_EQ(r.Get("auxv.AT_NULL"), "0");
  // A11
  EXPECT_EQ(r.Get("proc.auxv"), "stack auxv");
  EXPECT_EQ(r.Get("proc.auxv.bytes"), std::to_string(16 * order.size()));
}

TEST_P(ProbeTest, StackLayout) {
  const Report r = Run();
  const size_t argc = argv_.size(), envc = env_.size();
  const size_t auxc = Split(r.Get("auxv.order"), ' ').size();
  EXPECT_EQ(r.Get("stack.sp.mod16"), "0");  // A8
  EXPECT_EQ(r.Get("stack.argv"), "sp+0x8");
  EXPECT_EQ(r.Get("stack.envp"), "sp+" + Hex(8 * (argc + 2)));
  EXPECT_EQ(r.Get("stack.auxv"), "sp+" + Hex(8 * (argc + envc + 3)));
  const size_t k = 2 * auxc + argc + envc + 3;
  EXPECT_EQ(r.Get("stack.auxv_end"), "sp+" + Hex(8 * k));
  // A7: rsp = (AT_RANDOM - 8k) & ~15 with AT_RANDOM % 16 == 9, so the padding is 9 or 1 bytes.
  const size_t pad = (9 + 16 - (8 * k) % 16) % 16;
  EXPECT_EQ(r.Get("stack.pad.auxv_end_to_random"), std::to_string(pad));
  EXPECT_EQ(r.Get("stack.pad.auxv_end_to_random.zero"), "yes");
  EXPECT_EQ(r.Get("stack.random"), "sp+" + Hex(8 * k + pad));
  EXPECT_EQ(r.Get("stack.platform"), "AT_RANDOM+0x10");  // A5
  EXPECT_EQ(r.Get("stack.platform_end.mod16"), "0");    // A4: p is 16-aligned
  EXPECT_EQ(r.Get("stack.pad.platform_end_to_strings.zero"), "yes");
  EXPECT_LT(ParseNumber(r.Get("addr.stack.pad.platform_end_to_strings")), 8192u + 16);
  EXPECT_EQ(r.Get("stack.argv_strings"), "packed");  // A3
  EXPECT_EQ(r.Get("stack.envp_strings"), "packed");
  EXPECT_EQ(r.Get("stack.execfn"), "right after the envp strings");
  EXPECT_EQ(r.Get("stack.execfn_end"), "stack_end-0x8");  // A1, A2
  EXPECT_EQ(r.Get("stack.end_marker"), "8 zero bytes");
  EXPECT_EQ(r.Get("stack.strings_size"), std::to_string(StringsSize()));
  EXPECT_EQ(ParseNumber(r.Get("addr.stack.sp")) % 16, 0u);
  EXPECT_EQ(ParseNumber(r.Get("addr.stack.end")) % 4096, 0u);
  EXPECT_EQ(r.Get("maps.sp_in"), "[stack]");
  EXPECT_EQ(r.Get("proc.stat.start_stack"), "sp+0x0");  // A14
  EXPECT_EQ(r.Get("random.bytes").size(), 32u);
}

TEST_P(ProbeTest, EntryRegisters) {
  const Report r = Run();
  if (GetParam().libc != Libc::kCrt) {
    EXPECT_EQ(r.Get("regs"), "unavailable (libc build)");
    EXPECT_TRUE(r.KeysWithPrefix("regs.").empty());
    return;
  }
  EXPECT_EQ(r.Get("regs"), "saved at entry");
  for (const char* reg : {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11", "r12", "r13",
                          "r14", "r15"}) {
    EXPECT_EQ(r.Get(std::string("regs.") + reg), "0x0") << reg;  // B2
  }
  EXPECT_EQ(r.Get("regs.rsp"), "sp+0x0");  // A8: rsp points at argc
  EXPECT_EQ(r.Get("regs.rsp.mod16"), "0");
  EXPECT_EQ(r.Get("addr.regs.rsp"), r.Get("addr.stack.sp"));
  EXPECT_EQ(r.Get("regs.rflags"), "0x202");  // B3
  EXPECT_EQ(r.Get("regs.cs"), "0x33");       // B4
  EXPECT_EQ(r.Get("regs.ss"), "0x2b");
  for (const char* seg : {"ds", "es", "fs", "gs"}) EXPECT_EQ(r.Get(std::string("regs.") + seg), "0x0") << seg;
  EXPECT_EQ(r.Get("regs.fs_base"), "0x0");
  EXPECT_EQ(r.Get("regs.gs_base"), "0x0");
  // B5: reset although the parent changed both right before execve.
  EXPECT_EQ(r.Get("regs.fcw"), "0x37f");
  EXPECT_EQ(r.Get("regs.fsw"), "0x0");
  EXPECT_EQ(r.Get("regs.mxcsr"), "0x1f80");
  EXPECT_EQ(r.Get("regs.ftw"), "0x0");
  EXPECT_EQ(r.Get("regs.st"), "all zero");
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(r.Get("regs.xmm" + std::to_string(i)), "0x" + std::string(32, '0')) << i;
  }
  EXPECT_TRUE(r.Get("regs.ymm_upper") == "all zero" || r.Get("regs.ymm_upper") == "unavailable (no AVX)")
      << r.Get("regs.ymm_upper");
}

TEST_P(ProbeTest, ProcFiles) {
  const Report r = Run();
  const std::string base = path_.substr(path_.rfind('/') + 1);
  EXPECT_EQ(r.Get("proc.comm"), Quote(base.substr(0, 15)));  // E6
  char real[PATH_MAX];
  ASSERT_NE(realpath(path_.c_str(), real), nullptr);
  EXPECT_EQ(r.Get("proc.exe"), Quote(real));  // E7
  EXPECT_EQ(r.Get("proc.exe_is_image"), "yes");
  EXPECT_EQ(r.Get("image.path"), Quote(real));
  EXPECT_EQ(r.Get("proc.cmdline"), "argv");  // E7
  EXPECT_EQ(r.Get("proc.environ"), "envp");
  size_t argv_bytes = path_.size() + 1, env_bytes = 0;
  for (size_t i = 1; i < argv_.size(); ++i) argv_bytes += argv_[i].size() + 1;
  for (const auto& e : env_) env_bytes += e.size() + 1;
  EXPECT_EQ(r.Get("proc.cmdline.bytes"), std::to_string(argv_bytes));
  EXPECT_EQ(r.Get("proc.environ.bytes"), std::to_string(env_bytes));
  EXPECT_EQ(r.Get("proc.stat.arg_start"), "argv[0]");  // A3
  EXPECT_EQ(r.Get("proc.stat.arg_end"), "end of the argv strings");
  EXPECT_EQ(r.Get("proc.stat.env_start"), "envp[0]");
  EXPECT_EQ(r.Get("proc.stat.env_end"), "AT_EXECFN");
  for (const char* f : {"start_code", "end_code", "start_data", "end_data"}) {
    EXPECT_TRUE(r.Get(std::string("proc.stat.") + f).starts_with("image+")) << f << ": "
                                                                          << r.Get(std::string("proc.stat.") + f);
  }
  EXPECT_EQ(r.Get("addr.proc.stat.start_brk"), r.Get("addr.brk.start"));
}

TEST_P(ProbeTest, ImageMapsAndBrk) {
  const Report r = Run();
  const Kind kind = GetParam().kind;
  EXPECT_EQ(r.Get("image.type"), IsEtExec(kind) ? "ET_EXEC" : "ET_DYN");
  EXPECT_EQ(r.Get("image.load_bias"), IsEtExec(kind) ? "0" : "nonzero");
  if (!HasInterp(kind)) {
    EXPECT_EQ(r.Get("image.interp"), "none");
  }
  else if (GetParam().libc == Libc::kGlibc) EXPECT_EQ(r.Get("image.interp"), "\"/lib64/ld-linux-x86-64.so.2\"");
  else EXPECT_EQ(r.Get("image.interp"), "\"/lib/ld-musl-x86_64.so.1\"");
  EXPECT_EQ(r.Get("image.phdr"), "image+0x40");
  EXPECT_TRUE(r.Get("maps.image.0").starts_with("+0x0 ")) << r.Get("maps.image.0");
  EXPECT_TRUE(r.Get("maps.image.0").ends_with(" off=0x0")) << r.Get("maps.image.0");
  EXPECT_TRUE(r.Has("maps.[vdso].0"));
  EXPECT_TRUE(r.Get("maps.[stack].0").ends_with(" rw-p")) << r.Get("maps.[stack].0");  // A13, C8
  const auto order = r.Get("maps.order");
  if (IsStaticPie(kind)) {
    // C7: vvar and vDSO right below a static-pie image.
    EXPECT_NE(order.find("[vdso] image"), std::string::npos) << order;
  }
  EXPECT_EQ(r.Get("brk.start.page_aligned"), "yes");
  // C11: a static-pie's brk moves to ELF_ET_DYN_BASE, below the image near the stack.
  EXPECT_EQ(r.Get("brk.start"), IsStaticPie(kind) ? "below the image" : "above the image");
  EXPECT_EQ(r.Get("brk.heap"), r.Get("maps.heap"));
  EXPECT_EQ(r.Get("brk.heap"), r.Get("brk.current") == "start+0x0" ? "absent" : "present");  // E7
}

TEST_P(ProbeTest, TaskState) {
  const Report r = Run();
  EXPECT_EQ(r.Get("task.pid_is_tid"), "yes");
  EXPECT_EQ(r.Get("task.threads"), "1");
  EXPECT_EQ(r.Get("task.dumpable"), "1");  // E11
  EXPECT_EQ(r.Get("task.keepcaps"), "0");
  EXPECT_EQ(r.Get("task.no_new_privs"), std::to_string(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)));
  EXPECT_EQ(r.Get("task.timerslack_ns"), std::to_string(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0)));
  EXPECT_EQ(r.Get("task.pdeathsig"), "0");
  EXPECT_EQ(r.Get("task.child_subreaper"), "0");
  for (const char* t : {"real", "virtual", "prof"}) EXPECT_EQ(r.Get(std::string("task.itimer.") + t), "disarmed");
  const mode_t mask = umask(022);
  umask(mask);
  char octal[8];
  snprintf(octal, sizeof octal, "%04o", mask);
  EXPECT_EQ(r.Get("task.umask"), octal);
  EXPECT_EQ(r.Get("personality"), "0x0");
  if (GetParam().libc == Libc::kGlibc) {
    // glibc registered rseq and the robust list itself at start-up.
    EXPECT_EQ(r.Get("rseq.register"), "error EINVAL");
    EXPECT_NE(r.Get("task.robust_list"), "0x0");
  } else {
    EXPECT_EQ(r.Get("rseq.register"), "ok");  // E9
    EXPECT_EQ(r.Get("task.robust_list"), "0x0");
  }
  if (GetParam().libc == Libc::kCrt) {
    EXPECT_EQ(r.Get("task.clear_child_tid"), "0x0");  // E9
  }
}

TEST_P(ProbeTest, CanaryComesFromAtRandom) {
  const Report r = Run();
  EXPECT_EQ(r.Get("canary"), GetParam().libc == Libc::kMusl ? "AT_RANDOM[0..8) with byte 1 cleared"
                                                            : "AT_RANDOM[0..8) with byte 0 cleared");
}

TEST_P(ProbeTest, WithoutAslr) {
  const Report r = Run(Options(/*no_aslr=*/true));
  EXPECT_EQ(r.Get("personality"), "0x40000 ADDR_NO_RANDOMIZE");  // C13: survives exec
  EXPECT_EQ(r.Get("addr.stack.end"), "0x7ffffffff000");            // A12
  // A4 with r = 0: p = arg_start & ~15, so the padding is arg_start % 16.
  EXPECT_EQ(ParseNumber(r.Get("addr.stack.pad.platform_end_to_strings")), (16 - StringsSize() % 16) % 16);
  const Kind kind = GetParam().kind;
  const unsigned long long start_brk = ParseNumber(r.Get("addr.brk.start"));
  if (IsStaticPie(kind)) {
    EXPECT_EQ(start_brk, 0x555555555000u);  // C11, C12
    const unsigned long long end = ParseNumber(r.Get("addr.image.base")) + ParseNumber(r.Get("image.end").substr(6));
    EXPECT_EQ((end + 4095) & ~4095ull, 0x7ffff7fff000u);
  } else {
    // C11: right after the bss.
    const long long gap = static_cast<long long>(std::stoll(r.Get("addr.brk.start_from_bss_end"), nullptr, 16));
    EXPECT_GE(gap, 0);
    EXPECT_LT(gap, 4096);
  }
  if (kind == Kind::kDynamic) {
    EXPECT_EQ(r.Get("addr.image.base"), "0x555555554000");  // C4, C12
  }
}

TEST_P(ProbeTest, TwoRunsDifferOnlyInAslrAndRandomKeys) {
  const Report a = Run(), b = Run();
  EXPECT_TRUE(ReportsMatch(a, b, kAslrDependent, "run1", "run2"));
  // The comparator does see the differences it is told to allow.
  std::set<std::string> differing;
  for (const auto& d : CompareReports(a, b, {})) differing.insert(d.key);
  EXPECT_TRUE(differing.count("random.bytes"));
  std::ifstream va("/proc/sys/kernel/randomize_va_space");
  int randomize = -1;
  va >> randomize;
  if (randomize != 0) {
    EXPECT_TRUE(differing.count("addr.stack.sp"));
    EXPECT_TRUE(differing.count("addr.auxv.AT_RANDOM"));
  }
  for (const auto& key : differing) {
    EXPECT_TRUE(key.starts_with("addr.") || key.starts_with("random.")) << key;
  }

  const Report c = Run(Options(true)), d = Run(Options(true));
  EXPECT_TRUE(ReportsMatch(c, d, kRunDependent, "run1", "run2"));
  const auto diffs = CompareReports(c, d, {});
  ASSERT_EQ(diffs.size(), 1u) << FormatDiff(diffs);
  EXPECT_EQ(diffs[0].key, "random.bytes");
}

INSTANTIATE_TEST_SUITE_P(AllBuilds, ProbeTest, ::testing::ValuesIn(kVariants), VariantName);

// ---- The flag, and the runner and comparator on their own --------------------------------------

TEST(ProbeSections, SelectsSectionsAndStillReportsTheFlagAsArgv) {
  const std::string probe = ProbePath("static");
  ASSERT_FALSE(probe.empty());
  RunResult r = RunCommand(Command({probe, "--sections=auxv,stack"}, {"A=1"}));
  ASSERT_TRUE(r.exited && r.exit_code == 0) << DescribeResult(r);
  Report report = ParseReport(r.out);
  ASSERT_TRUE(report.problems.empty());
  EXPECT_EQ(report.Get("probe.sections"), "auxv,stack");
  for (const auto& [key, value] : report.lines) {
    const bool allowed = key.starts_with("probe.") || key.starts_with("auxv.") || key.starts_with("addr.auxv.") ||
                         key.starts_with("stack.") || key.starts_with("addr.stack.") || key == "random.bytes";
    EXPECT_TRUE(allowed) << key;
  }
  EXPECT_TRUE(report.Has("auxv.AT_PHDR"));
  EXPECT_TRUE(report.Has("stack.random"));

  r = RunCommand(Command({probe, "--sections=args", "x"}, {}));
  report = ParseReport(r.out);
  EXPECT_EQ(report.Get("argv[1]"), "\"--sections=args\"");
  EXPECT_EQ(report.Get("argv[2]"), "\"x\"");
  EXPECT_FALSE(report.Has("envc"));

  // Only a leading --sections is a flag.
  r = RunCommand(Command({probe, "x", "--sections=args"}, {}));
  report = ParseReport(r.out);
  EXPECT_EQ(report.Get("probe.sections"), "all");

  r = RunCommand(Command({probe, "--sections=args,bogus"}, {}));
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown section \"bogus\""), std::string::npos) << r.err;
}

TEST(ProbeRunner, ReportsExecErrnoAndExitStatus) {
  RunResult r = RunCommand(Command({"/nonexistent/program"}, {}));
  EXPECT_EQ(r.exec_errno, ENOENT);
  EXPECT_EQ(DescribeResult(r).substr(0, 20), "execve failed: ENOEN");
  r = RunCommand(Command({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, {}));
  EXPECT_EQ(r.exec_errno, 0);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  r = RunCommand(Command({"/bin/sh", "-c", "kill -9 $$"}, {}));
  EXPECT_FALSE(r.exited);
  EXPECT_EQ(r.term_signal, SIGKILL);
  r = RunCommand(Command({"/bin/sh", "-c", "exec /bin/sleep 10"}, {}, 200));
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.term_signal, SIGKILL);
}

TEST(ProbeRunner, ExactEnvironmentAndPreparedDescriptors) {
  const RunResult r = RunCommand(Command({"/bin/sh", "-c", "/usr/bin/env; /bin/ls /proc/self/fd"}, {"ONLY=this"}));
  ASSERT_TRUE(r.exited && r.exit_code == 0) << DescribeResult(r);
  EXPECT_NE(r.out.find("ONLY=this\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("HOME="), std::string::npos) << r.out;
  // ls's own directory descriptor (3) shows up too; 5 is gone, 6 stays.
  EXPECT_NE(r.out.find("\n6\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\n5\n"), std::string::npos) << r.out;
}

TEST(ProbeReport, ParsesLinesAndFlagsProblems) {
  const Report r = ParseReport("a: 1\nb: x: y\nc: \nbad line\na: 2\n");
  ASSERT_EQ(r.lines.size(), 3u);
  EXPECT_EQ(r.Get("a"), "1");
  EXPECT_EQ(r.Get("b"), "x: y");
  EXPECT_EQ(r.Get("c"), "");
  EXPECT_EQ(r.Get("d"), "<missing d>");
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_EQ(r.problems[0], "malformed line: bad line");
  EXPECT_EQ(r.problems[1], "duplicate key: a");
}

TEST(ProbeReport, ComparatorListsChangedAndMissingKeysExceptAllowed) {
  const Report a = ParseReport("same: 1\nchanged: 1\nonly.a: 1\naddr.x: 1\nrandom.bytes: 00\n");
  const Report b = ParseReport("same: 1\nchanged: 2\naddr.x: 2\nonly.b: 2\nrandom.bytes: 01\n");
  auto diffs = CompareReports(a, b, kAslrDependent);
  ASSERT_EQ(diffs.size(), 3u);
  EXPECT_EQ(diffs[0].key, "changed");
  EXPECT_EQ(*diffs[0].a, "1");
  EXPECT_EQ(*diffs[0].b, "2");
  EXPECT_EQ(diffs[1].key, "only.a");
  EXPECT_FALSE(diffs[1].b.has_value());
  EXPECT_EQ(diffs[2].key, "only.b");
  EXPECT_FALSE(diffs[2].a.has_value());
  EXPECT_EQ(FormatDiff(diffs, "direct", "ulexec"),
            "changed: direct=1 | ulexec=2\nonly.a: direct=1 | ulexec=<missing>\nonly.b: direct=<missing> | ulexec=2\n");
  EXPECT_EQ(CompareReports(a, b, kRunDependent).size(), 4u);  // addr.x counts now
  EXPECT_FALSE(ReportsMatch(a, b, kAslrDependent));
  EXPECT_TRUE(ReportsMatch(a, a, {}));
}

}  // namespace
}  // namespace probe_test
