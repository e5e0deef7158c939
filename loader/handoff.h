// The hand-off area: one anonymous mapping holding, in its first page, a copy of the hand-off
// stub (arch/<arch>/handoff.S) and the entry frame, and after it the table of operations to run
// past the point of no return and their data (the new stack image, the prctl map, strings).
//
//   Create()  maps the area (reversible: Release() unmaps it)
//   Syscall() / Copy() / Payload()   fill the table
//   Seal()    writes the entry frame and makes the stub page read+execute (still reversible)
//   Enter()   the point of no return
//
// After the jump only the stub's page remains in the new program (the stub unmaps the table).
#pragma once

#include "error.h"
#include "page.h"

#include <cstddef>
#include <cstdint>

namespace ulexec {

class Handoff {
 public:
  enum Flags : uint64_t {
    kMustSucceed = 0,
    kMayFail = 1,
    kSkipNextIfOk = 2,
  };

  // The stub's page, then the table (a header and 64 bytes per op) and the payload.
  static constexpr uint64_t TableBytes(size_t max_ops) { return 32 + 64 * max_ops; }
  static constexpr uint64_t AreaSize(size_t max_ops, size_t payload_bytes) {
    return kPageSize + PageAlign(TableBytes(max_ops) + payload_bytes + 16);
  }

  // Maps the area at `hint` (or wherever the kernel finds room: check start()).
  [[nodiscard]] bool Create(size_t max_ops, size_t payload_bytes, uint64_t hint, Error& error);
  void Release();

  uint64_t start() const { return start_; }
  uint64_t size() const { return size_; }

  void Syscall(long nr, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0, uint64_t a5 = 0,
               uint64_t a6 = 0, uint64_t flags = kMustSucceed);
  void Copy(uint64_t dst, const void* src, uint64_t len);
  // Bump-allocates `bytes` of zeroed payload, 16-byte aligned; nullptr when full.
  void* Payload(size_t bytes);
  bool overflowed() const { return overflow_; }

  [[nodiscard]] bool Seal(uint64_t entry, uint64_t sp, uint64_t sigmask, Error& error);
  [[noreturn]] void Enter();

 private:
  struct Op {
    int64_t nr;
    uint64_t args[6];
    uint64_t flags;
  };
  struct Header {
    uint64_t count, unmap_base, unmap_len, reserved;
  };
  static_assert(sizeof(Op) == 64 && sizeof(Header) == 32);

  uint64_t start_ = 0, size_ = 0;
  Header* header_ = nullptr;
  Op* ops_ = nullptr;
  size_t count_ = 0, max_ops_ = 0;
  char* payload_ = nullptr;
  size_t payload_used_ = 0, payload_size_ = 0;
  bool overflow_ = false;
};

}  // namespace ulexec
