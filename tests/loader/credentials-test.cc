// credentials.cc: execve's credential transition (spec E13), its nosuid fallback, dumpable (E11).
#include "credentials.h"

#include <gtest/gtest.h>

#include <elf.h>
#include <sys/stat.h>

#include <array>
#include <span>
#include <string>

namespace ulexec {
namespace {

constexpr uint64_t kAll = 0x1ffffffffff;

Creds Root() {
  Creds c;
  c.permitted = c.effective = c.bounding = kAll;
  return c;
}

Creds User(uint32_t id) {
  Creds c;
  for (uint32_t& u : c.uid) u = id;
  for (uint32_t& g : c.gid) g = id;
  c.bounding = kAll;
  return c;
}

TEST(ParseStatusCreds, ReadsIdsCapsAndNoNewPrivs) {
  const char* status =
      "Name:\tcat\nUid:\t1000\t0\t0\t0\nGid:\t100\t100\t100\t100\nCapInh:\t0000000000000000\n"
      "CapPrm:\t000001ffffffffff\nCapEff:\t000001fffeffffff\nCapBnd:\t000001ffffffffff\n"
      "CapAmb:\t0000000000000400\nNoNewPrivs:\t1\nSeccomp:\t0\n";
  Creds c;
  ASSERT_TRUE(ParseStatusCreds(status, &c));
  EXPECT_EQ(c.uid[Creds::kReal], 1000u);
  EXPECT_EQ(c.uid[Creds::kEffective], 0u);
  EXPECT_EQ(c.gid[Creds::kFs], 100u);
  EXPECT_EQ(c.permitted, kAll);
  EXPECT_EQ(c.effective, 0x1fffeffffffu);
  EXPECT_EQ(c.ambient, 0x400u);
  EXPECT_TRUE(c.no_new_privs);
  EXPECT_FALSE(ParseStatusCreds("Uid:\t0\t0\t0\t0\n", &c));
  std::string bad = status;
  bad.replace(bad.find("000001ffffffffff"), 2, "zz");
  EXPECT_FALSE(ParseStatusCreds(bad, &c));
}

TEST(PlanExecCreds, PlainExecKeepsRootAndUser) {
  const CredPlan root = PlanExecCreds(Root(), {0, 0, 0755, false});
  EXPECT_FALSE(root.changes_ids || root.changes_caps || root.secure || root.clear_personality || root.as_nosuid);
  const CredPlan user = PlanExecCreds(User(1000), {0, 0, 0755, false});
  EXPECT_FALSE(user.changes_ids || user.changes_caps || user.secure || user.as_nosuid);
}

std::array<crt::AuxEntry, 6> PlainAuxv(uint32_t uid, uint32_t euid, uint32_t gid, uint64_t secure) {
  return {{{AT_PAGESZ, 4096}, {AT_UID, uid}, {AT_EUID, euid}, {AT_GID, gid}, {AT_EGID, gid}, {AT_SECURE, secure}}};
}

TEST(CredsOfPlainExec, IdsFromAnExecThatWasNotSecure) {
  Creds c;
  ASSERT_TRUE(CredsOfPlainExec(PlainAuxv(1000, 1000, 100, 0), &c));
  EXPECT_TRUE(c.ids_only);
  for (uint32_t id : c.uid) EXPECT_EQ(id, 1000u);
  for (uint32_t id : c.gid) EXPECT_EQ(id, 100u);
  EXPECT_FALSE(CredsOfPlainExec(PlainAuxv(1000, 1000, 100, 1), &c));  // secure: status has the truth
  EXPECT_FALSE(CredsOfPlainExec(PlainAuxv(1000, 0, 100, 0), &c));     // not what an exec leaves
  const auto no_egid = PlainAuxv(0, 0, 0, 0);
  EXPECT_FALSE(CredsOfPlainExec(std::span(no_egid).first(4), &c));
}

// The ids-only plan is the full transition's for a file that is not set-id, and never honours
// the set-id bits (the caller reads /proc/self/status for those).
TEST(PlanExecCreds, IdsOnlyAsTheFullPlanForAPlainFile) {
  for (const Creds& full : {Root(), User(1000)}) {
    Creds ids = User(full.uid[0]);
    ids.bounding = 0;
    ids.ids_only = true;
    const CredPlan want = PlanExecCreds(full, {0, 0, 0755, false}), got = PlanExecCreds(ids, {0, 0, 0755, false});
    EXPECT_EQ(std::to_array(got.next.uid), std::to_array(want.next.uid));
    EXPECT_EQ(std::to_array(got.next.gid), std::to_array(want.next.gid));
    EXPECT_EQ(got.secure, want.secure);
    EXPECT_FALSE(got.changes_ids || got.changes_caps || got.clears_ambient || got.clear_personality || got.as_nosuid);
    const CredPlan setid = PlanExecCreds(ids, {65534, 65534, 04755, false});
    EXPECT_TRUE(setid.as_nosuid);
    EXPECT_FALSE(setid.changes_ids || setid.changes_caps || setid.secure);
  }
}

TEST(PlanExecCreds, RootRunningSetuidNobody) {
  const CredPlan p = PlanExecCreds(Root(), {65534, 65534, 04755, false});
  EXPECT_FALSE(p.as_nosuid);
  EXPECT_EQ(p.next.uid[Creds::kReal], 0u);
  EXPECT_EQ(p.next.uid[Creds::kEffective], 65534u);
  EXPECT_EQ(p.next.uid[Creds::kSaved], 65534u);
  EXPECT_EQ(p.next.uid[Creds::kFs], 65534u);
  EXPECT_EQ(p.next.gid[Creds::kEffective], 0u);
  EXPECT_EQ(p.next.permitted, kAll);  // the real uid is still 0
  EXPECT_EQ(p.next.effective, 0u);
  EXPECT_TRUE(p.secure && p.clear_personality && p.changes_ids && p.changes_caps);
  std::array<crt::AuxEntry, 6> auxv{
      {{AT_UID, 9}, {AT_EUID, 9}, {AT_GID, 9}, {AT_EGID, 9}, {AT_SECURE, 9}, {AT_NULL, 0}}};
  SetAuxvCreds(p, auxv);
  EXPECT_EQ(auxv[0].value, 0u);
  EXPECT_EQ(auxv[1].value, 65534u);
  EXPECT_EQ(auxv[3].value, 0u);
  EXPECT_EQ(auxv[4].value, 1u);
}

TEST(PlanExecCreds, RootRunningSetgidNeedsGroupExecute) {
  const CredPlan p = PlanExecCreds(Root(), {0, 65534, 02755, false});
  EXPECT_EQ(p.next.gid[Creds::kEffective], 65534u);
  EXPECT_EQ(p.next.gid[Creds::kSaved], 65534u);
  EXPECT_EQ(p.next.effective, kAll);  // euid 0
  EXPECT_TRUE(p.secure);
  const CredPlan no_x = PlanExecCreds(Root(), {0, 65534, 02745, false});  // mandatory locking mode
  EXPECT_FALSE(no_x.changes_ids || no_x.secure);
}

TEST(PlanExecCreds, RootRunningSetuidRootIsNotSecure) {
  const CredPlan p = PlanExecCreds(Root(), {0, 0, 06755, false});
  EXPECT_FALSE(p.secure || p.changes_ids);
  EXPECT_TRUE(p.clear_personality);  // the bits alone clear it, even for root
}

TEST(PlanExecCreds, NosuidMountAndNoNewPrivsIgnoreTheBits) {
  EXPECT_FALSE(PlanExecCreds(Root(), {65534, 65534, 06755, true}).changes_ids);
  Creds nnp = Root();
  nnp.no_new_privs = true;
  EXPECT_FALSE(PlanExecCreds(nnp, {65534, 65534, 06755, false}).changes_ids);
}

TEST(PlanExecCreds, AUserCannotGainSoRunsAsOnANosuidMount) {
  const CredPlan p = PlanExecCreds(User(1000), {0, 0, 06755, false});
  EXPECT_TRUE(p.as_nosuid);
  EXPECT_FALSE(p.changes_ids || p.changes_caps || p.secure);
  EXPECT_EQ(p.next.effective, 0u);
}

TEST(PlanExecCreds, AUserWithCapabilitiesLosesThem) {
  Creds c = User(1000);
  c.permitted = c.effective = uint64_t{1} << 40;  // CAP_CHECKPOINT_RESTORE from a file capability
  const CredPlan p = PlanExecCreds(c, {0, 0, 0755, false});
  EXPECT_EQ(p.next.permitted, 0u);
  EXPECT_EQ(p.next.effective, 0u);
  EXPECT_TRUE(p.changes_caps);
  EXPECT_FALSE(p.secure);
}

TEST(PlanExecCreds, RootWithoutCapabilitiesGetsNoneBack) {
  Creds c = Root();
  c.permitted = c.effective = 0;
  const CredPlan p = PlanExecCreds(c, {0, 0, 0755, false});
  EXPECT_EQ(p.next.permitted, 0u);
  EXPECT_TRUE(CanApply(c, p.next));
}

TEST(DumpableAfterExec, SuidDumpableWhereTheCallersEffectiveIdsAreNotItsRealOnes) {
  // E11: begin_new_exec looks at the caller's ids.
  EXPECT_EQ(DumpableAfterExec(Root(), 0), 1u);
  EXPECT_EQ(DumpableAfterExec(User(1000), 2), 1u);
  Creds euid = Root();
  euid.uid[Creds::kEffective] = 65534;
  Creds egid = Root();
  egid.gid[Creds::kEffective] = 65534;
  Creds saved = Root();
  saved.uid[Creds::kSaved] = saved.gid[Creds::kSaved] = 65534;
  for (const Creds& c : {euid, egid}) {
    EXPECT_EQ(DumpableAfterExec(c, 0), 0u);
    EXPECT_EQ(DumpableAfterExec(c, 1), 1u);
    EXPECT_EQ(DumpableAfterExec(c, 2), 2u);  // SUID_DUMP_ROOT: the hand-off can set only 0
  }
  EXPECT_EQ(DumpableAfterExec(saved, 0), 1u);
}

TEST(CanApply, IdsNeedCapabilitiesOrAMatchingId) {
  Creds setuid_host = User(1000);
  setuid_host.uid[Creds::kEffective] = 0;
  Creds back = setuid_host;
  back.uid[Creds::kEffective] = 1000;
  EXPECT_TRUE(CanApply(setuid_host, back));
  Creds other = back;
  other.uid[Creds::kEffective] = 2000;
  EXPECT_FALSE(CanApply(setuid_host, other));
}

TEST(ToKernelCaps, VersionThreeLowWordFirst) {
  Creds c;
  c.effective = 0x100000002;
  c.permitted = 0x300000004;
  c.inheritable = 0x500000006;
  const KernelCaps k = ToKernelCaps(c);
  EXPECT_EQ(k.header.version, 0x20080522u);
  EXPECT_EQ(k.header.pid, 0);
  EXPECT_EQ(k.data[0].effective, 2u);
  EXPECT_EQ(k.data[1].effective, 1u);
  EXPECT_EQ(k.data[0].permitted, 4u);
  EXPECT_EQ(k.data[1].permitted, 3u);
  EXPECT_EQ(k.data[0].inheritable, 6u);
  EXPECT_EQ(k.data[1].inheritable, 5u);
}

}  // namespace
}  // namespace ulexec
