// crt's start-up state, as startup-probe (a program on crt/ alone) reports it: the stack-protector
// canary comes from AT_RANDOM, the thread pointer is set, TLS is laid out as the linker expects,
// and the stack protector fires. For the static and the static-pie build, each with a TLS segment
// of small alignment (4) and of large alignment (128, above the TCB's 64).
#include "harness.h"

#include <cctype>
#include <cstdlib>
#include <map>
#include <ostream>
#include <string>

namespace crt_test {
namespace {

using Report = std::map<std::string, std::string>;

struct ProbeKind {
  const char* name;    // startup-probe-NAME
  bool big_tls_align;  // built with -DPROBE_TLS_ALIGN=128
};
void PrintTo(const ProbeKind& kind, std::ostream* os) { *os << "startup-probe-" << kind.name; }

class StartupTest : public ::testing::TestWithParam<ProbeKind> {
 protected:
  void SetUp() override { probe_ = Binary(std::string("startup-probe-") + GetParam().name); }

  // Runs the probe and parses its "key value" lines.
  ::testing::AssertionResult Probe(Report* report) {
    const RunResult r = RunChild({.argv = {probe_}});
    if (r.exit_code != 0 || !r.err.empty()) {
      return ::testing::AssertionFailure() << "status " << r.status() << ", stderr: " << r.err;
    }
    for (const std::string& line : Lines(r.out)) {
      const size_t space = line.find(' ');
      if (space == std::string::npos) return ::testing::AssertionFailure() << "bad line: " << line;
      (*report)[line.substr(0, space)] = line.substr(space + 1);
    }
    return ::testing::AssertionSuccess();
  }

  static uint64_t Number(const Report& report, const std::string& key) {
    auto it = report.find(key);
    EXPECT_NE(it, report.end()) << key;
    return it == report.end() ? 0 : std::strtoull(it->second.c_str(), nullptr, 16);
  }

  std::string probe_;
};

// The first 8 AT_RANDOM bytes, little-endian, from the probe's hex dump of all 16.
uint64_t First8(const std::string& hex) {
  EXPECT_EQ(hex.size(), 32u) << hex;
  uint64_t v = 0;
  for (int i = 7; i >= 0 && hex.size() >= 16; --i) {
    v = v << 8 | std::strtoull(hex.substr(static_cast<size_t>(i) * 2, 2).c_str(), nullptr, 16);
  }
  return v;
}

TEST_P(StartupTest, CanaryIsAtRandomWithTheLowByteZeroed) {
  Report report;
  ASSERT_TRUE(Probe(&report));
  const uint64_t canary = Number(report, "canary");
  const uint64_t random = First8(report["at_random"]);
  EXPECT_EQ(canary, random & ~uint64_t{0xff});
  EXPECT_EQ(canary & 0xff, 0u);
  EXPECT_NE(canary, 0u);  // 2^-56 odds of a false failure
}

TEST_P(StartupTest, AtRandomIsTheKernelsAuxvEntry) {
  Report report;
  ASSERT_TRUE(Probe(&report));
  EXPECT_NE(Number(report, "at_random_addr"), 0u);
  EXPECT_EQ(Number(report, "at_random_addr"), Number(report, "proc_at_random_addr"));
}

TEST_P(StartupTest, CanaryDiffersBetweenRuns) {
  Report first, second;
  ASSERT_TRUE(Probe(&first));
  ASSERT_TRUE(Probe(&second));
  EXPECT_NE(first["at_random"], second["at_random"]);
  EXPECT_NE(Number(first, "canary"), Number(second, "canary"));
}

TEST_P(StartupTest, ThreadPointerIsTheFsBaseAndPointsAtItself) {
  Report report;
  ASSERT_TRUE(Probe(&report));
  EXPECT_NE(Number(report, "tp"), 0u);
  EXPECT_EQ(Number(report, "tp"), Number(report, "fs_base"));
  EXPECT_EQ(Number(report, "tp") % 64, 0u);
}

TEST_P(StartupTest, ThreadLocalsHaveTheirInitialValues) {
  Report report;
  ASSERT_TRUE(Probe(&report));
  EXPECT_EQ(report["tls_int"], "0x11223344");
  EXPECT_EQ(report["tls_char"], "x");
  EXPECT_EQ(report["tls_zero"], "0x7");
  EXPECT_EQ(report["tls_big_align"], GetParam().big_tls_align ? "0x0" : "none");
  EXPECT_EQ(report["tls_big"], GetParam().big_tls_align ? "0xab 0x0" : "none");
  EXPECT_EQ(report["tls_below_tp"], "yes");
}

TEST_P(StartupTest, StackProtectorCatchesAnOverflow) {
  const RunResult small = RunChild({.argv = {probe_, "smash", "8"}});
  EXPECT_EQ(small.exit_code, 0);
  EXPECT_EQ(small.out, "smash 8 returned\n");
  const RunResult r = RunChild({.argv = {probe_, "smash", "64"}});
  EXPECT_EQ(r.exit_code, 127) << "status " << r.status();
  EXPECT_EQ(r.err, "*** stack smashing detected ***: terminated\n");
  EXPECT_EQ(r.out, "");
}

INSTANTIATE_TEST_SUITE_P(Kinds, StartupTest,
                         ::testing::Values(ProbeKind{"static", false}, ProbeKind{"static-pie", false},
                                           ProbeKind{"tls128-static", true}, ProbeKind{"tls128-static-pie", true}),
                         [](const auto& info) {
                           std::string name;
                           for (const char* c = info.param.name; *c; ++c) {
                             if (std::isalnum(static_cast<unsigned char>(*c))) name += *c;
                           }
                           return name;
                         });

}  // namespace
}  // namespace crt_test
