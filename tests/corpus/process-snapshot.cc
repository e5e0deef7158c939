// Taking and comparing process snapshots (process-snapshot.h).
#include "process-snapshot.h"

#include <fcntl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace corpus {

namespace {

size_t ReadProc(const char* path, char* buf, size_t cap) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t len = 0;
  for (ssize_t n; len < cap && (n = read(fd, buf + len, cap - len)) > 0;) len += static_cast<size_t>(n);
  close(fd);
  return len;
}

}  // namespace

void Take(Snapshot* s) {
  s->maps_len = ReadProc("/proc/self/maps", s->maps, sizeof s->maps);
  s->fds_len = 0;
  const int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  alignas(8) char dents[8192];
  for (long n; dir >= 0 && (n = syscall(SYS_getdents64, dir, dents, sizeof dents)) > 0;) {
    for (long at = 0; at < n;) {
      const char* d = dents + at;
      at += *reinterpret_cast<const unsigned short*>(d + 16);
      const char* name = d + 19;
      if (name[0] == '.' || atoi(name) == dir) continue;
      char link[64], target[512];
      snprintf(link, sizeof link, "/proc/self/fd/%s", name);
      const ssize_t tn = readlink(link, target, sizeof target - 1);
      target[tn > 0 ? tn : 0] = '\0';
      const int flags = fcntl(atoi(name), F_GETFD);
      const int fl = fcntl(atoi(name), F_GETFL);
      s->fds_len += static_cast<size_t>(snprintf(s->fds + s->fds_len, sizeof s->fds - s->fds_len,
                                                 "%s -> %s fd-flags %d fl %#x\n", name, target, flags, fl));
    }
  }
  if (dir >= 0) close(dir);
  sigaction(SIGUSR1, nullptr, &s->usr1);
  sigprocmask(SIG_BLOCK, nullptr, &s->mask);
  memset(s->comm, 0, sizeof s->comm);
  prctl(PR_GET_NAME, s->comm);
  s->personality = personality(0xffffffff);
  s->dumpable = prctl(PR_GET_DUMPABLE);
  if (!getcwd(s->cwd, sizeof s->cwd)) s->cwd[0] = '\0';
}

std::string Differences(const Snapshot& a, const Snapshot& b) {
  std::string d;
  if (std::string_view(a.maps, a.maps_len) != std::string_view(b.maps, b.maps_len)) {
    d += "/proc/self/maps changed:\n--- before\n" + std::string(a.maps, a.maps_len) + "--- after\n" +
         std::string(b.maps, b.maps_len);
  }
  if (std::string_view(a.fds, a.fds_len) != std::string_view(b.fds, b.fds_len)) {
    d += "descriptors changed:\n--- before\n" + std::string(a.fds, a.fds_len) + "--- after\n" + std::string(b.fds, b.fds_len);
  }
  if (a.usr1.sa_handler != b.usr1.sa_handler || a.usr1.sa_flags != b.usr1.sa_flags ||
      memcmp(&a.usr1.sa_mask, &b.usr1.sa_mask, 8) != 0) {  // the kernel's 64 signals; glibc fills no more
    char buf[256];
    snprintf(buf, sizeof buf, "the SIGUSR1 handler changed: %p/%#x -> %p/%#x\n", (void*)a.usr1.sa_handler,
             a.usr1.sa_flags, (void*)b.usr1.sa_handler, b.usr1.sa_flags);
    d += buf;
  }
  if (memcmp(&a.mask, &b.mask, 8) != 0) d += "the signal mask changed\n";
  if (memcmp(a.comm, b.comm, sizeof a.comm) != 0) d += std::string("comm changed: ") + a.comm + " -> " + b.comm + "\n";
  if (a.personality != b.personality) d += "the personality changed\n";
  if (a.dumpable != b.dumpable) d += "dumpable changed\n";
  if (strcmp(a.cwd, b.cwd) != 0) d += "the working directory changed\n";
  return d;
}

}  // namespace corpus
