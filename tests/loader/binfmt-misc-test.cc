// binfmt-misc.cc: entries in the kernel's /proc format, and check_file's matching.
#include "binfmt-misc.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ulexec {
namespace {

// As Debian's qemu-user-static registers aarch64 (a 20-byte ELF header prefix, masked).
constexpr std::string_view kQemuAarch64 =
    "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POCF\noffset 0\n"
    "magic 7f454c460201010000000000000000000200b700\nmask ffffffffffffff00fffffffffffffffffeffffff\n";

std::vector<std::byte> Bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

TEST(ParseBinfmtEntry, MagicEntryWithMaskAndFlags) {
  BinfmtEntry e;
  ASSERT_TRUE(ParseBinfmtEntry(kQemuAarch64, &e));
  EXPECT_TRUE(e.enabled);
  EXPECT_STREQ(e.interpreter, "/usr/libexec/qemu-binfmt/aarch64-binfmt-P");
  EXPECT_TRUE(e.preserve_argv0 && e.open_binary && e.credentials && e.fix_binary);
  EXPECT_TRUE(e.is_magic && e.has_mask);
  EXPECT_EQ(e.offset, 0u);
  EXPECT_EQ(e.size, 20u);
  EXPECT_EQ(e.magic[18], 0xb7);
  EXPECT_EQ(e.mask[7], 0x00);
}

TEST(ParseBinfmtEntry, ExtensionEntryWithoutFlags) {
  BinfmtEntry e;
  ASSERT_TRUE(ParseBinfmtEntry("disabled\ninterpreter /bin/cat\nflags: \nextension .txt\n", &e));
  EXPECT_FALSE(e.enabled || e.is_magic || e.preserve_argv0);
  EXPECT_STREQ(e.extension, "txt");
}

TEST(ParseBinfmtEntry, RefusesWhatTheKernelNeverWrites) {
  BinfmtEntry e;
  EXPECT_FALSE(ParseBinfmtEntry("enabled\nflags: \nextension .txt\n", &e));                      // no interpreter
  EXPECT_FALSE(ParseBinfmtEntry("enabled\ninterpreter /x\nflags: Q\nextension .t\n", &e));        // flag
  EXPECT_FALSE(ParseBinfmtEntry("enabled\ninterpreter /x\nflags: \noffset 0\nmagic 7f4\n", &e));  // odd hex
  EXPECT_FALSE(ParseBinfmtEntry("enabled\ninterpreter /x\nflags: \noffset 0\nmagic 7f\nmask ffff\n", &e));
  EXPECT_FALSE(ParseBinfmtEntry("enabled\ninterpreter /x\nflags: \noffset 255\nmagic 7f45\n", &e));  // > 256
  // What the kernel does take (BINPRM_BUF_SIZE is 256): offset 200 + 2 bytes.
  EXPECT_TRUE(ParseBinfmtEntry("enabled\ninterpreter /x\nflags: \noffset 200\nmagic 4243\n", &e));
  EXPECT_FALSE(ParseBinfmtEntry("enabled\ninterpreter /x\nflags: \n", &e));  // neither magic nor extension
}

TEST(BinfmtMatches, MagicUnderMask) {
  BinfmtEntry e;
  ASSERT_TRUE(ParseBinfmtEntry(kQemuAarch64, &e));
  auto head =
      Bytes({0x7f, 'E', 'L', 'F', 2, 1, 1, 0x03 /* masked: any OSABI */, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0xb7, 0});
  EXPECT_TRUE(BinfmtMatches(e, head, "hello"));
  head[16] = std::byte{3};  // ET_DYN: the mask's 0xfe lets bit 0 of e_type vary
  EXPECT_TRUE(BinfmtMatches(e, head, "hello"));
  head[18] = std::byte{0x3e};  // x86-64
  EXPECT_FALSE(BinfmtMatches(e, head, "hello"));
  EXPECT_FALSE(BinfmtMatches(e, Bytes({0x7f, 'E', 'L', 'F'}), "short"));  // zero-padded past the end
  e.enabled = false;
  head[18] = std::byte{0xb7};
  EXPECT_FALSE(BinfmtMatches(e, head, "hello"));
}

TEST(BinfmtMatches, MagicAtAnOffsetWithoutMask) {
  BinfmtEntry e;
  ASSERT_TRUE(ParseBinfmtEntry("enabled\ninterpreter /x\nflags: \noffset 2\nmagic 4142\n", &e));
  EXPECT_TRUE(BinfmtMatches(e, Bytes({0, 0, 'A', 'B'}), "f"));
  EXPECT_FALSE(BinfmtMatches(e, Bytes({'A', 'B', 0, 0}), "f"));
}

TEST(BinfmtMatches, ExtensionAfterTheLastDotOfTheWholeName) {
  BinfmtEntry e;
  ASSERT_TRUE(ParseBinfmtEntry("enabled\ninterpreter /x\nflags: \nextension .jar\n", &e));
  EXPECT_TRUE(BinfmtMatches(e, {}, "/opt/app.jar"));
  EXPECT_TRUE(BinfmtMatches(e, {}, "a.b.jar"));
  EXPECT_FALSE(BinfmtMatches(e, {}, "/opt/app.jar.old"));
  EXPECT_FALSE(BinfmtMatches(e, {}, "jar"));
  EXPECT_FALSE(BinfmtMatches(e, {}, "/opt/x.jarx"));
}

}  // namespace
}  // namespace ulexec
