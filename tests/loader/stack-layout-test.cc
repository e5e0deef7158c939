// stack-layout: the initial stack, byte for byte (spec A1-A9), built into a buffer whose end
// stands for the stack top S. The buffer's end is used as S itself, so the pointers in the image
// are real and crt::ParseInitialStack can read the result back as a started program would.
#include "auxv.h"
#include "stack-layout.h"

#include <crt/process.h>
#include <ulexec/arch/constants.h>

#include <gtest/gtest.h>

#include <elf.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <vector>

namespace ulexec::test {
namespace {

constexpr uint64_t kPage = 4096;
const unsigned char kRandom[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                   0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};

// A page-aligned buffer [base, base + size) whose end is S.
class StackBuffer {
 public:
  explicit StackBuffer(uint64_t size)
      : size_((size + kPage - 1) / kPage * kPage),
        mem_(static_cast<std::byte*>(std::aligned_alloc(kPage, size_)), &std::free) {
    memset(mem_.get(), 0xaa, size_);  // BuildStack must overwrite all of it
  }
  std::span<std::byte> span() { return {mem_.get(), size_}; }
  uint64_t base() const { return reinterpret_cast<uint64_t>(mem_.get()); }
  uint64_t top() const { return base() + size_; }

 private:
  uint64_t size_;
  std::unique_ptr<std::byte, decltype(&std::free)> mem_;
};

const unsigned char* At(uint64_t addr) { return reinterpret_cast<const unsigned char*>(addr); }
uint64_t Word(uint64_t addr) {
  uint64_t v;
  memcpy(&v, At(addr), 8);
  return v;
}
bool AllZero(uint64_t from, uint64_t to) {
  for (uint64_t a = from; a < to; ++a) {
    if (*At(a) != 0) return false;
  }
  return true;
}

// The auxv the loader would pass: ComposeAuxv over a caller vector like the kernel's (A10).
std::vector<crt::AuxEntry> FullAuxv() {
  const std::vector<crt::AuxEntry> caller = {
      {AT_SYSINFO_EHDR, 0x7f3e9a1c6000}, {51, 3376}, {AT_HWCAP, 0x178bfbff}, {AT_PAGESZ, 4096}, {AT_CLKTCK, 100},
      {AT_UID, 0}, {AT_EUID, 0}, {AT_GID, 0}, {AT_EGID, 0}, {AT_SECURE, 0}, {AT_RANDOM, 0x7ffc1234f6a9},
      {AT_HWCAP2, 2}, {AT_EXECFN, 0x7ffc1234ffe6}, {AT_PLATFORM, 0x7ffc1234f6b9}, {27, 28}, {28, 32},
  };
  ComputedAuxv c;
  c.phdr = 0x400040;
  c.phent = 56;
  c.phnum = 5;
  c.entry = 0x401040;
  std::vector<crt::AuxEntry> out(kMaxAuxv);
  out.resize(ComposeAuxv(caller, c, out));
  EXPECT_EQ(out.size(), 23u);
  return out;
}

// An even number of pairs, to exercise the other parity of the A7 formula.
std::vector<crt::AuxEntry> SmallAuxv() {
  return {{AT_PAGESZ, 4096}, {AT_RANDOM, 0}, {AT_EXECFN, 0}, {AT_PLATFORM, 0}, {AT_ENTRY, 0x401040}, {AT_NULL, 0}};
}

struct StackCase {
  const char* name;
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  std::string execfn;
  uint64_t pad;
  bool full_auxv = true;
};

std::ostream& operator<<(std::ostream& os, const StackCase& c) { return os << c.name; }

std::vector<std::string> Numbered(const char* prefix, size_t count, size_t spread) {
  std::vector<std::string> v;
  for (size_t i = 0; i < count; ++i) v.push_back(prefix + std::to_string(i) + std::string(i % spread, 'x'));
  return v;
}

const StackCase kCases[] = {
    {"OneArgPad0", {"./hello"}, {}, "./hello", 0},
    {"ArgsAndEnvPad1", {"prog", "-v", "two words"}, {"HOME=/root", "PATH=/usr/bin:/bin"}, "/usr/bin/prog", 1},
    {"Pad15", {"a"}, {"A=1"}, "a", 15},
    {"Pad16", {"a", "b"}, {"A=1"}, "ab", 16, false},
    {"Pad8191", Numbered("arg", 100, 37), Numbered("VAR", 50, 11), std::string(200, 'f'), 8191},
    {"EmptyArgv", {}, {"X=1"}, "/bin/true", 0},
    {"EmptyArgvPad8191", {}, {}, "", 8191, false},
    {"EmptyStrings", {"", "", ""}, {""}, "", 7},
    {"LongArgument", {"x", std::string(100000, 'L')}, {}, "x", 4096},
    {"NoEnvSmallAuxv", {"/bin/sh", "-c", "exit 3"}, {}, "/bin/sh", 100, false},
};

class StackImageTest : public testing::TestWithParam<StackCase> {};

TEST_P(StackImageTest, LayoutByteForByte) {
  const StackCase& tc = GetParam();
  std::vector<const char*> argv, envp;
  for (const auto& a : tc.argv) argv.push_back(a.c_str());
  for (const auto& e : tc.envp) envp.push_back(e.c_str());
  const std::vector<crt::AuxEntry> auxv = tc.full_auxv ? FullAuxv() : SmallAuxv();

  StackRequest req;
  req.stack_top = arch::kStackTop;
  req.argv = argv;
  req.envp = envp;
  req.execfn = tc.execfn;
  req.platform = arch::kPlatform;
  req.random = kRandom;
  req.pad = tc.pad;
  req.auxv = auxv;
  const uint64_t size = StackSize(req);
  StackBuffer buffer(size + 2 * kPage);
  const uint64_t S = buffer.top();
  req.stack_top = S;
  ASSERT_EQ(StackSize(req), size) << "the size depends on S beyond its page alignment";
  StackLayout out;
  BuildStack(req, buffer.span(), &out);

  // The strings as the kernel copies them (A9: an empty argv becomes {""}).
  std::vector<std::string> eff_argv = tc.argv;
  if (eff_argv.empty()) eff_argv.push_back("");
  const uint64_t argc = eff_argv.size(), envc = tc.envp.size();

  // A1: the end marker.
  EXPECT_TRUE(AllZero(S - 8, S));
  // A2: AT_EXECFN ends at S-8.
  EXPECT_EQ(out.execfn, S - 8 - (tc.execfn.size() + 1));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(At(out.execfn))), tc.execfn);
  EXPECT_EQ(*At(S - 9), 0);
  // A3: argv strings, envp strings, execfn: packed, ascending, no padding.
  std::string packed;
  std::vector<uint64_t> argv_addr, envp_addr;
  for (const auto& a : eff_argv) {
    argv_addr.push_back(out.arg_start + packed.size());
    packed += a;
    packed += '\0';
  }
  const uint64_t argv_bytes = packed.size();
  for (const auto& e : tc.envp) {
    envp_addr.push_back(out.arg_start + packed.size());
    packed += e;
    packed += '\0';
  }
  packed += tc.execfn;
  packed += '\0';
  EXPECT_EQ(out.arg_start + packed.size(), S - 8);
  ASSERT_EQ(memcmp(At(out.arg_start), packed.data(), packed.size()), 0);
  EXPECT_EQ(out.arg_end, out.arg_start + argv_bytes);
  EXPECT_EQ(out.env_start, out.arg_end);
  EXPECT_EQ(out.env_end, out.execfn);
  // A4: the pad below arg_start, then down to a multiple of 16, is zero.
  const uint64_t p = (out.arg_start - tc.pad) & ~uint64_t{15};
  EXPECT_GE(out.arg_start - p, tc.pad);
  EXPECT_LT(out.arg_start - p, tc.pad + 16);
  EXPECT_TRUE(AllZero(p, out.arg_start));
  // A5: "x86_64\0" at [p-7, p).
  EXPECT_EQ(out.platform, p - 7);
  EXPECT_EQ(memcmp(At(p - 7), "x86_64", 7), 0);
  // A6: the random bytes at [p-23, p-7).
  EXPECT_EQ(out.random, p - 23);
  EXPECT_EQ(memcmp(At(out.random), kRandom, 16), 0);
  EXPECT_EQ(out.random % 16, 9u);
  EXPECT_EQ(out.random + 16, out.platform);
  // A7: rsp from AT_RANDOM, the pair count and the string counts.
  const uint64_t n = auxv.size();
  EXPECT_EQ(out.sp, (out.random - 8 * (2 * n + argc + envc + 3)) & ~uint64_t{15});
  EXPECT_EQ(out.sp % 16, 0u);
  EXPECT_EQ(StackSize(req), S - out.sp);
  const uint64_t auxv_end = out.auxv + 16 * n;
  EXPECT_LE(auxv_end, out.random);
  EXPECT_LT(out.random - auxv_end, 16u) << "the only alignment padding is 0-15 bytes";
  EXPECT_TRUE(AllZero(auxv_end, out.random));
  // A8: argc, argv, NULL, envp, NULL, auxv, (AT_NULL, 0), upward from rsp.
  uint64_t w = out.sp;
  EXPECT_EQ(Word(w), argc);
  w += 8;
  for (uint64_t i = 0; i < argc; ++i, w += 8) EXPECT_EQ(Word(w), argv_addr[i]) << "argv[" << i << "]";
  EXPECT_EQ(Word(w), 0u) << "argv NULL";
  w += 8;
  for (uint64_t i = 0; i < envc; ++i, w += 8) EXPECT_EQ(Word(w), envp_addr[i]) << "envp[" << i << "]";
  EXPECT_EQ(Word(w), 0u) << "envp NULL";
  w += 8;
  EXPECT_EQ(out.auxv, w);
  EXPECT_EQ(out.auxv_bytes, 16 * n);
  for (const crt::AuxEntry& e : auxv) {
    SCOPED_TRACE(e.type);
    EXPECT_EQ(Word(w), e.type);
    uint64_t expected = e.value;
    if (e.type == AT_RANDOM) expected = out.random;
    if (e.type == AT_EXECFN) expected = out.execfn;
    if (e.type == AT_PLATFORM) expected = out.platform;
    EXPECT_EQ(Word(w + 8), expected);
    w += 16;
  }
  EXPECT_EQ(Word(w - 16), static_cast<uint64_t>(AT_NULL));
  EXPECT_EQ(Word(w - 8), 0u);
  // Everything below rsp in the buffer is zero.
  EXPECT_TRUE(AllZero(buffer.base(), out.sp));

  // Cross-check: read it back as a program's start-up code would.
  const crt::Process proc = crt::ParseInitialStack(reinterpret_cast<const long*>(out.sp));
  ASSERT_EQ(proc.argc, static_cast<int>(argc));
  for (uint64_t i = 0; i < argc; ++i) EXPECT_EQ(std::string(proc.argv[i]), eff_argv[i]);
  EXPECT_EQ(proc.argv[argc], nullptr);
  ASSERT_EQ(proc.EnvCount(), envc);
  for (uint64_t i = 0; i < envc; ++i) EXPECT_EQ(std::string(proc.envp[i]), tc.envp[i]);
  EXPECT_EQ(proc.AuxCount(), n);
  EXPECT_EQ(reinterpret_cast<uint64_t>(proc.auxv), out.auxv);
  EXPECT_EQ(proc.Aux(AT_RANDOM), out.random);
  EXPECT_EQ(proc.Aux(AT_PLATFORM), out.platform);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(proc.Aux(AT_EXECFN))), tc.execfn);
  EXPECT_STREQ(reinterpret_cast<const char*>(proc.Aux(AT_PLATFORM)), "x86_64");
  EXPECT_EQ(memcmp(reinterpret_cast<const void*>(proc.Aux(AT_RANDOM)), kRandom, 16), 0);
  EXPECT_EQ(proc.Aux(AT_PAGESZ), 4096u);
  if (!tc.envp.empty() && tc.envp[0].find('=') != std::string::npos) {
    const std::string& e = tc.envp[0];
    const std::string name = e.substr(0, e.find('='));
    ASSERT_NE(proc.Getenv(name), nullptr);
    EXPECT_EQ(std::string(proc.Getenv(name)), e.substr(e.find('=') + 1));
  }
}

INSTANTIATE_TEST_SUITE_P(StackLayout, StackImageTest, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<StackCase>& info) { return info.param.name; });

// A9 by itself: no arguments at all gives argc 1 and argv[0] = "" at arg_start.
TEST(StackLayout, EmptyArgvBecomesOneEmptyString) {
  const std::vector<crt::AuxEntry> auxv = SmallAuxv();
  StackBuffer buffer(2 * kPage);
  StackRequest req;
  req.stack_top = buffer.top();
  req.execfn = "/bin/true";
  req.platform = arch::kPlatform;
  req.random = kRandom;
  req.auxv = auxv;
  StackLayout out;
  BuildStack(req, buffer.span(), &out);
  EXPECT_EQ(Word(out.sp), 1u);
  EXPECT_EQ(Word(out.sp + 8), out.arg_start);
  EXPECT_EQ(*At(out.arg_start), 0);
  EXPECT_EQ(out.arg_end, out.arg_start + 1);
  EXPECT_EQ(Word(out.sp + 16), 0u);
  EXPECT_EQ(Word(out.sp + 24), 0u) << "envp is empty";
  EXPECT_EQ(out.auxv, out.sp + 32);
}

// rsp % 16 == 0 and the A7 formula in every alignment phase of the strings and every parity
// of the counts.
TEST(StackLayout, AlignmentInEveryPhase) {
  StackBuffer buffer(4 * kPage);
  const std::vector<crt::AuxEntry> full = FullAuxv(), small = SmallAuxv();
  const char* const args[] = {"a", "bb", "ccc"};
  const char* const envs[] = {"E=1", "F=22"};
  for (size_t execfn_len = 0; execfn_len < 32; ++execfn_len) {
    for (size_t argc = 0; argc <= 3; ++argc) {
      for (size_t envc = 0; envc <= 2; ++envc) {
        for (uint64_t pad : {0u, 1u, 9u, 15u, 16u, 1000u}) {
          for (const auto* auxv : {&full, &small}) {
            SCOPED_TRACE(testing::Message() << "execfn " << execfn_len << " argc " << argc << " envc " << envc
                                            << " pad " << pad << " pairs " << auxv->size());
            const std::string execfn(execfn_len, 'e');
            StackRequest req;
            req.stack_top = buffer.top();
            req.argv = std::span(args, argc);
            req.envp = std::span(envs, envc);
            req.execfn = execfn;
            req.platform = arch::kPlatform;
            req.random = kRandom;
            req.pad = pad;
            req.auxv = *auxv;
            StackLayout out;
            BuildStack(req, buffer.span(), &out);
            const uint64_t real_argc = argc ? argc : 1;
            ASSERT_EQ(out.sp % 16, 0u);
            EXPECT_EQ(out.random % 16, 9u);
            EXPECT_EQ(out.sp, (out.random - 8 * (2 * auxv->size() + real_argc + envc + 3)) & ~uint64_t{15});
            EXPECT_EQ(StackSize(req), buffer.top() - out.sp);
            EXPECT_LT(out.random - (out.auxv + out.auxv_bytes), 16u);
            EXPECT_EQ(Word(out.sp), real_argc);
          }
        }
      }
    }
  }
}

// "prog arg" with K=V, below `top`.
StackRequest SmallRequest(uint64_t top, std::span<const crt::AuxEntry> auxv, uint64_t pad) {
  static const char* const args[] = {"prog", "arg"};
  static const char* const envs[] = {"K=V"};
  StackRequest req;
  req.stack_top = top;
  req.argv = args;
  req.envp = envs;
  req.execfn = "prog";
  req.platform = arch::kPlatform;
  req.random = kRandom;
  req.pad = pad;
  req.auxv = auxv;
  return req;
}

// The image is the same wherever S is: only offsets from S matter.
TEST(StackLayout, ImageIsRelativeToTheTop) {
  const std::vector<crt::AuxEntry> auxv = SmallAuxv();
  StackBuffer a(2 * kPage), b(3 * kPage);
  StackLayout ia, ib;
  for (auto [buf, img] : {std::pair{&a, &ia}, std::pair{&b, &ib}}) {
    BuildStack(SmallRequest(buf->top(), auxv, 123), buf->span(), img);
  }
  EXPECT_EQ(a.top() - ia.sp, b.top() - ib.sp);
  EXPECT_EQ(a.top() - ia.arg_start, b.top() - ib.arg_start);
  EXPECT_EQ(a.top() - ia.random, b.top() - ib.random);
  EXPECT_EQ(a.top() - ia.auxv, b.top() - ib.auxv);
  // Same bytes from sp up, apart from the pointers, which differ by the distance between the tops.
  const uint64_t delta = b.top() - a.top();
  for (uint64_t off = 0; off < a.top() - ia.sp; off += 8) {
    const uint64_t wa = Word(ia.sp + off), wb = Word(ib.sp + off);
    if (wa >= a.base() && wa < a.top()) {
      EXPECT_EQ(wb, wa + delta) << off;
    } else {
      EXPECT_EQ(wb, wa) << off;
    }
  }
}

// PadBytes::kLeave (the hand-off's payload): the pad's bytes are left as they were, every other
// byte is what PadBytes::kZero writes.
TEST(StackLayout, LeavingThePadChangesOnlyThePad) {
  const std::vector<crt::AuxEntry> auxv = SmallAuxv();
  StackBuffer buf(3 * kPage);
  const StackRequest req = SmallRequest(buf.top(), auxv, 5000);
  StackLayout out;
  BuildStack(req, buf.span(), &out, PadBytes::kZero);
  const std::vector<std::byte> zeroed(buf.span().begin(), buf.span().end());
  memset(buf.span().data(), 0xaa, buf.span().size());
  BuildStack(req, buf.span(), &out, PadBytes::kLeave);
  ASSERT_GE(out.arg_start - out.pad, 5000u);
  EXPECT_EQ(out.platform + sizeof "x86_64", out.pad);
  for (uint64_t off = 0; off < zeroed.size(); ++off) {
    const uint64_t at = buf.base() + off;
    const auto want = at >= out.pad && at < out.arg_start ? std::byte{0xaa} : zeroed[off];
    if (buf.span()[off] != want) FAIL() << "offset " << off << " from the base";
  }
}

}  // namespace
}  // namespace ulexec::test
