// Differential conformance: the probe started directly (a real execve) and through ulexec (the
// command, and the library inside a glibc host), with the same argv, environment, descriptors
// and signal dispositions. The reports must be identical except for a short list of fields,
// each with its reason; with ASLR off, addresses must match as well.
#include "../probe/probe-runner.h"
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
using probe_test::ProbePath;
using probe_test::Report;
using probe_test::ReportsMatch;
using probe_test::RunCommand;
using probe_test::RunOptions;

namespace {

std::string g_ulexec;
std::string g_launcher;

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

std::vector<std::string> Allowed(bool aslr) {
  return aslr ? probe_test::kAslrDependent : probe_test::kRunDependent;
}

enum class Via { kCommand, kLibrary, kCommandHandoffPage };

struct Case {
  std::string variant;
  Via via;
  bool aslr;
};

std::string Name(const testing::TestParamInfo<Case>& info) {
  const char* via = info.param.via == Via::kCommand ? "_command" : info.param.via == Via::kLibrary ? "_library" : "_command_handoff_page";
  std::string n = info.param.variant + via + (info.param.aslr ? "" : "_no_aslr");
  for (char& c : n) {
    if (c == '-') c = '_';
  }
  return n;
}

class Conformance : public testing::TestWithParam<Case> {};

RunOptions Options(const std::string& probe, bool aslr) {
  RunOptions o;
  o.argv = {probe, "first", "with space", ""};
  o.env = {"PATH=/usr/bin:/bin", "ULEXEC_TEST=1", "EMPTY=", "LONG=" + std::string(300, 'x')};
  o.no_aslr = !aslr;
  return o;
}

TEST_P(Conformance, SameReportAsExecve) {
  const Case& c = GetParam();
  const std::string probe = ProbePath(c.variant);
  ASSERT_FALSE(probe.empty()) << "probe variant " << c.variant << " was not built";
  RunOptions direct_options = Options(probe, c.aslr);
  const auto direct_run = RunCommand(direct_options);
  ASSERT_EQ(direct_run.exit_code, 0) << probe_test::DescribeResult(direct_run) << direct_run.err;
  RunOptions via = direct_options;
  via.argv.insert(via.argv.begin(), c.via == Via::kLibrary ? g_launcher : g_ulexec);
  if (c.via == Via::kCommandHandoffPage) via.argv.insert(via.argv.begin() + 1, "--handoff-page");
  via.path.clear();
  const auto via_run = RunCommand(via);
  ASSERT_EQ(via_run.exit_code, 0) << probe_test::DescribeResult(via_run) << via_run.err;
  EXPECT_EQ(via_run.err, direct_run.err);
  const Report direct = ParseReport(direct_run.out);
  const bool page = c.via == Via::kCommandHandoffPage || !CarriesRestorer(probe);
  const Report loaded = WithoutHandoffPage(ParseReport(via_run.out), page);
  EXPECT_TRUE(direct.problems.empty());
  EXPECT_TRUE(loaded.problems.empty());
  EXPECT_GT(direct.values.size(), 100u) << "the probe reported too little to compare";
  EXPECT_TRUE(ReportsMatch(direct, loaded, Allowed(c.aslr), "execve", "ulexec"));
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (const char* v : {"static", "static-pie", "glibc-static", "glibc-static-pie", "glibc-dynamic", "glibc-nopie",
                        "musl-static", "musl-static-pie", "musl-dynamic"}) {
    for (Via via : {Via::kCommand, Via::kLibrary, Via::kCommandHandoffPage}) {
      for (bool aslr : {true, false}) cases.push_back({v, via, aslr});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Probe, Conformance, testing::ValuesIn(AllCases()), Name);

// Starts the probe directly and through `launcher` (ulexec, or the library's launcher) under the
// personality `flags`: both must run and report the same (Allowed(aslr)). Returns the direct report.
Report SameReportUnderPersonality(const std::string& probe, unsigned long flags, bool aslr, const std::string& launcher) {
  RunOptions direct = Options(probe, aslr);
  direct.personality = flags;
  const auto d = RunCommand(direct);
  RunOptions via = direct;
  via.argv.insert(via.argv.begin(), launcher);
  const auto u = RunCommand(via);
  if (d.exit_code != 0 || u.exit_code != 0) {
    ADD_FAILURE() << "execve: " << probe_test::DescribeResult(d) << d.err << "\nulexec: " << probe_test::DescribeResult(u)
                  << u.err;
    return {};
  }
  const Report r = ParseReport(d.out);
  EXPECT_TRUE(ReportsMatch(r, WithoutHandoffPage(ParseReport(u.out), !CarriesRestorer(probe)), Allowed(aslr), "execve",
                           "ulexec"));
  return r;
}

// The personality flags execve acts on or carries (spec C13): MMAP_PAGE_ZERO maps page 0 (where
// the user may: root here), READ_IMPLIES_EXEC is cleared, the others survive. Without ASLR, so that
// addresses are compared too. (ADDR_COMPAT_LAYOUT: LegacyLayout below.)
TEST(Command, PersonalityFlags) {
  const unsigned long cases[] = {MMAP_PAGE_ZERO, READ_IMPLIES_EXEC, ADDR_LIMIT_3GB | UNAME26, ADDR_LIMIT_32BIT,
                                 SHORT_INODE | WHOLE_SECONDS | STICKY_TIMEOUTS};
  for (unsigned long flags : cases) {
    for (const char* variant : {"static", "glibc-static-pie", "glibc-dynamic"}) {
      SCOPED_TRACE(std::string(variant) + " personality " + std::to_string(flags));
      const std::string probe = ProbePath(variant);
      ASSERT_FALSE(probe.empty());
      SameReportUnderPersonality(probe, flags, false, g_ulexec);
    }
  }
}

// ADDR_COMPAT_LAYOUT (`setarch -L`): the legacy bottom-up mmap layout (docs/execve.md#C16), through
// the command and the library, with ASLR off (every address compared) and on (the order of the
// mappings, the brk's place and every offset compared; the base is random).
TEST(Command, LegacyLayout) {
  for (const char* variant : {"static", "glibc-static-pie", "musl-static-pie", "glibc-dynamic", "glibc-nopie"}) {
    for (bool library : {false, true}) {
      for (bool aslr : {false, true}) {
        SCOPED_TRACE(std::string(variant) + (library ? " library" : " command") + (aslr ? "" : " without ASLR"));
        const std::string probe = ProbePath(variant);
        ASSERT_FALSE(probe.empty());
        const Report r = SameReportUnderPersonality(probe, ADDR_COMPAT_LAYOUT, aslr, library ? g_launcher : g_ulexec);
        // The kernel's own layout is bottom-up: the first mapping in the mmap area starts there.
        EXPECT_EQ(r.Get("maps.order").rfind(variant == std::string("glibc-dynamic") ? "ld-linux" : "image", 0), 0u);
      }
    }
  }
}

// -a NAME is exec -a: the report equals a direct start with argv[0] = NAME.
TEST(Command, ArgvZeroOption) {
  const std::string probe = ProbePath("static");
  ASSERT_FALSE(probe.empty());
  RunOptions direct = Options(probe, false);
  direct.path = probe;
  direct.argv[0] = "renamed";
  const auto d = RunCommand(direct);
  RunOptions via = Options(probe, false);
  via.argv = {g_ulexec, "-a", "renamed", probe, "first", "with space", ""};
  const auto u = RunCommand(via);
  ASSERT_EQ(u.exit_code, 0) << u.err;
  const Report a = ParseReport(d.out), b = WithoutHandoffPage(ParseReport(u.out), !CarriesRestorer(probe));
  EXPECT_EQ(b.Get("argv[0]"), a.Get("argv[0]"));
  EXPECT_TRUE(ReportsMatch(a, b, Allowed(false), "execve", "ulexec -a"));
}

// `-` reads the program from standard input into a memfd: it runs as a fexecve of that memfd.
TEST(Command, ProgramFromStandardInput) {
  const std::string probe = ProbePath("static-pie");
  ASSERT_FALSE(probe.empty());
  RunOptions via = Options(probe, true);
  via.argv = {"/bin/sh", "-c", "exec \"$0\" - first second < \"$1\"", g_ulexec, probe};
  const auto u = RunCommand(via);
  ASSERT_EQ(u.exit_code, 0) << u.err;
  const Report r = ParseReport(u.out);
  EXPECT_EQ(r.Get("argc"), "3");
  EXPECT_EQ(r.Get("argv[0]"), "\"-\"");
  EXPECT_EQ(r.Get("argv[1]"), "\"first\"");
  EXPECT_EQ(r.Get("proc.comm"), "\"memfd:ulexec\"");
}

// ulexec started by ulexec: the first one's hand-off page is gone and the program sees the
// same layout as a single level (the second page sits above the first's place).
TEST(Command, UlexecStartedByUlexec) {
  for (const char* variant : {"static-pie", "glibc-dynamic"}) {
    for (bool aslr : {true, false}) {
      SCOPED_TRACE(std::string(variant) + (aslr ? "" : " without ASLR"));
      const std::string probe = ProbePath(variant);
      ASSERT_FALSE(probe.empty());
      RunOptions direct = Options(probe, aslr);
      const auto d = RunCommand(direct);
      RunOptions nested = direct;
      nested.argv.insert(nested.argv.begin(), {g_ulexec, g_ulexec});
      const auto n = RunCommand(nested);
      ASSERT_EQ(n.exit_code, 0) << n.err;
      EXPECT_TRUE(ReportsMatch(ParseReport(d.out), WithoutHandoffPage(ParseReport(n.out), !CarriesRestorer(probe)),
                               Allowed(aslr), "execve",
                               "ulexec ulexec"));
    }
  }
}

// --fd N is fexecve: AT_EXECFN is /dev/fd/N and comm the file's own name, as execveat(N, "",
// AT_EMPTY_PATH) gives them (spec A2, E6).
TEST(Command, ProgramFromDescriptor) {
  const std::string probe = ProbePath("static");
  ASSERT_FALSE(probe.empty());
  RunOptions via = Options(probe, true);
  via.argv = {"/bin/sh", "-c", "exec 7<\"$1\"; exec \"$0\" --fd 7 name arg", g_ulexec, probe};
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
  g_ulexec = ulexec::test::Binary("ulexec");
  g_launcher = ulexec::test::Binary("lib-launcher");
  return RUN_ALL_TESTS();
}
