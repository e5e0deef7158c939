// The loader's static buffers (see static-buffers.h for their sizes).
#include "static-buffers.h"

#include <new>

namespace ulexec {
namespace {

// Raw zero bytes, not a StaticBuffers: its member initialisers (ProgramFile::fd = -1, ...) would
// make it a dynamic initialiser that writes into several pages of .bss at every start, before
// main. Each user sets what it reads first (Resolve resets both ProgramFiles, ParseShebang fills
// its line), so the buffers only cost the pages an exec actually writes.
alignas(StaticBuffers) std::byte g_storage[sizeof(StaticBuffers)];

}  // namespace

// StaticBuffers is an aggregate, so an implicit-lifetime type: the byte array's storage holds one.
StaticBuffers& Buffers() { return *std::launder(reinterpret_cast<StaticBuffers*>(g_storage)); }

}  // namespace ulexec
