// The binfmt_misc instance the binfmt tests register their handlers in: a private one where the
// kernel has them (Linux 6.7: one per user namespace), else the machine's, under unique names
// removed at the end.
#pragma once

#include <string>

namespace binfmt_test {

constexpr const char* kBinfmtDir = "/proc/sys/fs/binfmt_misc";

// Forks; the child enters a user namespace (ids mapped one to one, so root stays root and
// set-id files keep their owners) and a mount namespace of its own, mounts a fresh binfmt_misc
// there and returns with `*in_child` set: it runs the tests. The parent waits and returns the
// child's exit status; -1 (the child ran nothing) when the kernel has no such instance.
int RunInPrivateInstance(bool* in_child);

// binfmt_misc mounted and usable here (`*mounted`: this call mounted it); or why not.
std::string UseMachineInstance(bool* mounted);

// ":name:rule" written to `register`; false when the entry did not appear. Unregister removes
// it; RemoveAll every entry registered and not yet removed.
bool Register(const std::string& name, const std::string& rule);
void Unregister(const std::string& name);
void RemoveAll();

}  // namespace binfmt_test
