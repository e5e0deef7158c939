// Running the conformance cases as nobody (as-user.h): the staged copies, and the known
// differences of such runs, each checked before it is taken out of the report.
#include "as-user.h"

#include "support/binaries.h"

#include <linux/capability.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace conformance {
namespace {

using probe_test::Report;

std::string g_stage;                      // the folder of copies, or empty
std::string g_skip = "not staged";        // why nobody cannot run here
std::string g_capability_skip = g_skip;   // why the capability copies cannot
bool g_caller_sets_exe = true;            // the test's own user can set exe (CallerSetsExe)

// linux/personality.h's: what a set-id or capability-gaining exec clears (docs/execve.md#C13).
constexpr unsigned long kClearOnSetid = READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE | ADDR_COMPAT_LAYOUT | MMAP_PAGE_ZERO;

bool CarriesCapability(const std::string& name) { return name == "ulexec" || name == "lib-launcher"; }

std::string Quoted(const std::string& path) { return "\"" + path + "\""; }

// setcap cap_checkpoint_restore+ep, as the security.capability attribute it writes.
std::string GiveCapability(const std::string& file) {
  vfs_cap_data cap{};
  cap.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE;
  cap.data[CAP_TO_INDEX(CAP_CHECKPOINT_RESTORE)].permitted = CAP_TO_MASK(CAP_CHECKPOINT_RESTORE);
  if (setxattr(file.c_str(), "security.capability", &cap, XATTR_CAPS_SZ_2, 0) != 0) {
    return "setting security.capability on " + file + ": " + strerror(errno);
  }
  struct statvfs st {};
  if (statvfs(file.c_str(), &st) != 0 || (st.f_flag & ST_NOSUID)) {
    return file + " is on a nosuid mount: the kernel ignores its file capabilities";
  }
  return "";
}

// Whether this process holds CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE, which exe_fd needs
// (docs/execve.md#G4): root does; an ordinary user running the suite does not.
bool CallerSetsExe() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    const unsigned long long effective = std::stoull(line.substr(7), nullptr, 16);
    return (effective >> CAP_SYS_ADMIN & 1) || (effective >> CAP_CHECKPOINT_RESTORE & 1);
  }
  return false;
}

void Replace(Report& r, const std::string& key, const std::string& value) {
  r.values[key] = value;
  for (auto& [k, v] : r.lines) {
    if (k == key) v = value;
  }
}

// Checks that `key` is `direct_value` directly and `loaded_value` through ulexec, then gives the
// loaded report the direct value.
void ExpectDifference(const Report& direct, Report& loaded, const std::string& key, const std::string& direct_value,
                      const std::string& loaded_value, const char* why) {
  EXPECT_EQ(direct.Get(key), direct_value) << key << " directly";
  EXPECT_EQ(loaded.Get(key), loaded_value) << key << " through ulexec, as expected because " << why;
  if (loaded.Get(key) == loaded_value) Replace(loaded, key, direct.Get(key));
}

}  // namespace

void StageForNobody(const std::vector<std::string>& names) {
  g_caller_sets_exe = CallerSetsExe();
  if (geteuid() != 0) {
    g_skip = g_capability_skip = "not root: cannot drop to uid 65534 (run as root, as CI does)";
    return;
  }
  std::vector<std::string> sources;  // first: a missing ULEXEC_<NAME> throws before the folder exists
  for (const std::string& name : names) sources.push_back(ulexec::test::Binary(name));
  const std::string tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  std::string dir = tmp + "/ulexec-nobody-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr || chmod(dir.c_str(), 0755) != 0) {
    g_skip = g_capability_skip = "making a folder in " + tmp + ": " + strerror(errno);
    return;
  }
  g_stage = dir;
  g_skip = g_capability_skip = "";
  for (size_t i = 0; i < names.size(); ++i) {
    // Copies are owned by root, mode 0755: nobody reads and runs them as it would installed files.
    const std::string& name = names[i];
    std::filesystem::copy_file(sources[i], dir + "/" + name);
    if (!CarriesCapability(name)) continue;
    std::filesystem::copy_file(sources[i], dir + "/" + name + "-cap");
    if (g_capability_skip.empty()) g_capability_skip = GiveCapability(dir + "/" + name + "-cap");
  }
}

void RemoveStage() {
  if (!g_stage.empty()) std::filesystem::remove_all(g_stage);
}

std::string SkipReason(User user) {
  switch (user) {
    case User::kCaller: return "";
    case User::kNobody: return g_skip;
    case User::kNobodyWithCapability: return g_skip.empty() ? g_capability_skip : g_skip;
  }
  return "";
}

std::string PathFor(User user, const std::string& name) {
  if (user == User::kCaller) return ulexec::test::Binary(name);
  const bool capability = user == User::kNobodyWithCapability && CarriesCapability(name);
  return g_stage + "/" + name + (capability ? "-cap" : "");
}

int RunAs(User user) { return user == User::kCaller ? -1 : kNobodyId; }

const char* Suffix(User user) {
  return user == User::kCaller ? "" : user == User::kNobody ? "_nobody" : "_nobody_setcap";
}

std::vector<std::string> AllowedFor(User user, bool aslr) {
  return aslr || user == User::kNobodyWithCapability ? probe_test::kAslrDependent : probe_test::kRunDependent;
}

std::string ExeLeft(User user, const std::string& loader) {
  const bool sets_exe = user == User::kNobodyWithCapability || (user == User::kCaller && g_caller_sets_exe);
  return sets_exe ? "" : loader;
}

Report WithoutUserDifferences(const Report& direct, const Report& loaded, User user, const std::string& exe_left) {
  Report out = loaded;
  if (!exe_left.empty()) {
    // PR_SET_MM_MAP's exe_fd needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN (docs/execve.md#G4).
    const char* why = "exe_fd needs CAP_CHECKPOINT_RESTORE";
    ExpectDifference(direct, out, "proc.exe", direct.Get("image.path"), Quoted(exe_left), why);
    ExpectDifference(direct, out, "proc.exe_is_image", "yes", "no", why);
  }
  const unsigned long personality = std::stoul(direct.Get("personality"), nullptr, 16);
  if (user == User::kNobodyWithCapability && (personality & kClearOnSetid)) {
    // Starting ulexec (or the library's host) gained a capability, so the kernel cleared these
    // flags (docs/execve.md#C13, #E13) before ulexec ran, which cannot know they were set: without
    // ADDR_NO_RANDOMIZE the layout is random (AllowedFor); page 0, which MMAP_PAGE_ZERO would map,
    // is missing on both sides anyway (nobody lacks CAP_SYS_RAWIO).
    char expected[32];
    snprintf(expected, sizeof expected, "0x%lx", personality & ~kClearOnSetid);
    const std::string value = loaded.Get("personality");
    EXPECT_EQ(value.substr(0, value.find(' ')), expected) << "personality through ulexec";
    if (value.substr(0, value.find(' ')) == expected) Replace(out, "personality", direct.Get("personality"));
  }
  return out;
}

}  // namespace conformance
