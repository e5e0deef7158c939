// crt::ReadAll (crt/read-all.cc): a whole descriptor into memory that grows, and its two kinds of
// failure.
#include <crt/read-all.h>

#include <gtest/gtest.h>

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace {

// 100 KiB through a pipe into 4 KiB to start: the memory doubles five times.
TEST(ReadAll, GrowsToTheWholeStream) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  std::string sent;
  for (int i = 0; sent.size() < 100 * 1024; ++i) sent += std::to_string(i) + '\n';
  std::thread writer([&] {
    for (size_t at = 0; at < sent.size();) {
      const ssize_t n = write(p[1], sent.data() + at, sent.size() - at);
      if (n <= 0) break;
      at += static_cast<size_t>(n);
    }
    close(p[1]);
  });
  std::string_view text;
  crt::ReadAllFailure failure;
  const bool ok = crt::ReadAll(p[0], 4096, &text, &failure);
  writer.join();
  close(p[0]);
  ASSERT_TRUE(ok) << failure.error;
  EXPECT_EQ(text, sent);
  munmap(const_cast<char*>(text.data()), text.size());
}

TEST(ReadAll, EmptyInputIsEmptyText) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  close(p[1]);
  std::string_view text = "unchanged";
  crt::ReadAllFailure failure;
  ASSERT_TRUE(crt::ReadAll(p[0], 4096, &text, &failure));
  EXPECT_EQ(text.size(), 0u);
  close(p[0]);
}

TEST(ReadAll, AFailedReadIsNotAFailureToGetMemory) {
  std::string_view text;
  crt::ReadAllFailure failure;
  ASSERT_FALSE(crt::ReadAll(-1, 4096, &text, &failure));
  EXPECT_EQ(failure.error, EBADF);
  EXPECT_TRUE(failure.reading);
  ASSERT_FALSE(crt::ReadAll(0, 0, &text, &failure));  // mmap of 0 bytes: EINVAL
  EXPECT_EQ(failure.error, EINVAL);
  EXPECT_FALSE(failure.reading);
}

}  // namespace
