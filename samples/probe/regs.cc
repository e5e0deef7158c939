// Section `regs`: the register state at the ELF entry point, as entry.S saved it (spec B2-B5).
// Only the crt builds have it; in a libc build the C library's start-up code ran first.
#include "probe.h"

namespace probe {
namespace {

constexpr std::string_view kGprNames[16] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
                                            "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
constexpr std::string_view kSegNames[6] = {"cs", "ss", "ds", "es", "fs", "gs"};

bool AllZero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

// 128 bits as 32 hex digits, most significant first.
void Hex128(crt::Writer& w, const uint8_t (&v)[16]) {
  char digits[34] = {'0', 'x'};
  for (int i = 0; i < 16; ++i) {
    digits[2 + 2 * i] = "0123456789abcdef"[v[15 - i] >> 4];
    digits[3 + 2 * i] = "0123456789abcdef"[v[15 - i] & 15];
  }
  w << std::string_view(digits, sizeof digits);
}

// A register that should hold a plain number. A pointer left behind (say by a loader) is shown
// by what it points at, with the raw value under `addr.` so that the ordinary key stays stable.
void Value(const Context& ctx, crt::Writer& w, std::string_view key, uint64_t v) {
  if (ctx.IsAddress(v)) {
    w << "regs." << key << ": ";
    ctx.Describe(w, v);
    w << '\n' << "addr.regs." << key << ": " << crt::Hex{v} << '\n';
  } else {
    w << "regs." << key << ": " << crt::Hex{v} << '\n';
  }
}

void Base(const Context& ctx, crt::Writer& w, std::string_view key, uint64_t v, int64_t rc) {
  if (rc != 0) {
    w << "regs." << key << ": " << Errno{static_cast<int>(-rc)} << '\n';
    return;
  }
  Value(ctx, w, key, v);
}

}  // namespace

void ReportRegs(const Context& ctx, crt::Writer& w) {
  const EntryState* e = ctx.entry;
  if (e == nullptr || !e->valid) {
    w << "regs: unavailable (libc build)\n";
    return;
  }
  w << "regs: saved at entry\n";
  for (int i = 0; i < 16; ++i) {
    if (i == kRsp) continue;
    Value(ctx, w, kGprNames[i], e->gpr[i]);
  }
  const uint64_t rsp = e->gpr[kRsp];
  w << "addr.regs.rsp: " << crt::Hex{rsp} << '\n';
  w << "regs.rsp: sp" << Offset{static_cast<long long>(rsp - reinterpret_cast<uintptr_t>(ctx.sp))} << '\n';
  w << "regs.rsp.mod16: " << rsp % 16 << '\n';
  w << "regs.rflags: " << crt::Hex{e->rflags} << '\n';
  for (int i = 0; i < 6; ++i) w << "regs." << kSegNames[i] << ": " << crt::Hex{e->seg[i]} << '\n';
  Base(ctx, w, "fs_base", e->fs_base, e->fs_base_rc);
  Base(ctx, w, "gs_base", e->gs_base, e->gs_base_rc);
  w << "regs.fcw: " << crt::Hex{e->fx.fcw} << '\n';
  w << "regs.fsw: " << crt::Hex{e->fx.fsw} << '\n';
  w << "regs.ftw: " << crt::Hex{e->fx.ftw} << '\n';
  w << "regs.mxcsr: " << crt::Hex{e->fx.mxcsr} << '\n';
  w << "regs.st: ";
  bool any = false;
  for (int i = 0; i < 8; ++i) {
    if (AllZero(e->fx.st[i], 10)) continue;
    w << (any ? "," : "nonzero ") << "st" << i;
    any = true;
  }
  w << (any ? "\n" : "all zero\n");
  for (int i = 0; i < 16; ++i) {
    w << "regs.xmm" << i << ": ";
    Hex128(w, e->fx.xmm[i]);
    w << '\n';
  }
  w << "regs.ymm_upper: ";
  if (!e->has_ymm) {
    w << "unavailable (no AVX)\n";
  } else {
    any = false;
    for (int i = 0; i < 16; ++i) {
      if (AllZero(e->ymm_hi[i], 16)) continue;
      w << (any ? "," : "nonzero ") << "ymm" << i;
      any = true;
    }
    w << (any ? "\n" : "all zero\n");
  }
}

}  // namespace probe
