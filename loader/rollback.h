// Rollback: everything the exec did to the process before its point of no return, owned here
// and undone in the destructor. The hand-off never returns, so on success none of it runs.
#pragma once

#include "handoff.h"
#include "mapper.h"
#include "vdso.h"

#include <cstdint>

namespace ulexec {

struct Rollback {
  Mapping images[2];              // mapped by Stage (size 0: not mapped)
  Handoff handoff;                // the hand-off area, once created
  // The program (or its memfd), the interpreter, the last #! interpreter, the file a binfmt_misc
  // O entry passes on (Target::execfd_file).
  int own_fds[4] = {-1, -1, -1, -1};
  uint64_t rseq_area = 0;         // the C library's rseq area, unregistered
  VdsoMove vdso;                  // a vDSO block moved before the point of no return
  bool personality_changed = false;
  unsigned long personality = 0;
  // own_fds are opened close-on-exec, but for a #! script from memory, whose memfd (own_fds[0])
  // stays open for its interpreter.
  bool memfd_inherited = false;
  bool mask_changed = false;
  uint64_t mask = 0;  // the caller's signal mask

  Rollback() = default;
  Rollback(const Rollback&) = delete;
  Rollback& operator=(const Rollback&) = delete;
  ~Rollback();
};

}  // namespace ulexec
