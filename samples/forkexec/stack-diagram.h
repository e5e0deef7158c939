// --explain-stack: the top of the new stack drawn from the very bytes the loader built (the
// EntryView that Options::before_entry receives), high addresses first. Pure: bytes in, text out.
#pragma once

#include <crt/format.h>
#include <ulexec/ulexec.h>

namespace forkexec {

void DrawStack(const ulexec::EntryView& view, crt::Writer& out);

}  // namespace forkexec
