// The loader's static buffers (see static-buffers.h for their sizes).
#include "static-buffers.h"

namespace ulexec {
namespace {

StaticBuffers g_buffers;

}  // namespace

StaticBuffers& Buffers() { return g_buffers; }

}  // namespace ulexec
