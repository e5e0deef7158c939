// crt's number parsing (crt/parse.cc): decimal and 0x numbers of command lines, and the lowercase
// hex of /proc files (maps ranges, status masks and capability sets).
#include <crt/string.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>

namespace {

TEST(ParseUnsigned, DecimalAndPrefixedHexOnly) {
  unsigned long v = 7;
  EXPECT_TRUE(crt::ParseUnsigned("42", &v));
  EXPECT_EQ(v, 42u);
  EXPECT_TRUE(crt::ParseUnsigned("0x1F", &v));
  EXPECT_EQ(v, 0x1fu);
  EXPECT_TRUE(crt::ParseUnsigned("18446744073709551615", &v));
  EXPECT_EQ(v, UINT64_MAX);
  v = 7;
  for (std::string_view bad : {"", "0x", "1f", "4 2", "-1", "18446744073709551616", "0x10000000000000000"}) {
    EXPECT_FALSE(crt::ParseUnsigned(bad, &v)) << bad;
  }
  EXPECT_EQ(v, 7u);
}

TEST(ConsumeHex, TakesTheLeadingDigitsAndLeavesTheRest) {
  std::string_view s = "7ffd1000-7ffd2000 rw-p";
  uint64_t v = 0;
  ASSERT_TRUE(crt::ConsumeHex(s, &v));
  EXPECT_EQ(v, 0x7ffd1000u);
  EXPECT_EQ(s, "-7ffd2000 rw-p");
  s.remove_prefix(1);
  ASSERT_TRUE(crt::ConsumeHex(s, &v));
  EXPECT_EQ(v, 0x7ffd2000u);
  EXPECT_EQ(s, " rw-p");
}

TEST(ConsumeHex, NoDigitsUpperCaseOrOverflowChangeNothing) {
  uint64_t v = 7;
  for (std::string_view bad : {"", "-1", "ABC", "x10", "10000000000000000"}) {
    std::string_view s = bad;
    EXPECT_FALSE(crt::ConsumeHex(s, &v)) << bad;
    EXPECT_EQ(s, bad);
  }
  EXPECT_EQ(v, 7u);
  std::string_view s = "ffffffffffffffff";
  ASSERT_TRUE(crt::ConsumeHex(s, &v));
  EXPECT_EQ(v, UINT64_MAX);
  s = "0000000000000000001";  // leading zeros do not count towards the 64 bits
  ASSERT_TRUE(crt::ConsumeHex(s, &v));
  EXPECT_EQ(v, 1u);
}

TEST(ParseHex, AllOfTheTextOrNothing) {
  uint64_t v = 7;
  EXPECT_TRUE(crt::ParseHex("000001ffffffffff", &v));  // a CapEff line's value
  EXPECT_EQ(v, 0x1ffffffffffu);
  v = 7;
  for (std::string_view bad : {"", "12 ", "12\n", "0x12", "1F"}) EXPECT_FALSE(crt::ParseHex(bad, &v)) << bad;
  EXPECT_EQ(v, 7u);
}

}  // namespace
