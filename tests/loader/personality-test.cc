// personality.cc: the personality execve leaves (spec C13) and the plan for page 0.
#include "personality.h"

#include <gtest/gtest.h>

namespace ulexec {
namespace {

TEST(Personality, ExecClearsReadImpliesExecOnly) {
  EXPECT_EQ(PersonalityAfterExec(READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE, false), ADDR_NO_RANDOMIZE);
  const unsigned long kept = ADDR_NO_RANDOMIZE | ADDR_COMPAT_LAYOUT | MMAP_PAGE_ZERO | ADDR_LIMIT_3GB | UNAME26 |
                             SHORT_INODE | WHOLE_SECONDS | STICKY_TIMEOUTS;
  EXPECT_EQ(PersonalityAfterExec(kept, false), kept);
}

TEST(Personality, SecureExecClearsPerClearOnSetid) {
  const unsigned long all = READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE | ADDR_COMPAT_LAYOUT | MMAP_PAGE_ZERO |
                            ADDR_LIMIT_3GB | UNAME26;
  EXPECT_EQ(PersonalityAfterExec(all, true), static_cast<unsigned long>(ADDR_LIMIT_3GB | UNAME26));
}

TEST(PageZero, MappedWhenWantedUnlessAlreadySealedThere) {
  for (PageZeroNow now : {PageZeroNow::kNone, PageZeroNow::kMapped}) {
    const PageZeroPlan plan = PlanPageZero(MMAP_PAGE_ZERO, now);
    EXPECT_TRUE(plan.map);
    EXPECT_FALSE(plan.keep);
    EXPECT_FALSE(plan.refuse);
  }
  const PageZeroPlan sealed = PlanPageZero(MMAP_PAGE_ZERO | ADDR_NO_RANDOMIZE, PageZeroNow::kSealed);
  EXPECT_TRUE(sealed.keep);
  EXPECT_FALSE(sealed.map);
  EXPECT_FALSE(sealed.refuse);
}

TEST(PageZero, ASealedPageZeroTheProgramMustNotHaveIsRefused) {
  const PageZeroPlan plan = PlanPageZero(0, PageZeroNow::kSealed);
  EXPECT_TRUE(plan.refuse);
  EXPECT_TRUE(plan.keep);
  EXPECT_FALSE(plan.map);
}

TEST(PageZero, NothingWithoutTheFlag) {
  for (PageZeroNow now : {PageZeroNow::kNone, PageZeroNow::kMapped}) {
    const PageZeroPlan plan = PlanPageZero(ADDR_NO_RANDOMIZE, now);
    EXPECT_FALSE(plan.map || plan.keep || plan.refuse);
  }
}

}  // namespace
}  // namespace ulexec
