// Entering the program through its own signal restorer (docs/execve.md#B6): the x86-64 bytes of
// the restorer and of the stub planted just before it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ulexec::arch {

// The stub: munmap(unmap_start, unmap_len); madvise(drop_start, drop_len, MADV_DONTNEED), its
// `syscall` ending exactly where the restorer begins. The madvise discards the page copy that
// holds the stub, so the next instruction is fetched from the file's own bytes: the restorer.
constexpr size_t kRestorerStubSize = 49;

// Offset in `text` of the first signal restorer (`mov $15,%rax; syscall` or `mov $15,%eax;
// syscall`, i.e. rt_sigreturn) at or after `from` with at least kRestorerStubSize bytes before it,
// or -1.
long FindRestorer(std::span<const unsigned char> text, size_t from);

void WriteRestorerStub(std::span<unsigned char, kRestorerStubSize> out, uint64_t unmap_start, uint64_t unmap_len,
                       uint64_t drop_start, uint64_t drop_len);

}  // namespace ulexec::arch
