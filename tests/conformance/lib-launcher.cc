// lib-launcher PROGRAM [ARG...]: an ordinary glibc program that changes state an exec must undo
// (signal handlers, an alternate signal stack, a close-on-exec descriptor, a heap, glibc's rseq
// registration, thread-local storage) and then replaces itself with PROGRAM through the ulexec
// library. The conformance tests run the probe through it to check the library in a libc host.
#include <ulexec/ulexec.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace {

void Handler(int) {}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: lib-launcher PROGRAM [ARG...]\n");
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = Handler;
  sa.sa_flags = SA_RESTART | SA_ONSTACK;
  sigaction(SIGUSR2, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  static char altstack[1 << 16];
  stack_t ss{};
  ss.ss_sp = altstack;
  ss.ss_size = sizeof altstack;
  sigaltstack(&ss, nullptr);
  const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  void* heap = malloc(1 << 20);
  memset(heap, 1, 1 << 20);
  ulexec_error error;
  const int rc = ulexec_execve(argv[1], argv + 1, environ, &error);
  fprintf(stderr, "lib-launcher: %s: %s (%s)\n", argv[1], strerror(-rc), error.text);
  close(fd);
  return rc == -ENOENT ? 127 : 126;
}
