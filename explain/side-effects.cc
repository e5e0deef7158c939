// Reads /proc/self/fd (with F_GETFD) and the SigCgt/SigIgn masks of /proc/self/status.
#include "side-effects.h"

#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <unistd.h>

namespace explain {
namespace {

std::vector<std::string> SignalNames(uint64_t mask) {
  std::vector<std::string> out;
  for (int sig = 1; sig <= 64; ++sig) {
    if (!(mask >> (sig - 1) & 1)) continue;
    const char* abbrev = sigabbrev_np(sig);
    out.push_back(abbrev ? std::string("SIG") + abbrev : "SIG" + std::to_string(sig));
  }
  return out;
}

}  // namespace

SideEffects ReadSideEffects() {
  SideEffects effects;
  if (DIR* dir = opendir("/proc/self/fd")) {
    const int own = dirfd(dir);
    while (const dirent* d = readdir(dir)) {
      if (d->d_name[0] == '.') continue;
      const int fd = atoi(d->d_name);
      const int flags = fcntl(fd, F_GETFD);
      if (fd != own && flags > 0 && (flags & FD_CLOEXEC)) effects.close_on_exec.push_back(fd);
    }
    closedir(dir);
  }
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    const bool caught = line.rfind("SigCgt:", 0) == 0, ignored = line.rfind("SigIgn:", 0) == 0;
    if (!caught && !ignored) continue;
    const uint64_t mask = strtoull(line.c_str() + 7, nullptr, 16);
    (caught ? effects.signals_reset : effects.signals_ignored) = SignalNames(mask);
  }
  return effects;
}

std::string CommFor(const std::string& name) {
  const size_t slash = name.rfind('/');
  return name.substr(slash == std::string::npos ? 0 : slash + 1).substr(0, 15);
}

}  // namespace explain
