// ParseSignalMasks: the SigIgn and SigCgt lines of /proc/self/status.
#include "proc-status.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <string>

namespace ulexec {
namespace {

TEST(ProcStatus, ReadsBothMasks) {
  const std::string_view text =
      "Name:\tsleep\nSigQ:\t0/63448\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
      "SigBlk:\t0000000000010000\nSigIgn:\t0000000000001006\nSigCgt:\t0000000180004a02\nCapInh:\t0\n";
  SignalMasks m;
  ASSERT_TRUE(ParseSignalMasks(text, &m));
  EXPECT_EQ(m.ignored, 0x1006u);
  EXPECT_EQ(m.caught, 0x180004a02u);
}

TEST(ProcStatus, RefusesAMissingOrMalformedMask) {
  SignalMasks m;
  EXPECT_FALSE(ParseSignalMasks("SigIgn:\t0000000000000000\n", &m));
  EXPECT_FALSE(ParseSignalMasks("SigIgn:\t0000000000000000\nSigCgt:\t00000000x0000000\n", &m));
  EXPECT_FALSE(ParseSignalMasks("SigIgn:\t\nSigCgt:\t0000000000000000\n", &m));
}

// The kernel's own text for this process: a handler and an ignored signal show in their bits.
TEST(ProcStatus, AgreesWithTheKernel) {
  struct sigaction sa {}, old_usr1 {}, old_usr2 {};
  sa.sa_handler = [](int) {};
  ASSERT_EQ(sigaction(SIGUSR1, &sa, &old_usr1), 0);
  sa.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGUSR2, &sa, &old_usr2), 0);
  std::string text(1 << 16, '\0');
  FILE* f = fopen("/proc/self/status", "r");
  ASSERT_NE(f, nullptr);
  text.resize(fread(text.data(), 1, text.size(), f));
  fclose(f);
  sigaction(SIGUSR1, &old_usr1, nullptr);
  sigaction(SIGUSR2, &old_usr2, nullptr);
  SignalMasks m;
  ASSERT_TRUE(ParseSignalMasks(text, &m));
  EXPECT_TRUE(m.caught & (uint64_t{1} << (SIGUSR1 - 1)));
  EXPECT_FALSE(m.ignored & (uint64_t{1} << (SIGUSR1 - 1)));
  EXPECT_TRUE(m.ignored & (uint64_t{1} << (SIGUSR2 - 1)));
  EXPECT_FALSE(m.caught & (uint64_t{1} << (SIGUSR2 - 1)));
}

}  // namespace
}  // namespace ulexec
