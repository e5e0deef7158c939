// crt's signal trampoline, __restore_rt, decoded with Zydis: exactly `mov rax, 0xF` (rt_sigreturn)
// then `syscall`, after a `nop`. gdb and libgcc's unwinder find signal frames by these bytes.
// Checked in crt_core as linked into this test, and in the linked sigdemo binaries on disk.
#include "harness.h"

#include <crt/signal.h>

#include <Zydis/Zydis.h>

#include <cstring>
#include <string>
#include <vector>

namespace crt_test {
namespace {

struct Decoded {
  ZydisDecodedInstruction insn;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
  std::string text;  // Intel syntax, immediates unpadded
};

// Decodes all of `bytes` into instructions; fails if any byte does not decode.
::testing::AssertionResult DecodeAll(const std::vector<uint8_t>& bytes, std::vector<Decoded>* out) {
  ZydisDecoder decoder;
  if (!ZYAN_SUCCESS(ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64))) {
    return ::testing::AssertionFailure() << "ZydisDecoderInit";
  }
  ZydisFormatter formatter;
  if (!ZYAN_SUCCESS(ZydisFormatterInit(&formatter, ZYDIS_FORMATTER_STYLE_INTEL)) ||
      !ZYAN_SUCCESS(ZydisFormatterSetProperty(&formatter, ZYDIS_FORMATTER_PROP_IMM_PADDING, ZYDIS_PADDING_DISABLED))) {
    return ::testing::AssertionFailure() << "ZydisFormatterInit";
  }
  size_t off = 0;
  while (off < bytes.size()) {
    Decoded d;
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, bytes.data() + off, bytes.size() - off, &d.insn, d.ops))) {
      return ::testing::AssertionFailure() << "cannot decode at offset " << off;
    }
    char text[96];
    if (!ZYAN_SUCCESS(ZydisFormatterFormatInstruction(&formatter, &d.insn, d.ops, d.insn.operand_count_visible, text,
                                                      sizeof text, off, ZYAN_NULL))) {
      return ::testing::AssertionFailure() << "cannot format at offset " << off;
    }
    d.text = text;
    off += d.insn.length;
    out->push_back(d);
  }
  return ::testing::AssertionSuccess();
}

// The restorer's own bytes: `mov rax, 0xF` then `syscall`, 9 bytes, nothing else.
void ExpectRestorer(const std::vector<uint8_t>& bytes) {
  EXPECT_EQ(bytes, (std::vector<uint8_t>{0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05}));
  std::vector<Decoded> insns;
  ASSERT_TRUE(DecodeAll(bytes, &insns));
  ASSERT_EQ(insns.size(), 2u);

  const Decoded& mov = insns[0];
  EXPECT_EQ(mov.text, "mov rax, 0xF");
  EXPECT_EQ(mov.insn.mnemonic, ZYDIS_MNEMONIC_MOV);
  EXPECT_EQ(mov.insn.length, 7);
  ASSERT_EQ(mov.insn.operand_count_visible, 2);
  EXPECT_EQ(mov.ops[0].type, ZYDIS_OPERAND_TYPE_REGISTER);
  EXPECT_EQ(mov.ops[0].reg.value, ZYDIS_REGISTER_RAX);
  EXPECT_EQ(mov.ops[1].type, ZYDIS_OPERAND_TYPE_IMMEDIATE);
  EXPECT_EQ(mov.ops[1].imm.value.s, 15);  // __NR_rt_sigreturn

  const Decoded& syscall = insns[1];
  EXPECT_EQ(syscall.text, "syscall");
  EXPECT_EQ(syscall.insn.mnemonic, ZYDIS_MNEMONIC_SYSCALL);
  EXPECT_EQ(syscall.insn.length, 2);
}

// The byte just before it: a one-byte nop (musl 54991729: keeps a return address at the end of
// the previous function from being taken for the trampoline).
void ExpectNopBefore(uint8_t byte) {
  std::vector<Decoded> insns;
  ASSERT_TRUE(DecodeAll({byte}, &insns));
  ASSERT_EQ(insns.size(), 1u);
  EXPECT_EQ(insns[0].insn.mnemonic, ZYDIS_MNEMONIC_NOP);
  EXPECT_EQ(insns[0].text, "nop");
}

TEST(RestorerTest, LinkedRestorerDecodesToRtSigreturn) {
  // Read through an opaque pointer: the compiler may not reason about bytes around a function.
  const uint8_t* p;
  __asm__("" : "=r"(p) : "0"(reinterpret_cast<uintptr_t>(&__restore_rt)));
  ExpectRestorer(std::vector<uint8_t>(p, p + 9));
  ExpectNopBefore(p[-1]);
}

TEST(RestorerTest, DecodeAllRejectsAnythingElse) {
  // The checks above would catch a restorer that is one instruction too long or uses eax.
  std::vector<Decoded> insns;
  ASSERT_TRUE(DecodeAll({0xb8, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05}, &insns));  // mov eax, 15; syscall
  ASSERT_EQ(insns.size(), 2u);
  EXPECT_EQ(insns[0].text, "mov eax, 0xF");
  EXPECT_NE(insns[0].ops[0].reg.value, ZYDIS_REGISTER_RAX);
}

class RestorerInBinaryTest : public ::testing::TestWithParam<const char*> {};

TEST_P(RestorerInBinaryTest, SymbolDecodesToRtSigreturn) {
  const std::string path = Binary(std::string("sigdemo-") + GetParam());
  SymbolBytes sym;
  ASSERT_TRUE(ReadSymbolBytes(path, "__restore_rt", &sym));
  EXPECT_EQ(sym.size, 9u);
  ExpectRestorer(sym.bytes);
  ASSERT_FALSE(sym.before.empty());
  ExpectNopBefore(sym.before.back());
}

INSTANTIATE_TEST_SUITE_P(Kinds, RestorerInBinaryTest, ::testing::Values("static", "static-pie"),
                         [](const auto& info) { return std::string(info.param) == "static" ? "Static" : "StaticPie"; });

}  // namespace
}  // namespace crt_test
