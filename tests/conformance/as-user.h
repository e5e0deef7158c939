// The conformance cases run by an ordinary user: both the direct execve and the ulexec run drop to
// nobody (uid and gid 65534, no groups, no capabilities) right before the exec, with plain ulexec
// or with a copy carrying cap_checkpoint_restore+ep. Files are run from copies nobody can read,
// and every difference such a run is known to show is checked, with its reason, and taken out.
#pragma once

#include "../probe/probe-runner.h"

#include <string>
#include <vector>

namespace conformance {

enum class User {
  kCaller,                 // the test's own user (root in CI): no drop
  kNobody,                 // nobody and a plain ulexec: exe cannot be set
  kNobodyWithCapability,   // nobody and a `setcap cap_checkpoint_restore+ep` copy
};

constexpr int kNobodyId = 65534;

// Copies `names` (ULEXEC_<NAME> programs: probe-static, ulexec, ...) into a fresh temporary
// folder nobody can read, and ulexec and lib-launcher also as capability-carrying copies. Root
// only; otherwise SkipReason says why. Also notes whether the test's own user can set exe
// (ExeLeft). RemoveStage deletes the folder.
void StageForNobody(const std::vector<std::string>& names);
void RemoveStage();

// Why runs as `user` are not possible here (not root, a nosuid or xattr-less file system), or "".
std::string SkipReason(User user);

// The file to run for `name` as `user`: the build's own for the caller, else the staged copy (for
// ulexec and lib-launcher with the capability, the copy that carries it).
std::string PathFor(User user, const std::string& name);

// RunOptions::run_as for `user`.
int RunAs(User user);

// "", "_nobody" or "_nobody_setcap", for test names.
const char* Suffix(User user);

// What may differ besides the known differences below: as probe_test::kAslrDependent or
// kRunDependent, except that with the capability the layout is always random (the kernel cleared
// ADDR_NO_RANDOMIZE when it started ulexec).
std::vector<std::string> AllowedFor(User user, bool aslr);

// The file /proc/self/exe is expected to name through ulexec as `user` when `loader` (ulexec or
// lib-launcher) ran the probe: the loader itself for nobody without the capability, and for the
// test's own user when it lacks the capability too (not root), else "" (the program, as execve
// sets it).
std::string ExeLeft(User user, const std::string& loader);

// `loaded` (a report of the probe through ulexec) with the differences a run as `user` is known to
// show against `direct` checked (a gtest failure when one is not exactly as expected) and
// replaced by `direct`'s values. `exe_left`: as ExeLeft.
probe_test::Report WithoutUserDifferences(const probe_test::Report& direct, const probe_test::Report& loaded, User user,
                                          const std::string& exe_left);

}  // namespace conformance
