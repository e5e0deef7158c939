// The vDSO block ([vvar], [vvar_vclock], [vdso]) moved as one piece, keeping its pieces' relative
// places (spec C7): early and reversibly when its new place is free, else by the hand-off.
#pragma once

#include "process-state.h"

#include <cstdint>

namespace ulexec {

// A move made before the point of no return, for Rollback: the block is at `now`, having come
// from `block.range.start`, through `aside` (a reservation) when the two overlap.
struct VdsoMove {
  VdsoBlock block;
  uint64_t now = 0;    // 0: nothing moved
  uint64_t aside = 0;  // 0: no reservation
  void Undo() const;
};

// Moves the block from `from` to `to` (places that do not overlap) now. On failure the pieces
// already moved go back, so the block is whole at `from` again.
[[nodiscard]] bool MoveVdso(const VdsoBlock& block, uint64_t from, uint64_t to);

// Moves the block to `to` now, through a reservation at `aside` (0: directly) when the old and
// new places overlap, and records in `done` what to undo. Returns false with nothing moved if the
// reservation cannot be made; fails with ENOMEM if a move fails.
[[nodiscard]] bool MoveVdsoEarly(const VdsoBlock& block, uint64_t to, uint64_t aside, VdsoMove* done, Error& error);

}  // namespace ulexec
