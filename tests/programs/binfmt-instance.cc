// The binfmt tests' binfmt_misc instance: see binfmt-instance.h.
#include "binfmt-instance.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <vector>

namespace binfmt_test {
namespace {

constexpr int kNoPrivateInstance = 125;
std::vector<std::string> g_registered;

bool WriteFile(const std::string& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  const bool ok = fd >= 0 && write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (fd >= 0) close(fd);
  return ok;
}

// In the child: the namespaces, once the parent has written the id maps.
bool EnterNamespaces(int ready_fd, int go_fd) {
  const bool entered = unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0;
  char c = entered ? 'y' : 'n';
  if (write(ready_fd, &c, 1) != 1 || !entered || read(go_fd, &c, 1) != 1 || c != 'y') return false;
  return mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
         mount("binfmt_misc", kBinfmtDir, "binfmt_misc", 0, nullptr) == 0;
}

}  // namespace

int RunInPrivateInstance(bool* in_child) {
  int ready[2], go[2];
  if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(go, O_CLOEXEC) != 0) return -1;
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (!EnterNamespaces(ready[1], go[0])) _exit(kNoPrivateInstance);
    close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
    *in_child = true;
    return 0;
  }
  close(ready[1]), close(go[0]);
  char c = 'n';
  if (read(ready[0], &c, 1) == 1 && c == 'y') {
    // A writer in the parent namespace may map every id (a child cannot map more than its own).
    const std::string proc = "/proc/" + std::to_string(pid);
    const bool mapped = WriteFile(proc + "/uid_map", "0 0 4294967295") && WriteFile(proc + "/gid_map", "0 0 4294967295");
    c = mapped ? 'y' : 'n';
    if (write(go[1], &c, 1) != 1) c = 'n';
  }
  close(ready[0]), close(go[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == kNoPrivateInstance) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string UseMachineInstance(bool* mounted) {
  if (access((std::string(kBinfmtDir) + "/register").c_str(), F_OK) == 0) return "";
  if (mount("binfmt_misc", kBinfmtDir, "binfmt_misc", 0, nullptr) != 0) return "cannot mount binfmt_misc";
  *mounted = true;
  return "";
}

bool Register(const std::string& name, const std::string& rule) {
  (void)WriteFile(std::string(kBinfmtDir) + "/register", ":" + name + ":" + rule);
  if (access((std::string(kBinfmtDir) + "/" + name).c_str(), F_OK) != 0) return false;
  g_registered.push_back(name);
  return true;
}

void Unregister(const std::string& name) {
  (void)WriteFile(std::string(kBinfmtDir) + "/" + name, "-1");
  g_registered.erase(std::remove(g_registered.begin(), g_registered.end(), name), g_registered.end());
}

void RemoveAll() {
  while (!g_registered.empty()) Unregister(g_registered.back());
}

}  // namespace binfmt_test
