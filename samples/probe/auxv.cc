// Sections `auxv` and `image`.
//
// auxv: every entry in stack order (spec A10), AT_NULL included, each under its name (unknown
// types as auxv.unknown.N, repeats as NAME#2...). Numbers are printed as numbers; pointers by
// what they point at, with the absolute value under `addr.auxv.*`.
//
// image: the main executable as mapped (its ELF header at __ehdr_start).
#include "probe.h"

#include <crt/names.h>
#include <crt/string.h>

#include <elf.h>

namespace probe {
namespace {

using crt::AuxKind;
using crt::AuxType;

// The key for entry i: "AT_PHDR", "unknown.99", with "#2", "#3"... for repeats of a type.
void AuxKey(crt::Writer& w, const crt::AuxEntry* auxv, size_t i) {
  const AuxType* info = crt::FindAuxType(auxv[i].type);
  if (info) w << info->name;
  else w << "unknown." << auxv[i].type;
  int seen = 1;
  for (size_t j = 0; j < i; ++j) seen += auxv[j].type == auxv[i].type;
  if (seen > 1) w << '#' << seen;
}

// Where a string pointed to by the auxv sits: relative to the stack's end when it is on the
// stack (A2 fixes AT_EXECFN there), else by mapping.
void DescribeString(const Context& ctx, crt::Writer& w, uintptr_t v) {
  w << Quoted{crt::View(reinterpret_cast<const char*>(v))} << " at ";
  if (ctx.stack && ctx.Find(v) == ctx.stack) {
    w << "stack_end" << Offset{static_cast<long long>(v - ctx.StackEnd())};
  } else {
    ctx.Describe(w, v);
  }
}

void AuxValue(const Context& ctx, crt::Writer& w, const AuxType* info, const crt::AuxEntry& e) {
  const AuxKind kind = info ? info->kind : (ctx.IsAddress(e.value) ? AuxKind::kAddress : AuxKind::kHex);
  const uintptr_t random = ctx.process.Aux(AT_RANDOM);
  switch (kind) {
    case AuxKind::kNumber:
      w << e.value;
      break;
    case AuxKind::kHex:
      w << crt::Hex{e.value};
      break;
    case AuxKind::kAddress:
      ctx.Describe(w, e.value);
      break;
    case AuxKind::kString:
      if (e.value == 0) {
        w << "0x0";
      } else if (e.type == AT_PLATFORM && random != 0 && ctx.Find(e.value) == ctx.Find(random)) {
        w << Quoted{crt::View(reinterpret_cast<const char*>(e.value))} << " at AT_RANDOM"
          << Offset{static_cast<long long>(e.value - random)};
      } else {
        DescribeString(ctx, w, e.value);
      }
      break;
    case AuxKind::kRandom:
      ctx.Describe(w, e.value);
      w << " mod16=" << e.value % 16;
      break;
  }
}

}  // namespace

void ReportAuxv(const Context& ctx, crt::Writer& w) {
  const crt::AuxEntry* auxv = ctx.process.auxv;
  const size_t n = ctx.process.AuxCount();
  w << "auxv.count: " << n << '\n';
  w << "auxv.order:";
  for (size_t i = 0; i < n; ++i) {
    w << ' ';
    AuxKey(w, auxv, i);
  }
  w << '\n';
  for (size_t i = 0; i < n; ++i) {
    const AuxType* info = crt::FindAuxType(auxv[i].type);
    w << "auxv.";
    AuxKey(w, auxv, i);
    w << ": ";
    AuxValue(ctx, w, info, auxv[i]);
    w << '\n';
    const bool pointer = info ? crt::IsPointer(info->kind) : ctx.IsAddress(auxv[i].value);
    if (pointer && auxv[i].value != 0) {
      w << "addr.auxv.";
      AuxKey(w, auxv, i);
      w << ": " << crt::Hex{auxv[i].value} << '\n';
    }
  }
}

void ReportImage(const Context& ctx, crt::Writer& w) {
  const auto* ehdr = reinterpret_cast<const Elf64_Ehdr*>(ctx.image_base);
  const auto* phdr = reinterpret_cast<const Elf64_Phdr*>(ctx.image_base + ehdr->e_phoff);
  uintptr_t first_vaddr = 0;
  bool have_load = false;
  std::string_view interp;
  for (size_t i = 0; i < ehdr->e_phnum; ++i) {
    if (phdr[i].p_type == PT_LOAD && !have_load) {
      first_vaddr = phdr[i].p_vaddr & ~uintptr_t{4095};
      have_load = true;
    }
  }
  const uintptr_t bias = ctx.image_base - first_vaddr;
  for (size_t i = 0; i < ehdr->e_phnum; ++i) {
    if (phdr[i].p_type == PT_INTERP) interp = crt::View(reinterpret_cast<const char*>(bias + phdr[i].p_vaddr));
  }
  w << "image.type: " << (ehdr->e_type == ET_EXEC ? "ET_EXEC" : ehdr->e_type == ET_DYN ? "ET_DYN" : "other") << '\n';
  w << "image.interp: ";
  if (interp.empty()) w << "none\n";
  else w << Quoted{interp} << '\n';
  w << "image.path: " << Quoted{ctx.image_path} << '\n';
  w << "image.phnum: " << ehdr->e_phnum << '\n';
  w << "image.phdr: image" << Offset{static_cast<long long>(ehdr->e_phoff)} << '\n';
  w << "image.entry: image" << Offset{static_cast<long long>(ehdr->e_entry + bias - ctx.image_base)} << '\n';
  w << "image.end: image" << Offset{static_cast<long long>(ctx.image_end - ctx.image_base)} << '\n';
  w << "image.load_bias: " << (bias == 0 ? "0" : "nonzero") << '\n';
  w << "addr.image.base: " << crt::Hex{ctx.image_base} << '\n';
  w << "addr.image.load_bias: " << crt::Hex{bias} << '\n';
}

}  // namespace probe
