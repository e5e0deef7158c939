// Rollback: undoing what the exec did before its point of no return (rollback.h).
#include "rollback.h"

#include "host-checks.h"

#include <crt/sys.h>

#include <signal.h>

namespace ulexec {

Rollback::~Rollback() {
  for (const Mapping& image : images) {
    if (image.size) Unmap(image);
  }
  vdso.Undo();
  handoff.Release();
  for (int fd : own_fds) {
    if (fd >= 0) (void)crt::sys::Close(fd);
  }
  if (rseq_area) RegisterRseq(rseq_area);
  if (personality_changed) (void)crt::sys::Personality(personality);
  if (mask_changed) (void)crt::sys::RtSigprocmask(SIG_SETMASK, &mask, nullptr);
}

}  // namespace ulexec
