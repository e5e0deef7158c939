// The loader's static buffers (see static-buffers.h for their sizes).
#include "static-buffers.h"

namespace ulexec::buffers {

ProgramFile program, interpreter;
char interp_path[kMaxInterpSize];
Shebang shebangs[kMaxScriptDepth + 1];
char maps[256 * 1024];
crt::AuxEntry auxv[64];
char timers[64 * 1024];
int cloexec_fds[32768];
char fd_name[32];
char fd_link[256];

}  // namespace ulexec::buffers
