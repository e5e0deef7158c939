// proc-maps: lines of /proc/self/maps as the kernel prints them (show_map_vma).
#include "proc-maps.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <ostream>
#include <string>
#include <vector>

namespace ulexec::test {
namespace {

struct GoodLine {
  const char* name;
  const char* line;
  uint64_t start, end;
  const char* perms;
  const char* path;
};

std::ostream& operator<<(std::ostream& os, const GoodLine& g) { return os << g.name; }

const GoodLine kGoodLines[] = {
    {"File", "55833c4bd000-55833c4c2000 r-xp 00002000 fe:00 247134                     /usr/bin/cat",
     0x55833c4bd000, 0x55833c4c2000, "r-xp", "/usr/bin/cat"},
    {"Heap", "55836f47a000-55836f49b000 rw-p 00000000 00:00 0                          [heap]", 0x55836f47a000,
     0x55836f49b000, "rw-p", "[heap]"},
    {"AnonymousWithTrailingSpace", "7f25225e0000-7f2522602000 rw-p 00000000 00:00 0 ", 0x7f25225e0000,
     0x7f2522602000, "rw-p", ""},
    {"AnonymousWithoutTrailingSpace", "7f25225e0000-7f2522602000 rw-p 00000000 00:00 0", 0x7f25225e0000,
     0x7f2522602000, "rw-p", ""},
    {"Stack", "7ffd5a3c1000-7ffd5a3e2000 rw-p 00000000 00:00 0                          [stack]", 0x7ffd5a3c1000,
     0x7ffd5a3e2000, "rw-p", "[stack]"},
    {"Vdso", "7fff9e5f2000-7fff9e5f4000 r-xp 00000000 00:00 0                          [vdso]", 0x7fff9e5f2000,
     0x7fff9e5f4000, "r-xp", "[vdso]"},
    {"Vvar", "7f2522852000-7f2522856000 r--p 00000000 00:00 0                          [vvar]", 0x7f2522852000,
     0x7f2522856000, "r--p", "[vvar]"},
    {"VvarVclock", "7f2522856000-7f2522858000 r--p 00000000 00:00 0                          [vvar_vclock]",
     0x7f2522856000, 0x7f2522858000, "r--p", "[vvar_vclock]"},
    {"Vsyscall", "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
     0xffffffffff600000, 0xffffffffff601000, "--xp", "[vsyscall]"},
    {"Shared", "7f2522848000-7f252284f000 r--s 00000000 fe:00 332280                     "
               "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache",
     0x7f2522848000, 0x7f252284f000, "r--s", "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache"},
    {"PathWithSpaces", "7f0000000000-7f0000001000 r--p 00000000 08:01 1234                       /tmp/my dir/a  b.so",
     0x7f0000000000, 0x7f0000001000, "r--p", "/tmp/my dir/a  b.so"},
    {"Deleted", "7f0000001000-7f0000003000 r-xp 00001000 00:19 42                         /memfd:ulexec (deleted)",
     0x7f0000001000, 0x7f0000003000, "r-xp", "/memfd:ulexec (deleted)"},
    {"DeletedFile", "00400000-00401000 r-xp 00000000 08:02 173521                   /tmp/prog (deleted)", 0x400000,
     0x401000, "r-xp", "/tmp/prog (deleted)"},
    {"NamedAnonymous", "7f0000004000-7f0000005000 rw-p 00000000 00:00 0                          [anon:ulexec stack]",
     0x7f0000004000, 0x7f0000005000, "rw-p", "[anon:ulexec stack]"},
    {"NoAccess", "7f0000005000-7f0000006000 ---p 00000000 00:00 0 ", 0x7f0000005000, 0x7f0000006000, "---p", ""},
    {"ShortAddresses", "00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/dbus-daemon", 0x400000, 0x452000,
     "r-xp", "/usr/bin/dbus-daemon"},
    {"WideDeviceAndOffset", "7f0000006000-7f0000007000 r--p 1234567890 103:0a 18446744073709551615 /dev/x",
     0x7f0000006000, 0x7f0000007000, "r--p", "/dev/x"},
};

class GoodLineTest : public testing::TestWithParam<GoodLine> {};

TEST_P(GoodLineTest, Parses) {
  const GoodLine& g = GetParam();
  MapsLine m;
  ASSERT_TRUE(ParseMapsLine(g.line, &m));
  EXPECT_EQ(m.start, g.start);
  EXPECT_EQ(m.end, g.end);
  EXPECT_STREQ(m.perms, g.perms);
  EXPECT_EQ(m.name, g.path);
}

INSTANTIATE_TEST_SUITE_P(ProcMaps, GoodLineTest, testing::ValuesIn(kGoodLines),
                         [](const testing::TestParamInfo<GoodLine>& info) { return info.param.name; });

TEST(ProcMaps, MalformedLinesAreRejected) {
  const char* const bad[] = {
      "",
      " ",
      "garbage",
      "00400000 r-xp 00000000 08:02 173521 /usr/bin/x",            // no end address
      "00400000- r-xp 00000000 08:02 173521 /usr/bin/x",           // empty end address
      "00400000-",                                                 // nothing after the dash
      "-00401000 r-xp 00000000 08:02 173521 /usr/bin/x",           // empty start address
      "0040000g-00401000 r-xp 00000000 08:02 173521 /usr/bin/x",   // not hex
      "00400000_00401000 r-xp 00000000 08:02 173521 /usr/bin/x",   // wrong separator
      "00400000-00401000 rw 00000000 00:00 0",                     // perms too short
      "00400000-00401000 rw-pp 00000000 00:00 0",                  // perms too long
      "00400000-00401000",                                         // no perms
      " 00400000-00401000 r-xp 00000000 08:02 173521 /usr/bin/x",  // leading blank
  };
  for (const char* line : bad) {
    SCOPED_TRACE(line);
    MapsLine m;
    m.start = 0x1234;
    EXPECT_FALSE(ParseMapsLine(line, &m));
    EXPECT_EQ(m.start, 0x1234u) << "the output is untouched on failure";
  }
}

TEST(ProcMaps, ForEachMapsLineVisitsEveryLine) {
  const std::string text =
      "00400000-00401000 r-xp 00000000 08:02 1 /a\n"
      "\n"
      "00401000-00402000 rw-p 00001000 08:02 1 /a\n"
      "7ffd5a3c1000-7ffd5a3e2000 rw-p 00000000 00:00 0                          [stack]";  // no final newline
  std::vector<MapsLine> seen;
  EXPECT_TRUE(ForEachMapsLine(text, [&](const MapsLine& m) { seen.push_back(m); }));
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].start, 0x400000u);
  EXPECT_EQ(seen[0].name, "/a");
  EXPECT_EQ(seen[1].start, 0x401000u);
  EXPECT_STREQ(seen[1].perms, "rw-p");
  EXPECT_EQ(seen[2].name, "[stack]");
  EXPECT_TRUE(ForEachMapsLine("", [&](const MapsLine&) { ADD_FAILURE() << "no line in an empty text"; }));
}

TEST(ProcMaps, ForEachMapsLineStopsAtAMalformedLine) {
  const std::string text =
      "00400000-00401000 r-xp 00000000 08:02 1 /a\n"
      "this is not a maps line\n"
      "00401000-00402000 rw-p 00001000 08:02 1 /a\n";
  int calls = 0;
  EXPECT_FALSE(ForEachMapsLine(text, [&](const MapsLine&) { ++calls; }));
  EXPECT_EQ(calls, 1);
}

// Every line this kernel prints for this process parses, in ascending order, and [stack] holds
// a local variable.
TEST(ProcMaps, ParsesThisProcessesMaps) {
  std::string text;
  const int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  char buf[65536];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  close(fd);
  ASSERT_FALSE(text.empty());

  int local = 0;
  const auto here = reinterpret_cast<uint64_t>(&local);
  uint64_t previous_end = 0;
  size_t lines = 0;
  bool stack_found = false, vdso_found = false;
  EXPECT_TRUE(ForEachMapsLine(text, [&](const MapsLine& m) {
    ++lines;
    EXPECT_LT(m.start, m.end);
    EXPECT_GE(m.start, previous_end);
    EXPECT_EQ(m.start % 4096, 0u);
    EXPECT_EQ(m.end % 4096, 0u);
    previous_end = m.end;
    for (int i = 0; i < 4; ++i) EXPECT_NE(m.perms[i], '\0');
    EXPECT_EQ(m.perms[4], '\0');
    if (m.name == "[stack]") {
      stack_found = true;
      EXPECT_GE(here, m.start);
      EXPECT_LT(here, m.end);
      EXPECT_STREQ(m.perms, "rw-p");
    }
    if (m.name == "[vdso]") {
      vdso_found = true;
      EXPECT_STREQ(m.perms, "r-xp");
    }
  }));
  size_t newlines = 0;
  for (char c : text) newlines += c == '\n';
  EXPECT_EQ(lines, newlines);
  EXPECT_TRUE(stack_found);
  EXPECT_TRUE(vdso_found);
}

}  // namespace
}  // namespace ulexec::test
