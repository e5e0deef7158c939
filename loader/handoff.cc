// The hand-off area: the stub's copy, the entry frame, the table of operations and their data
// (handoff.h).
#include "handoff.h"

#include "page.h"

#include <crt/errno-names.h>
#include <crt/string.h>
#include <crt/sys.h>
#include <ulexec/arch/entry-frame.h>

#include <errno.h>
#include <sys/mman.h>

extern "C" const char ulexec_handoff_begin[], ulexec_handoff_frame[], ulexec_handoff_end[];

namespace ulexec {
bool Handoff::Create(size_t max_ops, size_t payload_bytes, uint64_t hint, Error& error) {
  const uint64_t size = AreaSize(max_ops, payload_bytes);
  auto r = crt::sys::Mmap(reinterpret_cast<void*>(hint), size, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (!r) return error.Fail(r.error(), "cannot map the hand-off area: ", crt::ErrnoMessage(r.error()));
  start_ = reinterpret_cast<uint64_t>(r.value());
  size_ = size;
  memcpy(r.value(), ulexec_handoff_begin, static_cast<size_t>(ulexec_handoff_end - ulexec_handoff_begin));
  header_ = reinterpret_cast<Header*>(start_ + kPageSize);
  ops_ = reinterpret_cast<Op*>(header_ + 1);
  max_ops_ = max_ops;
  payload_ = reinterpret_cast<char*>(start_ + kPageSize + TableBytes(max_ops));
  payload_size_ = size - kPageSize - TableBytes(max_ops);
  return true;
}

void Handoff::Release() {
  if (size_) (void)crt::sys::Munmap(reinterpret_cast<void*>(start_), size_);
  size_ = 0;
}

void Handoff::Syscall(long nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6,
                      uint64_t flags) {
  if (count_ == max_ops_) {
    overflow_ = true;
    return;
  }
  ops_[count_++] = Op{nr, {a1, a2, a3, a4, a5, a6}, flags};
}

void Handoff::Copy(uint64_t dst, const void* src, uint64_t len) {
  Syscall(-1, dst, reinterpret_cast<uint64_t>(src), len);
}

void Handoff::Zero(uint64_t dst, uint64_t len) { Syscall(-2, dst, 0, len); }

void* Handoff::Payload(size_t bytes) {
  const size_t at = (payload_used_ + 15) & ~size_t{15};
  if (at + bytes > payload_size_) {
    overflow_ = true;
    return nullptr;
  }
  payload_used_ = at + bytes;
  return payload_ + at;
}

bool Handoff::Seal(uint64_t entry, uint64_t sp, uint64_t sigmask, Error& error) {
  if (overflow_) return error.Fail(E2BIG, "internal error: the hand-off table is too small");
  *header_ = Header{count_, start_ + kPageSize, size_ - kPageSize, stub_, stub_sp_, 0};
  char* stub = reinterpret_cast<char*>(start_);
  arch::WriteEntryFrame(stub + (ulexec_handoff_frame - ulexec_handoff_begin), entry, sp, sigmask);
  // A system call of its own, kept: the page is written first (stub, entry frame) and then run,
  // and no page of ulexec's is ever writable and executable at once.
  auto r = crt::sys::Mprotect(stub, kPageSize, PROT_READ | PROT_EXEC);
  if (!r) return error.Fail(r.error(), "cannot make the hand-off page executable: ", crt::ErrnoMessage(r.error()));
  return true;
}

void Handoff::Enter() { arch::ulexec_enter_handoff(reinterpret_cast<void*>(start_), header_); }

}  // namespace ulexec
