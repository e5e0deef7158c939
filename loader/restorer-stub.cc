// Stage: the stub before the program's signal restorer (restorer-stub.h).
#include "restorer-stub.h"

#include "proc-files.h"
#include "restorer-entry.h"

#include <crt/sys.h>
#include <ulexec/arch/entry-frame.h>
#include <ulexec/arch/restorer.h>

#include <fcntl.h>

namespace ulexec {
namespace {

// Writes into this process's own memory as ptrace would, past page protections: a read-only
// private file page gets a private copy and keeps its mapping's flags (no `ac`, as an mprotect
// to writable would add). `dumpable_window`: as OpenOwnProcFile.
bool WriteOwnMemory(uint64_t address, const void* bytes, size_t size, bool dumpable_window) {
  auto fd = OpenOwnProcFile("/proc/self/mem", O_RDWR, dumpable_window);
  if (!fd) return false;
  auto written = crt::sys::Pwrite(fd.value(), bytes, size, static_cast<off_t>(address));
  (void)crt::sys::Close(fd.value());
  return written && written.value() == size;
}

}  // namespace

uint64_t PlantRestorerStub(const ExecPlan& plan, const Mapping (&mapped)[2], uint64_t sigmask, Handoff& handoff) {
  const uint64_t frame = plan.stack.entry_frame;
  // The stub's immediates: the area's length must fit 32 bits (it is a few pages).
  if (handoff.size() > UINT32_MAX) return 0;
  const unsigned char* const images[2] = {reinterpret_cast<const unsigned char*>(mapped[0].start),
                                          reinterpret_cast<const unsigned char*>(mapped[1].start)};
  RestorerEntry at;
  const int i = ChooseRestorer(plan, images, &at);
  if (i < 0) return 0;
  const uint64_t final = plan.images[i].place.range.start;
  unsigned char stub[arch::kRestorerStubSize];
  arch::WriteRestorerStub(stub, handoff.start(), handoff.size(), final + at.drop, at.drop_len);
  void* copy = handoff.Payload(arch::kEntryFrameSize);
  if (copy == nullptr || !WriteOwnMemory(mapped[i].start + at.stub, stub, sizeof stub, plan.own_mem_in_dumpable_window)) return 0;
  arch::WriteEntryFrame(copy, plan.entry, plan.stack.layout.sp, sigmask);
  handoff.Copy(frame, copy, arch::kEntryFrameSize);
  handoff.EnterThrough(final + at.stub, frame);
  return final + at.restorer;
}

}  // namespace ulexec
