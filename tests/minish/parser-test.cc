// The pure part of minish, hosted: the parser's trees and syntax errors (with their columns),
// and the expander's fields, on inputs written out here.
#include "expand.h"
#include "parser.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace minish {
namespace {

class Vars final : public Variables {
 public:
  std::map<std::string, std::string> values;
  const char* Get(std::string_view name) const override {
    auto it = values.find(std::string(name));
    return it == values.end() ? nullptr : it->second.c_str();
  }
};

class ParserTest : public ::testing::Test {
 protected:
  ParseResult Parse(std::string_view src, size_t pos = 0) { return ParseCommandLine(src, pos, arena_); }
  // The first simple command of a line that must parse.
  const Command& First(std::string_view src) {
    const ParseResult r = Parse(src);
    EXPECT_TRUE(r.ok) << src;
    static const Command kNone{};
    return r.ok && r.line.count ? r.line.items[0].pipelines[0].commands[0] : kNone;
  }
  // The columns and message of the syntax error in src.
  std::string Error(std::string_view src) {
    const ParseResult r = Parse(src);
    if (r.ok) return "ok";
    const Position p = Locate(src, r.error.offset);
    return std::to_string(p.line) + ":" + std::to_string(p.column) + ": " + r.error.message +
           (r.error.incomplete ? " (incomplete)" : "");
  }
  std::vector<std::string> Fields(std::string_view raw, bool split = true) {
    char* out[64];
    const long n = ExpandWord(raw, split, vars_, arena_, out, 64);
    std::vector<std::string> v;
    for (long i = 0; i < n; ++i) v.emplace_back(out[i]);
    return v;
  }

  alignas(16) char block_[1 << 16];
  Arena arena_{block_, sizeof block_};
  Vars vars_;
};

TEST_F(ParserTest, PipelinesAndListsMakeATree) {
  const ParseResult r = Parse("a b | c && d || e; f & g");
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.line.count, 3u);
  const AndOr& first = r.line.items[0];
  EXPECT_FALSE(first.background);
  ASSERT_EQ(first.count, 3u);
  EXPECT_EQ(first.connectors[0], Connector::kAnd);
  EXPECT_EQ(first.connectors[1], Connector::kOr);
  ASSERT_EQ(first.pipelines[0].count, 2u);
  EXPECT_EQ(first.pipelines[0].commands[0].word_count, 2u);
  EXPECT_EQ(first.pipelines[0].commands[0].words[1].raw, "b");
  EXPECT_EQ(first.text, "a b | c && d || e");
  EXPECT_TRUE(r.line.items[1].background);
  EXPECT_EQ(r.line.items[1].text, "f");
  EXPECT_FALSE(r.line.items[2].background);
}

TEST_F(ParserTest, RedirectionsWithDescriptors) {
  const Command& c = First("cmd <in >out 2>>log 2>&1 3<&0 >&- x");
  ASSERT_EQ(c.word_count, 2u);
  EXPECT_EQ(c.words[1].raw, "x");
  ASSERT_EQ(c.redirect_count, 6u);
  const struct {
    int fd;
    RedirectKind kind;
    const char* target;
  } want[] = {{0, RedirectKind::kIn, "in"},      {1, RedirectKind::kOut, "out"},   {2, RedirectKind::kAppend, "log"},
              {2, RedirectKind::kDupOut, "1"},    {3, RedirectKind::kDupIn, "0"},   {1, RedirectKind::kDupOut, "-"}};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(c.redirects[i].fd, want[i].fd) << i;
    EXPECT_EQ(c.redirects[i].kind, want[i].kind) << i;
    EXPECT_EQ(c.redirects[i].target.raw, want[i].target) << i;
  }
}

TEST_F(ParserTest, QuotesStayInRawWords) {
  const Command& c = First("echo 'a b'\"c;d\"\\ e ${X}y # comment");
  ASSERT_EQ(c.word_count, 3u);
  EXPECT_EQ(c.words[1].raw, "'a b'\"c;d\"\\ e");
  EXPECT_EQ(c.words[2].raw, "${X}y");
}

TEST_F(ParserTest, OneCommandLineAtATime) {
  const std::string_view src = "a\n\nb | \n c\nd";
  ParseResult r = Parse(src);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.line.count, 1u);
  r = Parse(src, r.next);  // the empty line
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.line.count, 0u);
  r = Parse(src, r.next);  // a newline after | continues the line
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.line.items[0].pipelines[0].count, 2u);
  r = Parse(src, r.next);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.line.items[0].pipelines[0].commands[0].words[0].raw, "d");
  EXPECT_EQ(r.next, src.size());
}

TEST_F(ParserTest, SyntaxErrorsHaveTheirColumn) {
  EXPECT_EQ(Error("echo a | | b"), "1:10: unexpected '|'");
  EXPECT_EQ(Error("| a"), "1:1: unexpected '|'");
  EXPECT_EQ(Error("a ;; b"), "1:4: unexpected ';'");
  EXPECT_EQ(Error("a && || b"), "1:6: unexpected '||'");
  EXPECT_EQ(Error("a & & b"), "1:5: unexpected '&'");
  EXPECT_EQ(Error("a >"), "1:4: unexpected end of input (incomplete)");
  EXPECT_EQ(Error("a > | b"), "1:5: unexpected '|'");
  EXPECT_EQ(Error("echo ${A B}"), "1:6: bad substitution");
  EXPECT_EQ(Error("echo ${1x}"), "1:6: bad substitution");
  EXPECT_EQ(Error("echo (x)"), "1:6: '(' (subshells are not supported)");
  EXPECT_EQ(Error("x |\n echo 'abc"), "2:7: unterminated single quote (incomplete)");
  EXPECT_EQ(Error("echo \"a\\\""), "1:6: unterminated double quote (incomplete)");
  EXPECT_EQ(Error("echo ${X"), "1:6: missing '}' (incomplete)");
  EXPECT_EQ(Error("a |"), "1:4: unexpected end of input (incomplete)");
  EXPECT_EQ(Error("a &&\n"), "2:1: unexpected end of input (incomplete)");
  EXPECT_EQ(Error("a; b &"), "ok");
}

TEST_F(ParserTest, ATooSmallArenaIsAnErrorNotACrash) {
  alignas(16) char tiny[64];
  Arena arena(tiny, sizeof tiny);
  const ParseResult r = ParseCommandLine("a b c | d e f && g h i", 0, arena);
  ASSERT_FALSE(r.ok);
  EXPECT_STREQ(r.error.message, "out of memory");
}

TEST_F(ParserTest, ExpansionAndQuoteRemoval) {
  vars_.values = {{"X", "a  b"}, {"E", ""}, {"HOME", "/home/u"}, {"?", "3"}, {"$", "42"}, {"1", "one"}};
  EXPECT_EQ(Fields("plain"), (std::vector<std::string>{"plain"}));
  EXPECT_EQ(Fields("'$X'\"$X\"\\$X"), (std::vector<std::string>{"$Xa  b$X"}));
  EXPECT_EQ(Fields("$X"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Fields("x$X"), (std::vector<std::string>{"xa", "b"}));
  EXPECT_EQ(Fields("${X}y"), (std::vector<std::string>{"a", "by"}));
  EXPECT_EQ(Fields("$E"), (std::vector<std::string>{}));
  EXPECT_EQ(Fields("\"$E\""), (std::vector<std::string>{""}));
  EXPECT_EQ(Fields("''"), (std::vector<std::string>{""}));
  EXPECT_EQ(Fields("$UNSET"), (std::vector<std::string>{}));
  EXPECT_EQ(Fields("$?:$$:$1:$"), (std::vector<std::string>{"3:42:one:$"}));
  EXPECT_EQ(Fields("\"\\$ \\\" \\\\ \\a\""), (std::vector<std::string>{"$ \" \\ \\a"}));
  EXPECT_EQ(Fields("~/x"), (std::vector<std::string>{"/home/u/x"}));
  EXPECT_EQ(Fields("a~"), (std::vector<std::string>{"a~"}));
  EXPECT_EQ(Fields("$X", false), (std::vector<std::string>{"a  b"}));
  EXPECT_EQ(Fields("$E", false), (std::vector<std::string>{""}));
}

TEST_F(ParserTest, ExpandCommandSeparatesAssignments) {
  vars_.values = {{"X", "1 2"}};
  const Command& c = First("A=$X B='b c' cmd $X C=3 >$X");
  ExpandedCommand e;
  ASSERT_TRUE(ExpandCommand(c, vars_, arena_, &e));
  ASSERT_EQ(e.assignment_count, 2u);
  EXPECT_STREQ(e.assignments[0], "A=1 2");
  EXPECT_STREQ(e.assignments[1], "B=b c");
  ASSERT_EQ(e.argc, 4u);
  EXPECT_STREQ(e.argv[0], "cmd");
  EXPECT_STREQ(e.argv[1], "1");
  EXPECT_STREQ(e.argv[2], "2");
  EXPECT_STREQ(e.argv[3], "C=3");
  EXPECT_EQ(e.argv[4], nullptr);
  EXPECT_STREQ(e.targets[0], "1 2");
}

}  // namespace
}  // namespace minish
