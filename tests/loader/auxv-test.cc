// auxv: the new program's auxiliary vector in the kernel's order (spec A10, A11).
#include "auxv.h"

#include <gtest/gtest.h>

#include <elf.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace ulexec::test {
namespace {

constexpr unsigned long kMinSigStkSz = 51;   // AT_MINSIGSTKSZ
constexpr unsigned long kRseqFeatureSize = 27;  // AT_RSEQ_FEATURE_SIZE
constexpr unsigned long kRseqAlign = 28;     // AT_RSEQ_ALIGN
constexpr unsigned long kHwcap3 = 29;        // AT_HWCAP3: not emitted on x86

// Spec A10, in order.
const std::vector<unsigned long> kKernelOrder = {
    AT_SYSINFO_EHDR, kMinSigStkSz, AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR,   AT_PHENT,  AT_PHNUM,
    AT_BASE,         AT_FLAGS,     AT_ENTRY, AT_UID,    AT_EUID,   AT_GID,    AT_EGID,   AT_SECURE,
    AT_RANDOM,       AT_HWCAP2,    AT_EXECFN, AT_PLATFORM, kRseqFeatureSize, kRseqAlign, AT_NULL,
};

// What the kernel gave a glibc program here (spec A10's values), in the kernel's order.
std::vector<crt::AuxEntry> CallerVector() {
  return {
      {AT_SYSINFO_EHDR, 0x7f3e9a1c6000}, {kMinSigStkSz, 3376},  {AT_HWCAP, 0x178bfbff}, {AT_PAGESZ, 4096},
      {AT_CLKTCK, 100},                  {AT_PHDR, 0x400040},   {AT_PHENT, 56},         {AT_PHNUM, 13},
      {AT_BASE, 0x7f3e9a1c8000},         {AT_FLAGS, 0},         {AT_ENTRY, 0x401040},   {AT_UID, 1000},
      {AT_EUID, 1001},                   {AT_GID, 1002},        {AT_EGID, 1003},        {AT_SECURE, 0},
      {AT_RANDOM, 0x7ffc1234f6a9},       {AT_HWCAP2, 2},        {AT_EXECFN, 0x7ffc1234ffe6},
      {AT_PLATFORM, 0x7ffc1234f6b9},     {kRseqFeatureSize, 28}, {kRseqAlign, 32},
  };
}

ComputedAuxv Computed() {
  ComputedAuxv c;
  c.phdr = 0x555555554040;
  c.phent = 56;
  c.phnum = 11;
  c.base = 0x7ffff7fc3000;
  c.entry = 0x555555555040;
  return c;
}

std::vector<crt::AuxEntry> Compose(const std::vector<crt::AuxEntry>& from, const ComputedAuxv& c) {
  std::vector<crt::AuxEntry> out(kMaxAuxv);
  const size_t n = ComposeAuxv(from, c, out);
  EXPECT_NE(n, 0u) << "capacity " << kMaxAuxv << " too small";
  out.resize(n);
  return out;
}

std::vector<unsigned long> Types(const std::vector<crt::AuxEntry>& v) {
  std::vector<unsigned long> t;
  for (const auto& e : v) t.push_back(e.type);
  return t;
}

unsigned long Value(const std::vector<crt::AuxEntry>& v, unsigned long type) {
  for (const auto& e : v) {
    if (e.type == type) return e.value;
  }
  ADD_FAILURE() << "no entry of type " << type;
  return 0;
}

TEST(ComposeAuxv, KernelOrderForARealisticVector) {
  const auto out = Compose(CallerVector(), Computed());
  EXPECT_EQ(Types(out), kKernelOrder);
  EXPECT_EQ(out.back().type, AT_NULL);
  EXPECT_EQ(out.back().value, 0u);
}

TEST(ComposeAuxv, KernelOrderWhateverTheCallerOrder) {
  auto from = CallerVector();
  std::reverse(from.begin(), from.end());
  EXPECT_EQ(Types(Compose(from, Computed())), kKernelOrder);
  std::rotate(from.begin(), from.begin() + 7, from.end());
  EXPECT_EQ(Types(Compose(from, Computed())), kKernelOrder);
}

TEST(ComposeAuxv, ComputedEntriesReplaceTheCallers) {
  auto from = CallerVector();
  for (auto& e : from) {
    if (e.type == AT_FLAGS) e.value = 1;  // PRESERVE_ARGV0 from binfmt_misc: not the new program's
  }
  const auto out = Compose(from, Computed());
  EXPECT_EQ(Value(out, AT_PHDR), 0x555555554040u);
  EXPECT_EQ(Value(out, AT_PHENT), 56u);
  EXPECT_EQ(Value(out, AT_PHNUM), 11u);
  EXPECT_EQ(Value(out, AT_BASE), 0x7ffff7fc3000u);
  EXPECT_EQ(Value(out, AT_ENTRY), 0x555555555040u);
  EXPECT_EQ(Value(out, AT_FLAGS), 0u);
  // The stack builder fills these in: they point into the new stack.
  EXPECT_EQ(Value(out, AT_RANDOM), 0u);
  EXPECT_EQ(Value(out, AT_EXECFN), 0u);
  EXPECT_EQ(Value(out, AT_PLATFORM), 0u);
  // The vDSO did not move: the caller's address stays.
  EXPECT_EQ(Value(out, AT_SYSINFO_EHDR), 0x7f3e9a1c6000u);
}

TEST(ComposeAuxv, ComputedEntriesAreEmittedEvenIfTheCallerHadNone) {
  const auto out = Compose({}, Computed());
  EXPECT_EQ(Types(out), (std::vector<unsigned long>{AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_FLAGS, AT_ENTRY,
                                                    AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_NULL}));
  // No interpreter: AT_BASE is 0, and still present (A10 #9).
  ComputedAuxv c = Computed();
  c.base = 0;
  EXPECT_EQ(Value(Compose(CallerVector(), c), AT_BASE), 0u);
}

TEST(ComposeAuxv, MovedVdsoReplacesSysinfoEhdr) {
  ComputedAuxv c = Computed();
  c.sysinfo_ehdr = 0x7ffff7fc1000;
  const auto out = Compose(CallerVector(), c);
  EXPECT_EQ(out.front().type, AT_SYSINFO_EHDR);
  EXPECT_EQ(out.front().value, 0x7ffff7fc1000u);
  // Without a vDSO (vdso=0 on the kernel command line) the entry is omitted (A10 #1).
  auto from = CallerVector();
  std::erase_if(from, [](const crt::AuxEntry& e) { return e.type == AT_SYSINFO_EHDR; });
  const auto without = Compose(from, Computed());
  EXPECT_EQ(without.front().type, kMinSigStkSz);
  EXPECT_EQ(without.size(), kKernelOrder.size() - 1);
}

TEST(ComposeAuxv, CarriedEntriesKeepTheirValues) {
  const auto out = Compose(CallerVector(), Computed());
  EXPECT_EQ(Value(out, kMinSigStkSz), 3376u);
  EXPECT_EQ(Value(out, AT_HWCAP), 0x178bfbffu);
  EXPECT_EQ(Value(out, AT_PAGESZ), 4096u);
  EXPECT_EQ(Value(out, AT_CLKTCK), 100u);
  EXPECT_EQ(Value(out, AT_UID), 1000u);
  EXPECT_EQ(Value(out, AT_EUID), 1001u);
  EXPECT_EQ(Value(out, AT_GID), 1002u);
  EXPECT_EQ(Value(out, AT_EGID), 1003u);
  EXPECT_EQ(Value(out, AT_SECURE), 0u);
  EXPECT_EQ(Value(out, AT_HWCAP2), 2u);
  EXPECT_EQ(Value(out, kRseqFeatureSize), 28u);
  EXPECT_EQ(Value(out, kRseqAlign), 32u);
}

TEST(ComposeAuxv, AbsentOptionalEntriesStayAbsent) {
  auto from = CallerVector();
  std::erase_if(from, [](const crt::AuxEntry& e) {
    return e.type == AT_HWCAP2 || e.type == kRseqFeatureSize || e.type == kRseqAlign || e.type == kMinSigStkSz;
  });
  const auto types = Types(Compose(from, Computed()));
  for (unsigned long t : std::initializer_list<unsigned long>{AT_HWCAP2, kRseqFeatureSize, kRseqAlign, kMinSigStkSz}) {
    EXPECT_EQ(std::count(types.begin(), types.end(), t), 0) << t;
  }
  EXPECT_EQ(types.size(), kKernelOrder.size() - 4);
  EXPECT_TRUE(std::is_sorted(types.begin(), types.end() - 1, [](unsigned long a, unsigned long b) {
    return std::find(kKernelOrder.begin(), kKernelOrder.end(), a) <
           std::find(kKernelOrder.begin(), kKernelOrder.end(), b);
  }));
}

TEST(ComposeAuxv, UnknownTypesAreCarriedBeforeAtNullInTheCallersOrder) {
  auto from = CallerVector();
  from.insert(from.begin() + 3, {99, 0x99});
  from.push_back({kHwcap3, 0x33});
  from.push_back({AT_BASE_PLATFORM, 0x7ffc1234f6c0});
  from.insert(from.begin(), {0x1234, 7});
  const auto out = Compose(from, Computed());
  ASSERT_EQ(out.size(), kKernelOrder.size() + 4);
  const std::vector<unsigned long> known(kKernelOrder.begin(), kKernelOrder.end() - 1);
  const auto types = Types(out);
  EXPECT_EQ(std::vector<unsigned long>(types.begin(), types.begin() + static_cast<ptrdiff_t>(known.size())), known);
  const std::vector<crt::AuxEntry> tail(out.end() - 5, out.end());
  EXPECT_EQ(tail[0].type, 0x1234u);
  EXPECT_EQ(tail[0].value, 7u);
  EXPECT_EQ(tail[1].type, 99u);
  EXPECT_EQ(tail[1].value, 0x99u);
  EXPECT_EQ(tail[2].type, kHwcap3);
  EXPECT_EQ(tail[2].value, 0x33u);
  EXPECT_EQ(tail[3].type, static_cast<unsigned long>(AT_BASE_PLATFORM));
  EXPECT_EQ(tail[4].type, static_cast<unsigned long>(AT_NULL));
}

TEST(ComposeAuxv, ExecfdIsDropped) {
  // AT_EXECFD describes the loader's own binfmt_misc exec (A10), not the new program's.
  auto from = CallerVector();
  from.insert(from.begin() + 19, {AT_EXECFD, 3});
  const auto out = Compose(from, Computed());
  EXPECT_EQ(Types(out), kKernelOrder);
}

TEST(ComposeAuxv, ExecfdGoesBetweenPlatformAndRseq) {
  // binfmt_misc's O flag (docs/execve.md#D3): create_elf_tables emits it after AT_PLATFORM; the
  // caller's own is replaced, not kept.
  auto from = CallerVector();
  from.insert(from.begin() + 19, {AT_EXECFD, 9});
  ComputedAuxv c = Computed();
  c.execfd = 4;
  const auto out = Compose(from, c);
  auto expected = kKernelOrder;
  expected.insert(std::find(expected.begin(), expected.end(), kRseqFeatureSize), AT_EXECFD);
  EXPECT_EQ(Types(out), expected);
  const auto at = std::find_if(out.begin(), out.end(), [](const crt::AuxEntry& e) { return e.type == AT_EXECFD; });
  EXPECT_EQ(at->value, 4u);
}

TEST(ComposeAuxv, CapacityOverflowReturnsZero) {
  const auto from = CallerVector();
  const size_t needed = kKernelOrder.size();
  std::vector<crt::AuxEntry> out(needed + 5, crt::AuxEntry{0xdead, 0xbeef});
  EXPECT_EQ(ComposeAuxv(from, Computed(), std::span(out).first(needed)), needed);
  EXPECT_EQ(out[needed].type, 0xdeadu) << "wrote past the capacity";
  for (size_t cap : {size_t{0}, size_t{1}, needed / 2, needed - 1}) {
    SCOPED_TRACE(cap);
    std::vector<crt::AuxEntry> small(cap + 1, crt::AuxEntry{0xdead, 0xbeef});
    EXPECT_EQ(ComposeAuxv(from, Computed(), std::span(small).first(cap)), 0u);
    EXPECT_EQ(small[cap].type, 0xdeadu) << "wrote past the capacity";
  }
}

TEST(AuxvEntries, StopsBeforeAtNull) {
  const crt::AuxEntry v[] = {{AT_PAGESZ, 4096}, {AT_HWCAP, 1}, {AT_NULL, 0}, {AT_PHDR, 5}};
  const auto entries = AuxvEntries(v);
  EXPECT_EQ(entries.data(), v);
  EXPECT_EQ(entries.size(), 2u);
  EXPECT_TRUE(AuxvEntries(nullptr).empty());
  const crt::AuxEntry only_null[] = {{AT_NULL, 0}};
  EXPECT_TRUE(AuxvEntries(only_null).empty());
}

// The strongest check of the order: this test process was started by the kernel, so composing
// its own /proc/self/auxv with its own values must give that vector back (A11), except for the
// three entries that point into a stack not built yet.
TEST(ComposeAuxv, ReproducesThisProcessesVector) {
  std::vector<crt::AuxEntry> self(64);
  const int fd = open("/proc/self/auxv", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const ssize_t n = read(fd, self.data(), self.size() * sizeof(crt::AuxEntry));
  close(fd);
  ASSERT_GT(n, 0);
  ASSERT_EQ(n % sizeof(crt::AuxEntry), 0u);
  self.resize(static_cast<size_t>(n) / sizeof(crt::AuxEntry));
  ASSERT_EQ(self.back().type, static_cast<unsigned long>(AT_NULL));

  ComputedAuxv c;
  c.phdr = getauxval(AT_PHDR);
  c.phent = getauxval(AT_PHENT);
  c.phnum = getauxval(AT_PHNUM);
  c.base = getauxval(AT_BASE);
  c.entry = getauxval(AT_ENTRY);
  const auto out = Compose(std::vector<crt::AuxEntry>(self.begin(), self.end() - 1), c);
  ASSERT_EQ(Types(out), Types(self));
  for (size_t i = 0; i < out.size(); ++i) {
    SCOPED_TRACE(out[i].type);
    if (out[i].type == AT_RANDOM || out[i].type == AT_EXECFN || out[i].type == AT_PLATFORM) {
      EXPECT_EQ(out[i].value, 0u);
    } else {
      EXPECT_EQ(out[i].value, self[i].value);
    }
  }
}

}  // namespace
}  // namespace ulexec::test
