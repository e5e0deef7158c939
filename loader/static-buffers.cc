// The loader's static buffers (see static-buffers.h for their sizes).
#include "static-buffers.h"

namespace ulexec {
namespace {

// Each user sets what it reads first (Resolve resets the program's ProgramFile, OpenInterpreter
// the interpreter's, ParseShebang fills its line), so the buffers only cost the pages an exec
// actually writes. In .lbss, which the linker puts after all of .bss: the small hot .bss (crt's
// TLS block, the exec's DryRun) then shares one page instead of lying on both sides of them.
[[gnu::section(".lbss.ulexec_buffers")]] Unconstructed<StaticBuffers> g_buffers;

}  // namespace

StaticBuffers& Buffers() { return g_buffers.get(); }

}  // namespace ulexec
