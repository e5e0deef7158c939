// The credential transition of execve as pure functions: see credentials.h.
#include "credentials.h"

#include <crt/string.h>

#include <elf.h>
#include <sys/stat.h>

namespace ulexec {
namespace {

constexpr int kCapSetuid = 7, kCapSetgid = 6;
constexpr uint32_t kSetGid = S_ISGID | S_IXGRP;  // set-group-ID without group execute is a lock mark

bool Has(uint64_t caps, int cap) { return (caps >> cap) & 1; }
bool Subset(uint64_t a, uint64_t b) { return (a & ~b) == 0; }

// "\t0\t0\t0\t0" into four ids.
bool ParseIds(std::string_view s, uint32_t (&ids)[4]) {
  for (uint32_t& id : ids) {
    while (!s.empty() && s[0] == '\t') s.remove_prefix(1);
    const size_t end = s.find('\t');
    unsigned long v;
    if (!crt::ParseUnsigned(crt::Slice(s, 0, end), &v)) return false;
    id = static_cast<uint32_t>(v);
    s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  }
  return true;
}

// The plan with the set-id bits honoured or not (cap_bprm_creds_from_file without file
// capabilities, and without the ptrace downgrade: nothing traces a userland exec's new program).
CredPlan Transition(const Creds& now, const ExecFile& file, bool honour_setid) {
  CredPlan plan;
  Creds& next = plan.next;
  next = now;
  if (honour_setid && !file.nosuid_mount && !now.no_new_privs) {
    if (file.mode & S_ISUID) {
      plan.clear_personality = true;
      next.uid[Creds::kEffective] = file.uid;
    }
    if ((file.mode & kSetGid) == kSetGid) {
      plan.clear_personality = true;
      next.gid[Creds::kEffective] = file.gid;
    }
  }
  const bool euid_root = next.uid[Creds::kEffective] == 0, ruid_root = next.uid[Creds::kReal] == 0;
  // handle_privileged_root: root gets the bounding set (and inheritable); effective if euid 0.
  uint64_t permitted = euid_root || ruid_root ? (now.bounding | now.inheritable) : 0;
  if (!Subset(permitted, now.permitted)) plan.clear_personality = true;
  const bool is_setid = next.uid[Creds::kEffective] != now.uid[Creds::kReal] ||
                        next.gid[Creds::kEffective] != now.gid[Creds::kReal];
  next.uid[Creds::kSaved] = next.uid[Creds::kFs] = next.uid[Creds::kEffective];
  next.gid[Creds::kSaved] = next.gid[Creds::kFs] = next.gid[Creds::kEffective];
  if (is_setid) next.ambient = 0;
  permitted |= next.ambient;
  next.permitted = permitted;
  next.effective = euid_root ? permitted : next.ambient;
  plan.secure = is_setid || (!ruid_root && (euid_root || !Subset(permitted, next.ambient)));
  for (int i = 0; i < 4; ++i) {
    plan.changes_ids |= next.uid[i] != now.uid[i] || next.gid[i] != now.gid[i];
  }
  plan.changes_caps = next.permitted != now.permitted || next.effective != now.effective;
  plan.clears_ambient = next.ambient != now.ambient;
  return plan;
}

bool IdsAllowed(const uint32_t (&now)[4], const uint32_t (&next)[4], bool capable) {
  if (capable) return true;
  for (int i = Creds::kReal; i <= Creds::kSaved; ++i) {
    if (next[i] != now[0] && next[i] != now[1] && next[i] != now[2]) return false;
  }
  return true;
}

}  // namespace

bool ParseStatusCreds(std::string_view status, Creds* out) {
  Creds c;
  int found = 0;
  (void)crt::ForEachLine(status, [&](std::string_view line) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return true;
    const std::string_view key = crt::Slice(line, 0, colon);
    std::string_view value = crt::Slice(line, colon + 1);
    while (!value.empty() && value[0] == '\t') value.remove_prefix(1);
    bool ok = true;
    if (key == "Uid") ok = ParseIds(value, c.uid);
    else if (key == "Gid") ok = ParseIds(value, c.gid);
    else if (key == "CapInh") ok = crt::ParseHex(value, &c.inheritable);
    else if (key == "CapPrm") ok = crt::ParseHex(value, &c.permitted);
    else if (key == "CapEff") ok = crt::ParseHex(value, &c.effective);
    else if (key == "CapBnd") ok = crt::ParseHex(value, &c.bounding);
    else if (key == "CapAmb") ok = crt::ParseHex(value, &c.ambient);
    else if (key == "NoNewPrivs") c.no_new_privs = value == "1";
    else return true;
    found += ok ? 1 : -100;
    return true;
  });
  if (found != 8) return false;
  *out = c;
  return true;
}

bool EffectiveIdsDiffer(const Creds& c) {
  return c.uid[Creds::kEffective] != c.uid[Creds::kReal] || c.gid[Creds::kEffective] != c.gid[Creds::kReal];
}

unsigned long DumpableAfterExec(const Creds& now, unsigned long suid_dumpable) {
  return EffectiveIdsDiffer(now) ? suid_dumpable : 1;
}

bool CanApply(const Creds& now, const Creds& next) {
  if (!IdsAllowed(now.uid, next.uid, Has(now.effective, kCapSetuid))) return false;
  if (!IdsAllowed(now.gid, next.gid, Has(now.effective, kCapSetgid))) return false;
  // capset never raises permitted; setresuid away from every uid 0 empties it (no keep-caps).
  const bool all_nonroot = next.uid[0] && next.uid[1] && next.uid[2];
  const bool had_root = !now.uid[0] || !now.uid[1] || !now.uid[2];
  if (all_nonroot && had_root && next.permitted) return false;
  return Subset(next.permitted, now.permitted) && Subset(next.effective, next.permitted) &&
         Subset(next.ambient, now.ambient);
}

bool CredsOfPlainExec(std::span<const crt::AuxEntry> auxv, Creds* out) {
  Creds c;
  c.ids_only = true;
  const struct {
    uint64_t type;
    uint32_t* id;
  } slots[] = {{AT_UID, &c.uid[Creds::kReal]},
               {AT_EUID, &c.uid[Creds::kEffective]},
               {AT_GID, &c.gid[Creds::kReal]},
               {AT_EGID, &c.gid[Creds::kEffective]}};
  unsigned found = 0;  // a bit per slot
  for (const crt::AuxEntry& e : auxv) {
    if (e.type == AT_SECURE && e.value != 0) return false;
    for (unsigned i = 0; i < std::size(slots); ++i) {
      if (e.type != slots[i].type) continue;
      *slots[i].id = static_cast<uint32_t>(e.value);
      found |= 1u << i;
    }
  }
  // Not secure means the effective ids are the real ones, and every exec sets saved and fs ids
  // to the effective ones (docs/execve.md#E13).
  if (found != (1u << std::size(slots)) - 1 || EffectiveIdsDiffer(c)) return false;
  c.uid[Creds::kSaved] = c.uid[Creds::kFs] = c.uid[Creds::kReal];
  c.gid[Creds::kSaved] = c.gid[Creds::kFs] = c.gid[Creds::kReal];
  *out = c;
  return true;
}

bool IsSetId(uint32_t mode) { return (mode & S_ISUID) != 0 || (mode & kSetGid) == kSetGid; }

CredPlan PlanExecCreds(const Creds& now, const ExecFile& file) {
  // An exec that was not secure left the capability sets as this exec of a file that is not
  // set-id computes them (the bounding and inheritable sets for root, the ambient one else).
  if (now.ids_only) return CredPlan{.next = now, .as_nosuid = IsSetId(file.mode)};
  CredPlan plan = Transition(now, file, true);
  if (CanApply(now, plan.next)) return plan;
  plan = Transition(now, file, false);
  plan.as_nosuid = true;
  if (!CanApply(now, plan.next)) {  // root that gave up capabilities: never more than it has
    plan.next.permitted &= now.permitted;
    plan.next.effective &= plan.next.permitted;
    plan.changes_caps = plan.next.permitted != now.permitted || plan.next.effective != now.effective;
  }
  return plan;
}

void SetAuxvCreds(const CredPlan& plan, std::span<crt::AuxEntry> auxv) {
  for (crt::AuxEntry& e : auxv) {
    if (e.type == AT_UID) e.value = plan.next.uid[Creds::kReal];
    else if (e.type == AT_EUID) e.value = plan.next.uid[Creds::kEffective];
    else if (e.type == AT_GID) e.value = plan.next.gid[Creds::kReal];
    else if (e.type == AT_EGID) e.value = plan.next.gid[Creds::kEffective];
    else if (e.type == AT_SECURE) e.value = plan.secure ? 1 : 0;
  }
}

KernelCaps ToKernelCaps(const Creds& creds) {
  KernelCaps caps{{KernelCaps::kVersion3, 0}, {}};
  for (int i = 0; i < 2; ++i) {
    const int shift = 32 * i;
    caps.data[i] = {static_cast<uint32_t>(creds.effective >> shift), static_cast<uint32_t>(creds.permitted >> shift),
                    static_cast<uint32_t>(creds.inheritable >> shift)};
  }
  return caps;
}

}  // namespace ulexec
