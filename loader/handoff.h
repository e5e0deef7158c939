// The hand-off area: one anonymous mapping holding, in its first page, a copy of the hand-off
// stub (arch/<arch>/handoff.S) and the entry frame, and after it the table of operations to run
// past the point of no return and their data (the new stack image, the prctl map, strings).
//
//   Create()  maps the area (reversible: Release() unmaps it)
//   Syscall() / Copy() / Payload()   fill the table
//   Seal()    writes the entry frame and makes the stub page read+execute (still reversible)
//   Enter()   the point of no return
//
// After the jump nothing of the area remains when the hand-off enters through the program's own
// signal restorer (EnterThrough(), docs/execve.md#B6); otherwise the stub's page remains.
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
  static constexpr uint64_t TableBytes(size_t max_ops) { return 48 + 64 * max_ops; }
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
  // Writes `len` zero bytes at `dst`: no page of zeros in the payload to copy from.
  void Zero(uint64_t dst, uint64_t len);
  // Bump-allocates `bytes` of zeroed payload, 16-byte aligned; nullptr when full.
  void* Payload(size_t bytes);
  bool overflowed() const { return overflow_; }

  // Enter through the restorer stub at `stub`, with the entry frame at `frame` (written there by
  // a Copy op of WriteEntryFrame's bytes) instead of in the area's first page.
  void EnterThrough(uint64_t stub, uint64_t frame) { stub_ = stub, stub_sp_ = frame + 8; }

  [[nodiscard]] bool Seal(uint64_t entry, uint64_t sp, uint64_t sigmask, Error& error);
  [[noreturn]] void Enter();

 private:
  struct Op {
    int64_t nr;
    uint64_t args[6];
    uint64_t flags;
  };
  struct Header {
    uint64_t count, unmap_base, unmap_len, stub, stub_sp, reserved;
  };
  static_assert(sizeof(Op) == 64 && sizeof(Header) == 48);  // TableBytes

  uint64_t start_ = 0, size_ = 0;
  uint64_t stub_ = 0, stub_sp_ = 0;
  Header* header_ = nullptr;
  Op* ops_ = nullptr;
  size_t count_ = 0, max_ops_ = 0;
  char* payload_ = nullptr;
  size_t payload_used_ = 0, payload_size_ = 0;
  bool overflow_ = false;
};

}  // namespace ulexec
