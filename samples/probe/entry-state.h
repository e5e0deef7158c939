// The register state probe_entry (entry.S) saves before any other instruction runs. Shared by the
// assembly (offsets as macros) and C++ (the struct, checked against the macros).
//
//   0     fxsave64 area (512 bytes): FCW, FSW, abridged FTW, MXCSR, ST0-7, XMM0-15
//   512   rax rbx rcx rdx rsi rdi rbp rsp r8 ... r15   (16 x 8)
//   640   rflags
//   648   FS base, GS base (arch_prctl ARCH_GET_FS / ARCH_GET_GS)
//   664   arch_prctl results for those two (0 or -errno)
//   680   cs ss ds es fs gs selectors (6 x 2)
//   696   1 when the upper YMM halves were saved (AVX enabled by the OS), else 0
//   704   upper halves of YMM0-15 (16 x 16)
//   960   1 once probe_entry has run
#pragma once

#define PROBE_ENTRY_FXSAVE 0
#define PROBE_ENTRY_GPR 512
#define PROBE_ENTRY_RFLAGS 640
#define PROBE_ENTRY_FSBASE 648
#define PROBE_ENTRY_GSBASE 656
#define PROBE_ENTRY_FSBASE_RC 664
#define PROBE_ENTRY_GSBASE_RC 672
#define PROBE_ENTRY_SEG 680
#define PROBE_ENTRY_HAS_YMM 696
#define PROBE_ENTRY_YMM_HI 704
#define PROBE_ENTRY_VALID 960
#define PROBE_ENTRY_SIZE 1024

#ifndef __ASSEMBLER__
#include <cstddef>
#include <cstdint>

namespace probe {

// Order of EntryState::gpr: the order in which entry.S stores them.
enum Gpr { kRax, kRbx, kRcx, kRdx, kRsi, kRdi, kRbp, kRsp, kR8, kR9, kR10, kR11, kR12, kR13, kR14, kR15 };

// The fxsave64 layout (Intel SDM vol. 1, table 10-2).
struct FxsaveArea {
  uint16_t fcw;
  uint16_t fsw;
  uint8_t ftw;  // abridged: one bit a register, 1 = valid
  uint8_t reserved1;
  uint16_t fop;
  uint64_t fip;
  uint64_t fdp;
  uint32_t mxcsr;
  uint32_t mxcsr_mask;
  uint8_t st[8][16];
  uint8_t xmm[16][16];
  uint8_t reserved2[96];
};
static_assert(sizeof(FxsaveArea) == 512);

struct alignas(64) EntryState {
  FxsaveArea fx;
  uint64_t gpr[16];
  uint64_t rflags;
  uint64_t fs_base;
  uint64_t gs_base;
  int64_t fs_base_rc;
  int64_t gs_base_rc;
  uint16_t seg[6];  // cs ss ds es fs gs
  uint32_t pad;
  uint64_t has_ymm;
  uint8_t ymm_hi[16][16];
  uint64_t valid;
  uint8_t tail[PROBE_ENTRY_SIZE - PROBE_ENTRY_VALID - 8];
};

static_assert(offsetof(EntryState, fx) == PROBE_ENTRY_FXSAVE);
static_assert(offsetof(EntryState, gpr) == PROBE_ENTRY_GPR);
static_assert(offsetof(EntryState, rflags) == PROBE_ENTRY_RFLAGS);
static_assert(offsetof(EntryState, fs_base) == PROBE_ENTRY_FSBASE);
static_assert(offsetof(EntryState, gs_base) == PROBE_ENTRY_GSBASE);
static_assert(offsetof(EntryState, fs_base_rc) == PROBE_ENTRY_FSBASE_RC);
static_assert(offsetof(EntryState, gs_base_rc) == PROBE_ENTRY_GSBASE_RC);
static_assert(offsetof(EntryState, seg) == PROBE_ENTRY_SEG);
static_assert(offsetof(EntryState, has_ymm) == PROBE_ENTRY_HAS_YMM);
static_assert(offsetof(EntryState, ymm_hi) == PROBE_ENTRY_YMM_HI);
static_assert(offsetof(EntryState, valid) == PROBE_ENTRY_VALID);
static_assert(sizeof(EntryState) == PROBE_ENTRY_SIZE);

}  // namespace probe

// Defined in entry.S; hidden, so C++ reaches it PC-relatively.
extern "C" probe::EntryState probe_entry_state __attribute__((visibility("hidden")));
#endif
