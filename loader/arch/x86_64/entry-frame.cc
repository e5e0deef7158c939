// The rt_sigreturn frame that gives the program execve's registers (ulexec/arch/entry-frame.h).
#include <ulexec/arch/entry-frame.h>

#include <crt/string.h>

namespace ulexec::arch {
namespace {

// The kernel's struct sigcontext_64 and struct ucontext (arch/x86/include/uapi/asm/sigcontext.h).
struct SigContext {
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
  uint16_t cs, gs, fs, ss;
  uint64_t err, trapno, oldmask, cr2;
  uint64_t fpstate;  // 0: reset the FPU to its initial state
  uint64_t reserved1[8];
};
struct StackT {
  uint64_t sp;
  int32_t flags;
  int32_t pad;
  uint64_t size;
};
struct UContext {
  uint64_t flags;
  uint64_t link;
  StackT stack;
  SigContext mcontext;
  uint64_t sigmask;
};
struct RtSigframe {
  uint64_t pretcode;
  UContext uc;
  unsigned char siginfo[128];
};
static_assert(sizeof(SigContext) == 256);
static_assert(sizeof(RtSigframe) <= kEntryFrameSize);

constexpr uint16_t kUserCs = 0x33;
constexpr uint16_t kUserDs = 0x2b;
constexpr uint64_t kInitialFlags = 0x202;  // IF and the always-one bit 1; DF and TF clear
constexpr int32_t kSsDisable = 2;

}  // namespace

void WriteEntryFrame(void* frame, uint64_t entry, uint64_t sp, uint64_t sigmask) {
  RtSigframe f;
  memset(&f, 0, sizeof f);
  f.uc.stack.flags = kSsDisable;
  f.uc.mcontext.rip = entry;
  f.uc.mcontext.rsp = sp;
  f.uc.mcontext.eflags = kInitialFlags;
  f.uc.mcontext.cs = kUserCs;
  f.uc.mcontext.ss = kUserDs;
  f.uc.sigmask = sigmask;
  memcpy(frame, &f, sizeof f);
}

}  // namespace ulexec::arch
