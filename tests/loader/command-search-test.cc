// command-search.cc and crt::PathCandidates: execvp's PATH walk, its errno rules and the /bin/sh
// fallback's condition.
#include "command-search.h"

#include <crt/path-search.h>

#include <gtest/gtest.h>

#include <errno.h>

#include <string>
#include <vector>

namespace ulexec {
namespace {

std::vector<std::string> All(const char* path_env, std::string_view name, size_t cap = 4096) {
  crt::PathCandidates c(path_env, name);
  std::vector<std::string> out;
  std::vector<char> buf(cap);
  while (c.Next(buf.data(), cap)) out.emplace_back(buf.data());
  return out;
}

TEST(PathCandidates, EachEntryInOrderEmptyMeaningHere) {
  EXPECT_EQ(All("/a:/b/c", "ls"), (std::vector<std::string>{"/a/ls", "/b/c/ls"}));
  EXPECT_EQ(All(":/a::", "x"), (std::vector<std::string>{"./x", "/a/x", "./x", "./x"}));
  EXPECT_EQ(All("", "x"), (std::vector<std::string>{"./x"}));
}

TEST(PathCandidates, UnsetPathIsGlibcsDefault) {
  EXPECT_EQ(All(nullptr, "sh"), (std::vector<std::string>{"/bin/sh", "/usr/bin/sh"}));
}

TEST(PathCandidates, TooLongEntriesAreSkipped) {
  const std::string path = "/" + std::string(100, 'd') + ":/e";
  EXPECT_EQ(All(path.c_str(), "x", 16), (std::vector<std::string>{"/e/x"}));
}

TEST(AfterFailure, AsExecvp) {
  EXPECT_EQ(AfterFailure(EACCES), SearchStep::kNextRememberAccess);
  for (int err : {ENOENT, ESTALE, ENOTDIR, ENODEV, ETIMEDOUT}) EXPECT_EQ(AfterFailure(err), SearchStep::kNext);
  for (int err : {ENOEXEC, ELOOP, E2BIG, ENOMEM, ETXTBSY, EIO}) EXPECT_EQ(AfterFailure(err), SearchStep::kStop);
}

std::vector<std::byte> Bytes(std::string_view s) {
  std::vector<std::byte> b;
  for (char c : s) b.push_back(static_cast<std::byte>(c));
  return b;
}

TEST(RunsWithShell, NeitherElfNorScript) {
  const std::string_view neither[] = {"", "echo", "\x7f" "E", "\x7f" "ELG", "#", std::string_view("\0\0\0\0", 4)};
  for (std::string_view yes : neither) {
    EXPECT_TRUE(RunsWithShell(Bytes(yes))) << yes;
  }
  for (std::string_view no : {"\x7f" "ELF", "#!", "#!/bin/sh"}) EXPECT_FALSE(RunsWithShell(Bytes(no))) << no;
}

}  // namespace
}  // namespace ulexec
