// Differential conformance: the probe started directly (a real execve) and through ulexec (the
// command, and the library inside a glibc host), with the same argv, environment, descriptors
// and signal dispositions, as the test's user and as nobody (as-user.h). The reports must be
// identical except for a short list of fields, each with its reason; with ASLR off, addresses
// must match as well.
#include "../probe/probe-runner.h"
#include "as-user.h"
#include "support/binaries.h"

#include <gtest/gtest.h>

#include <elf.h>
#include <sys/personality.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using probe_test::CompareReports;
using probe_test::FormatDiff;
using probe_test::ParseReport;
using probe_test::Report;
using probe_test::ReportsMatch;
using probe_test::RunCommand;
using probe_test::RunOptions;
using conformance::PathFor;
using conformance::User;

namespace {

constexpr User kUsers[] = {User::kCaller, User::kNobody, User::kNobodyWithCapability};
constexpr const char* kVariants[] = {"static",          "static-pie",    "glibc-static", "glibc-static-pie",
                                     "glibc-dynamic",   "glibc-nopie",   "musl-static",  "musl-static-pie",
                                     "musl-dynamic"};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Whether the file, or its PT_INTERP, has a signal restorer (mov $15,%rax or %eax; syscall) in
// the file bytes of a readable, executable, not writable PT_LOAD, with room for ulexec's 49-byte
// stub before it: then ulexec leaves no hand-off page (docs/execve.md#B6). Read here from the
// files, independently of the loader's own search.
bool CarriesRestorer(const std::string& path, bool follow_interp = true) {
  const std::string file = ReadFile(path);
  if (file.size() < sizeof(Elf64_Ehdr)) return false;
  Elf64_Ehdr eh;
  memcpy(&eh, file.data(), sizeof eh);
  for (int i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    memcpy(&ph, file.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type == PT_INTERP && follow_interp &&
        CarriesRestorer(std::string(file.c_str() + ph.p_offset), false)) {
      return true;
    }
    if (ph.p_type != PT_LOAD || (ph.p_flags & (PF_R | PF_W | PF_X)) != (PF_R | PF_X)) continue;
    const std::string text = file.substr(ph.p_offset, ph.p_filesz);
    for (const char* r : {"\x48\xc7\xc0\x0f\x00\x00\x00\x0f\x05", "\xb8\x0f\x00\x00\x00\x0f\x05"}) {
      const std::string restorer(r, r[0] == '\x48' ? 9 : 7);
      const size_t at = text.find(restorer, 49);
      if (at != std::string::npos) return true;
    }
  }
  return false;
}

// The one known difference in the report, for a program that carries no signal restorer (or
// with --handoff-page): ulexec's hand-off page, one anonymous r-x page that stays mapped (nothing
// can unmap the page it runs from and then jump; README, "Known differences"). This takes
// exactly that page out of a ulexec report, or fails the test. Where a restorer is carried, the
// report must have no such page at all and is returned as it is.
Report WithoutHandoffPage(const Report& r, bool expected = true) {
  std::vector<std::string> anon = r.KeysWithPrefix("addr.maps.anon.");
  int found = -1;
  for (size_t i = 0; i < anon.size(); ++i) {
    const std::string& v = r.Get(anon[i]);
    unsigned long start = 0, end = 0;
    char perms[8] = {};
    if (sscanf(v.c_str(), "0x%lx-0x%lx %7s", &start, &end, perms) == 3 && start != 0 && end - start == 4096 &&
        std::string(perms) == "r-xp") {
      EXPECT_EQ(found, -1) << "more than one hand-off-like page";
      found = static_cast<int>(i);
    }
  }
  if (!expected) {
    EXPECT_EQ(found, -1) << "a hand-off page is left although the program carries a signal restorer";
    return r;
  }
  EXPECT_NE(found, -1) << "no hand-off page in the ulexec report";
  if (found < 0) return r;
  Report out;
  auto set = [&](const std::string& key, const std::string& value) {
    out.lines.emplace_back(key, value);
    out.values[key] = value;
  };
  for (const auto& [key, value] : r.lines) {
    if (key.rfind("addr.maps.anon.", 0) == 0) {
      const int index = std::stoi(key.substr(15));
      if (index == found) continue;
      set(index > found ? "addr.maps.anon." + std::to_string(index - 1) : key, value);
    } else if (key == "maps.count" || key == "maps.anon.count") {
      set(key, std::to_string(std::stoi(value) - 1));
    } else if (key == "maps.anon.bytes") {
      char hex[32];
      snprintf(hex, sizeof hex, "0x%lx", std::stoul(value, nullptr, 16) - 4096);
      set(key, hex);
    } else if (key == "maps.order") {
      std::string order, token;
      int seen = 0;
      for (size_t at = 0; at <= value.size(); ++at) {
        if (at < value.size() && value[at] != ' ') {
          token += value[at];
          continue;
        }
        if (!(token == "anon" && seen++ == found)) order += (order.empty() ? "" : " ") + token;
        token.clear();
      }
      set(key, order);
    } else {
      set(key, value);
    }
  }
  return out;
}

enum class Via { kCommand, kLibrary, kCommandHandoffPage };

struct Case {
  std::string variant;
  Via via;
  bool aslr;
  User user;
};

std::string Name(const testing::TestParamInfo<Case>& info) {
  const char* via = info.param.via == Via::kCommand ? "_command" : info.param.via == Via::kLibrary ? "_library" : "_command_handoff_page";
  std::string n = info.param.variant + via + (info.param.aslr ? "" : "_no_aslr") + conformance::Suffix(info.param.user);
  for (char& c : n) {
    if (c == '-') c = '_';
  }
  return n;
}

class Conformance : public testing::TestWithParam<Case> {};

RunOptions Options(const std::string& probe, bool aslr, User user) {
  RunOptions o;
  o.argv = {probe, "first", "with space", ""};
  o.env = {"PATH=/usr/bin:/bin", "ULEXEC_TEST=1", "EMPTY=", "LONG=" + std::string(300, 'x')};
  o.no_aslr = !aslr;
  o.run_as = conformance::RunAs(user);
  return o;
}

// The ulexec report with the hand-off page (where expected) and the known differences of `user`
// checked and taken out.
Report Comparable(const Report& direct, const std::string& out, const std::string& probe, bool page, User user,
                  const std::string& exe_left) {
  const Report loaded = WithoutHandoffPage(ParseReport(out), page || !CarriesRestorer(probe));
  return conformance::WithoutUserDifferences(direct, loaded, user, exe_left);
}

TEST_P(Conformance, SameReportAsExecve) {
  const Case& c = GetParam();
  if (const std::string why = conformance::SkipReason(c.user); !why.empty()) GTEST_SKIP() << why;
  const std::string probe = PathFor(c.user, "probe-" + c.variant);
  ASSERT_FALSE(probe.empty()) << "probe variant " << c.variant << " was not built";
  RunOptions direct_options = Options(probe, c.aslr, c.user);
  const auto direct_run = RunCommand(direct_options);
  ASSERT_EQ(direct_run.exit_code, 0) << probe_test::DescribeResult(direct_run) << direct_run.err;
  RunOptions via = direct_options;
  const std::string loader = PathFor(c.user, c.via == Via::kLibrary ? "lib-launcher" : "ulexec");
  via.argv.insert(via.argv.begin(), loader);
  if (c.via == Via::kCommandHandoffPage) via.argv.insert(via.argv.begin() + 1, "--handoff-page");
  via.path.clear();
  const auto via_run = RunCommand(via);
  ASSERT_EQ(via_run.exit_code, 0) << probe_test::DescribeResult(via_run) << via_run.err;
  EXPECT_EQ(via_run.err, direct_run.err);
  const Report direct = ParseReport(direct_run.out);
  const bool page = c.via == Via::kCommandHandoffPage;
  const Report loaded = Comparable(direct, via_run.out, probe, page, c.user, conformance::ExeLeft(c.user, loader));
  EXPECT_TRUE(direct.problems.empty());
  EXPECT_TRUE(loaded.problems.empty());
  EXPECT_GT(direct.values.size(), 100u) << "the probe reported too little to compare";
  EXPECT_TRUE(ReportsMatch(direct, loaded, conformance::AllowedFor(c.user, c.aslr), "execve", "ulexec"));
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (const char* v : kVariants) {
    for (Via via : {Via::kCommand, Via::kLibrary, Via::kCommandHandoffPage}) {
      for (bool aslr : {true, false}) {
        for (User user : kUsers) cases.push_back({v, via, aslr, user});
      }
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Probe, Conformance, testing::ValuesIn(AllCases()), Name);

class Command : public testing::TestWithParam<User> {
 protected:
  void SetUp() override {
    if (const std::string why = conformance::SkipReason(GetParam()); !why.empty()) GTEST_SKIP() << why;
  }
  std::string Path(const std::string& name) const { return PathFor(GetParam(), name); }
  std::string Probe(const std::string& variant) const { return Path("probe-" + variant); }
  RunOptions Prepared(const std::string& probe, bool aslr) const { return Options(probe, aslr, GetParam()); }
  // The report `out` through ulexec made comparable with `direct`'s; `exe_left` as ExeLeft.
  Report Loaded(const Report& direct, const std::string& out, const std::string& probe) const {
    return Loaded(direct, out, probe, conformance::ExeLeft(GetParam(), Path("ulexec")));
  }
  Report Loaded(const Report& direct, const std::string& out, const std::string& probe,
                const std::string& exe_left) const {
    return Comparable(direct, out, probe, false, GetParam(), exe_left);
  }
  std::vector<std::string> Allowed(bool aslr) const { return conformance::AllowedFor(GetParam(), aslr); }

  // Starts the probe `variant` directly and through `loader` (ulexec or lib-launcher) under the
  // personality `flags`: both must run and report the same. Returns the direct report.
  Report SameReportUnderPersonality(const std::string& variant, unsigned long flags, bool aslr,
                                    const std::string& loader) const {
    const std::string probe = Probe(variant);
    RunOptions direct = Prepared(probe, aslr);
    direct.personality = flags;
    const auto d = RunCommand(direct);
    RunOptions via = direct;
    via.argv.insert(via.argv.begin(), Path(loader));
    const auto u = RunCommand(via);
    if (d.exit_code != 0 || u.exit_code != 0) {
      ADD_FAILURE() << "execve: " << probe_test::DescribeResult(d) << d.err << "\nulexec: " << probe_test::DescribeResult(u)
                    << u.err;
      return {};
    }
    const Report dr = ParseReport(d.out);
    const std::string exe_left = conformance::ExeLeft(GetParam(), Path(loader));
    EXPECT_TRUE(ReportsMatch(dr, Loaded(dr, u.out, probe, exe_left), Allowed(aslr), "execve", "ulexec"));
    return dr;
  }
};

INSTANTIATE_TEST_SUITE_P(As, Command, testing::ValuesIn(kUsers), [](const testing::TestParamInfo<User>& i) {
  return std::string("user") + conformance::Suffix(i.param);
});

// The personality flags execve acts on or carries (spec C13): MMAP_PAGE_ZERO maps page 0 (where
// the user may: root here), READ_IMPLIES_EXEC is cleared, the others survive. Without ASLR, so that
// addresses are compared too. (ADDR_COMPAT_LAYOUT: LegacyLayout below.)
TEST_P(Command, PersonalityFlags) {
  const unsigned long cases[] = {MMAP_PAGE_ZERO, READ_IMPLIES_EXEC, ADDR_LIMIT_3GB | UNAME26, ADDR_LIMIT_32BIT,
                                 SHORT_INODE | WHOLE_SECONDS | STICKY_TIMEOUTS};
  for (unsigned long flags : cases) {
    for (const char* variant : {"static", "glibc-static-pie", "glibc-dynamic"}) {
      SCOPED_TRACE(std::string(variant) + " personality " + std::to_string(flags));
      (void)SameReportUnderPersonality(variant, flags, false, "ulexec");
    }
  }
}

// ADDR_COMPAT_LAYOUT (`setarch -L`): the legacy bottom-up mmap layout (docs/execve.md#C16), through
// the command and the library, with ASLR off (every address compared) and on (the order of the
// mappings, the brk's place and every offset compared; the base is random).
TEST_P(Command, LegacyLayout) {
  if (GetParam() == User::kNobodyWithCapability) {
    GTEST_SKIP() << "the kernel clears ADDR_COMPAT_LAYOUT when it starts a ulexec carrying a file capability "
                    "(a secure exec): its mm is top-down (README, known differences)";
  }
  for (const char* variant : {"static", "glibc-static-pie", "musl-static-pie", "glibc-dynamic", "glibc-nopie"}) {
    for (const char* loader : {"ulexec", "lib-launcher"}) {
      for (bool aslr : {false, true}) {
        SCOPED_TRACE(std::string(variant) + " " + loader + (aslr ? "" : " without ASLR"));
        const Report r = SameReportUnderPersonality(variant, ADDR_COMPAT_LAYOUT, aslr, loader);
        // The kernel's own layout is bottom-up: the first mapping in the mmap area starts there.
        EXPECT_EQ(r.Get("maps.order").rfind(variant == std::string("glibc-dynamic") ? "ld-linux" : "image", 0), 0u);
      }
    }
  }
}

// -a NAME is exec -a: the report equals a direct start with argv[0] = NAME.
TEST_P(Command, ArgvZeroOption) {
  const std::string probe = Probe("static");
  RunOptions direct = Prepared(probe, false);
  direct.path = probe;
  direct.argv[0] = "renamed";
  const auto d = RunCommand(direct);
  RunOptions via = Prepared(probe, false);
  via.argv = {Path("ulexec"), "-a", "renamed", probe, "first", "with space", ""};
  const auto u = RunCommand(via);
  ASSERT_EQ(u.exit_code, 0) << u.err;
  const Report a = ParseReport(d.out), b = Loaded(a, u.out, probe);
  EXPECT_EQ(b.Get("argv[0]"), a.Get("argv[0]"));
  EXPECT_TRUE(ReportsMatch(a, b, Allowed(false), "execve", "ulexec -a"));
}

// `-` reads the program from standard input into a memfd: it runs as a fexecve of that memfd.
TEST_P(Command, ProgramFromStandardInput) {
  const std::string probe = Probe("static-pie");
  RunOptions via = Prepared(probe, true);
  via.argv = {"/bin/sh", "-c", "exec \"$0\" - first second < \"$1\"", Path("ulexec"), probe};
  const auto u = RunCommand(via);
  ASSERT_EQ(u.exit_code, 0) << u.err;
  const Report r = ParseReport(u.out);
  EXPECT_EQ(r.Get("argc"), "3");
  EXPECT_EQ(r.Get("argv[0]"), "\"-\"");
  EXPECT_EQ(r.Get("argv[1]"), "\"first\"");
  EXPECT_EQ(r.Get("proc.comm"), "\"memfd:ulexec\"");
}

// ulexec started by ulexec: the first one's hand-off page is gone and the program sees the
// same layout as a single level (the second page sits above the first's place). With the
// capability the first copy carries it and the second is plain: the first gives it up before it
// starts the second (README, "Running as an ordinary user"), which then cannot set exe.
TEST_P(Command, UlexecStartedByUlexec) {
  const User inner_user = GetParam() == User::kCaller ? User::kCaller : User::kNobody;  // no capability
  const std::string inner = PathFor(inner_user, "ulexec");
  for (const char* variant : {"static-pie", "glibc-dynamic"}) {
    for (bool aslr : {true, false}) {
      SCOPED_TRACE(std::string(variant) + (aslr ? "" : " without ASLR"));
      const std::string probe = Probe(variant);
      RunOptions direct = Prepared(probe, aslr);
      const auto d = RunCommand(direct);
      RunOptions nested = direct;
      nested.argv.insert(nested.argv.begin(), {Path("ulexec"), inner});
      const auto n = RunCommand(nested);
      ASSERT_EQ(n.exit_code, 0) << n.err;
      const Report dr = ParseReport(d.out);
      const Report loaded = Loaded(dr, n.out, probe, conformance::ExeLeft(inner_user, inner));
      EXPECT_TRUE(ReportsMatch(dr, loaded, Allowed(aslr), "execve", "ulexec ulexec"));
    }
  }
}

// The program's ids, groups and capability sets (which the probe does not report), through the
// command and the library, as a plain execve gives them: with the capability, both give it up
// before the program's first instruction (README, "Running as an ordinary user").
TEST_P(Command, Credentials) {
  RunOptions direct = Prepared("/bin/grep", true);
  direct.argv = {"/bin/grep", "-E", "^(Uid|Gid|Groups|Cap[A-Za-z]+|NoNewPrivs):", "/proc/self/status"};
  const auto d = RunCommand(direct);
  ASSERT_EQ(d.exit_code, 0) << probe_test::DescribeResult(d);
  ASSERT_NE(d.out.find("CapEff:"), std::string::npos) << d.out;
  for (const char* loader : {"ulexec", "lib-launcher"}) {
    RunOptions via = direct;
    via.argv.insert(via.argv.begin(), Path(loader));
    const auto u = RunCommand(via);
    EXPECT_EQ(u.exit_code, 0) << loader << ": " << probe_test::DescribeResult(u);
    EXPECT_EQ(u.out, d.out) << loader;
  }
}

// --fd N is fexecve: AT_EXECFN is /dev/fd/N and comm the file's own name, as execveat(N, "",
// AT_EMPTY_PATH) gives them (spec A2, E6).
TEST_P(Command, ProgramFromDescriptor) {
  const std::string probe = Probe("static");
  RunOptions via = Prepared(probe, true);
  via.argv = {"/bin/sh", "-c", "exec 7<\"$1\"; exec \"$0\" --fd 7 name arg", Path("ulexec"), probe};
  const auto u = RunCommand(via);
  ASSERT_EQ(u.exit_code, 0) << u.err;
  const Report r = ParseReport(u.out);
  EXPECT_EQ(r.Get("argv[0]"), "\"name\"");
  EXPECT_EQ(r.Get("argv[1]"), "\"arg\"");
  EXPECT_EQ(r.Get("auxv.AT_EXECFN").rfind("\"/dev/fd/7\" at stack_end-", 0), 0u) << r.Get("auxv.AT_EXECFN");
  EXPECT_EQ(r.Get("proc.comm"), "\"probe-static\"");
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  std::vector<std::string> staged = {"ulexec", "lib-launcher"};
  for (const char* v : kVariants) staged.push_back(std::string("probe-") + v);
  conformance::StageForNobody(staged);
  const int result = RUN_ALL_TESTS();
  conformance::RemoveStage();
  return result;
}
