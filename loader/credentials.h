// Plan (pure): the credentials execve gives the new program (spec E13): the set-user-ID and
// set-group-ID bits as bprm_fill_uid applies them, the capability sets as
// cap_bprm_creds_from_file computes them, and whether the exec is secure (AT_SECURE). Where the
// process could not make that change itself (it would gain privilege), the plan is what a nosuid
// mount gives: the set-id bits ignored, never more than the process has.
#pragma once

#include <crt/process.h>

#include <cstdint>
#include <span>
#include <string_view>

namespace ulexec {

struct Creds {
  enum { kReal, kEffective, kSaved, kFs };
  uint32_t uid[4] = {}, gid[4] = {};  // as /proc/self/status lists them
  uint64_t inheritable = 0, permitted = 0, effective = 0, bounding = 0, ambient = 0;
  bool no_new_privs = false;
  bool ids_only = false;  // from CredsOfPlainExec: the capability sets and NoNewPrivs not known
};

// Reads Uid, Gid, CapInh, CapPrm, CapEff, CapBnd, CapAmb and NoNewPrivs from /proc/self/status.
[[nodiscard]] bool ParseStatusCreds(std::string_view status, Creds* out);

// The ids of a process that has done nothing since its own exec, from that exec's auxv, when it
// was not secure (AT_SECURE 0: real, effective, saved and fs ids all equal); false otherwise.
// Enough to plan the exec of a file that is not set-id, which changes nothing (PlanExecCreds):
// the /proc/self/status read is left for a set-id file.
[[nodiscard]] bool CredsOfPlainExec(std::span<const crt::AuxEntry> auxv, Creds* out);

// The file that runs (for a #! script, its interpreter: the kernel ignores a script's own bits).
struct ExecFile {
  uint32_t uid = 0, gid = 0, mode = 0;
  bool nosuid_mount = false;
};

struct CredPlan {
  Creds next;
  bool secure = false;             // AT_SECURE; also clears pdeath_signal
  bool clear_personality = false;  // PER_CLEAR_ON_SETID (a set-id file, or capabilities gained)
  bool as_nosuid = false;          // the set-id bits were ignored: honouring them needs privilege
  bool changes_ids = false, changes_caps = false, clears_ambient = false;
};

// Whether execve honours the file's set-id bits (set-user-ID, or set-group-ID with group execute).
bool IsSetId(uint32_t mode);

// File capabilities are not read: they count only where the process could raise privilege, which
// it cannot, so they are ignored as on a nosuid mount (README). SECBIT_NOROOT is taken as clear.
// With `now.ids_only` the credentials stay as they are, as on a nosuid mount for a set-id file
// (the caller reads /proc/self/status for one: Creds::ids_only never plans a set-id exec).
CredPlan PlanExecCreds(const Creds& now, const ExecFile& file);

// Whether the effective uid or gid is not the real one: what decides whether suid_dumpable
// matters to an exec (spec E11).
bool EffectiveIdsDiffer(const Creds& c);

// The new program's dumpable (spec E11), as PR_GET_DUMPABLE gives it: 0, 1 or 2. begin_new_exec
// looks at the caller's credentials, not the new ones: suid_dumpable where its effective uid or
// gid is not its real one, else 1 (a set-id exec's change of the effective ids is the kernel's
// own, in the hand-off's setresuid). PR_SET_DUMPABLE takes only 0 and 1: where 2
// (SUID_DUMP_ROOT, core files readable by root only) has to be set, the hand-off sets 0, no core
// file (ptrace and /proc are as with 2).
unsigned long DumpableAfterExec(const Creds& now, unsigned long suid_dumpable);

// Whether setresuid/setresgid/capset can take the process from `now` to `next`.
bool CanApply(const Creds& now, const Creds& next);

// AT_UID, AT_EUID, AT_GID, AT_EGID and AT_SECURE of the composed vector, as the kernel sets them.
void SetAuxvCreds(const CredPlan& plan, std::span<crt::AuxEntry> auxv);

// capset's arguments (linux/capability.h, not among musl's headers): version 3, two 32-bit words
// of each set.
struct KernelCaps {
  static constexpr uint32_t kVersion3 = 0x20080522;
  struct Header {
    uint32_t version;
    int pid;
  } header;
  struct Data {
    uint32_t effective, permitted, inheritable;
  } data[2];
};

// The capability sets of `creds` as capset takes them.
KernelCaps ToKernelCaps(const Creds& creds);

}  // namespace ulexec
