// The entry through the program's own signal restorer (loader/restorer-entry.cc and
// arch/x86_64/restorer.cc): finding the restorer in segment bytes, choosing the image, and the stub
// planted before it, decoded with Zydis as an independent reading of the bytes.
#include "page.h"
#include "restorer-entry.h"

#include <ulexec/arch/restorer.h>

#include <Zydis/Zydis.h>
#include <gtest/gtest.h>

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace ulexec {
namespace {

using Bytes = std::vector<unsigned char>;
const Bytes kRaxRestorer = {0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05};
const Bytes kEaxRestorer = {0xb8, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05};

Bytes Filler(size_t n) { return Bytes(n, 0x90); }
void Put(Bytes& b, size_t at, const Bytes& what) { std::memcpy(b.data() + at, what.data(), what.size()); }

TEST(FindRestorer, BothEncodingsWithRoomForTheStub) {
  Bytes text = Filler(200);
  Put(text, 100, kRaxRestorer);
  EXPECT_EQ(arch::FindRestorer(text, 0), 100);
  text = Filler(200);
  Put(text, 120, kEaxRestorer);
  EXPECT_EQ(arch::FindRestorer(text, 0), 120);
}

TEST(FindRestorer, NeedsStubRoomBeforeIt) {
  Bytes text = Filler(200);
  Put(text, arch::kRestorerStubSize - 1, kRaxRestorer);
  EXPECT_EQ(arch::FindRestorer(text, 0), -1);
  Put(text, 150, kEaxRestorer);
  EXPECT_EQ(arch::FindRestorer(text, 0), 150) << "the next one with room is taken";
  text = Filler(200);
  Put(text, arch::kRestorerStubSize, kRaxRestorer);
  EXPECT_EQ(arch::FindRestorer(text, 0), static_cast<long>(arch::kRestorerStubSize));
}

TEST(FindRestorer, OtherSyscallsAndTruncatedBytesAreNotRestorers) {
  Bytes text = Filler(200);
  Put(text, 100, {0x48, 0xc7, 0xc0, 0x0e, 0x00, 0x00, 0x00, 0x0f, 0x05});  // rt_sigprocmask
  Put(text, 150, {0xb9, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05});              // mov $15, %ecx
  Put(text, 194, {0xb8, 0x0f, 0x00, 0x00, 0x00, 0x0f});                    // cut by the end
  EXPECT_EQ(arch::FindRestorer(text, 0), -1);
}

TEST(FindRestorer, SearchesFromTheGivenOffset) {
  Bytes text = Filler(300);
  Put(text, 100, kRaxRestorer);
  Put(text, 200, kEaxRestorer);
  EXPECT_EQ(arch::FindRestorer(text, 101), 200);
  EXPECT_EQ(arch::FindRestorer(text, 201), -1);
}

// The search against the obvious one, on random bytes rich in the tail's own bytes with restorers
// planted at random places (the search skips ahead by up to six bytes: no skip may miss one).
TEST(FindRestorer, AgreesWithANaiveSearch) {
  auto naive = [](const Bytes& text, size_t from) -> long {
    for (size_t at = std::max(from, arch::kRestorerStubSize); at < text.size(); ++at) {
      for (const Bytes* r : {&kRaxRestorer, &kEaxRestorer}) {
        if (at + r->size() <= text.size() && std::memcmp(text.data() + at, r->data(), r->size()) == 0) {
          return static_cast<long>(at);
        }
      }
    }
    return -1;
  };
  uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1103515245 + 12345, seed >> 16; };
  const unsigned char alphabet[] = {0x00, 0x0f, 0x05, 0x48, 0xc7, 0xc0, 0xb8, 0x90};
  for (int round = 0; round < 2000; ++round) {
    Bytes text(next() % 400);
    for (auto& b : text) b = alphabet[next() % sizeof alphabet];
    for (unsigned k = next() % 3; k > 0 && text.size() > 16; --k) {
      const Bytes& r = next() % 2 ? kRaxRestorer : kEaxRestorer;
      Put(text, next() % (text.size() - r.size()), r);
    }
    const size_t from = next() % 80;
    ASSERT_EQ(arch::FindRestorer(text, from), naive(text, from)) << "round " << round;
  }
}

std::vector<std::string> Disassemble(const unsigned char* bytes, size_t size) {
  ZydisDecoder decoder;
  ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
  ZydisFormatter formatter;
  ZydisFormatterInit(&formatter, ZYDIS_FORMATTER_STYLE_INTEL);
  ZydisFormatterSetProperty(&formatter, ZYDIS_FORMATTER_PROP_IMM_PADDING, ZYDIS_PADDING_DISABLED);
  std::vector<std::string> out;
  for (size_t off = 0; off < size;) {
    ZydisDecodedInstruction insn;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, bytes + off, size - off, &insn, ops))) {
      out.push_back("(undecodable)");
      break;
    }
    char text[96];
    ZydisFormatterFormatInstruction(&formatter, &insn, ops, insn.operand_count_visible, text, sizeof text, off,
                                    ZYAN_NULL);
    out.push_back(text);
    off += insn.length;
  }
  return out;
}

TEST(RestorerStub, MunmapsThenDiscardsItsPageAndEndsAtTheRestorer) {
  std::array<unsigned char, arch::kRestorerStubSize> stub{};
  arch::WriteRestorerStub(stub, 0x7f1234560000, 0x5000, 0x401000, 0x2000);
  // The restorer follows the last byte: decoding the stub alone must end exactly at its end.
  EXPECT_EQ(Disassemble(stub.data(), stub.size()),
            (std::vector<std::string>{"mov rdi, 0x7F1234560000", "mov esi, 0x5000", "mov eax, 0xB", "syscall",
                                      "mov rdi, 0x401000", "mov esi, 0x2000", "mov edx, 0x4", "mov eax, 0x1C",
                                      "syscall"}));
}

// An image of three PT_LOADs at 0 (R), 0x1000 (RX, 0x3000 bytes) and 0x5000 (RW); the text's
// bytes are those of the file, which is `file_size` long.
struct Image {
  Elf64_Phdr phdrs[3] = {
      {PT_LOAD, PF_R, 0, 0, 0, 0x800, 0x800, 0x1000},
      {PT_LOAD, PF_R | PF_X, 0x1000, 0x1000, 0x1000, 0x3000, 0x3000, 0x1000},
      {PT_LOAD, PF_R | PF_W, 0x5000, 0x5000, 0x5000, 0x100, 0x2000, 0x1000},
  };
  Bytes bytes = Filler(0x7000);
  uint64_t file_size = 0x5100;
  ElfFile elf() const {
    ElfFile f;
    f.phdrs = phdrs;
    f.span_start = 0;
    f.span_end = 0x7000;
    return f;
  }
  bool Find(RestorerEntry* out, bool from_end = false) const {
    return FindRestorerEntry(elf(), file_size, bytes.data(), from_end, out);
  }
};

TEST(RestorerEntry, OnePageWhenTheStubFitsBeforeTheRestorerInItsPage) {
  Image image;
  Put(image.bytes, 0x2100, kRaxRestorer);
  RestorerEntry e;
  ASSERT_TRUE(image.Find(&e));
  EXPECT_EQ(e.restorer, 0x2100u);
  EXPECT_EQ(e.stub, 0x2100u - arch::kRestorerStubSize);
  EXPECT_EQ(e.drop, 0x2000u);
  EXPECT_EQ(e.drop_len, kPageSize);
}

TEST(RestorerEntry, TwoPagesWhenTheStubStraddlesABoundary) {
  Image image;
  Put(image.bytes, 0x2010, kEaxRestorer);
  RestorerEntry e;
  ASSERT_TRUE(image.Find(&e));
  EXPECT_EQ(e.drop, 0x1000u);
  EXPECT_EQ(e.drop_len, 2 * kPageSize);
  // A restorer that starts a page: the stub lies wholly in the page before.
  Image aligned;
  Put(aligned.bytes, 0x3000, kEaxRestorer);
  ASSERT_TRUE(aligned.Find(&e));
  EXPECT_EQ(e.drop, 0x2000u);
  EXPECT_EQ(e.drop_len, kPageSize);
}

// From the end (an interpreter): the last restorer of the text, found chunk by chunk; from the
// start, the first. A restorer across a chunk boundary is found too.
TEST(RestorerEntry, FromTheEndTakesTheLast) {
  Image image;
  image.phdrs[1].p_filesz = image.phdrs[1].p_memsz = 0x5000 - 0x1000;  // no data segment overlap
  image.phdrs[2].p_vaddr = image.phdrs[2].p_offset = 0x6000;
  image.bytes.resize(0x8000, 0x90);
  image.file_size = 0x6100;
  Put(image.bytes, 0x1100, kRaxRestorer);
  Put(image.bytes, 0x4ffc - 3, kEaxRestorer);  // ends at 0x5000 - 3 + 7
  RestorerEntry e;
  ASSERT_TRUE(image.Find(&e));
  EXPECT_EQ(e.restorer, 0x1100u);
  ASSERT_TRUE(image.Find(&e, true));
  EXPECT_EQ(e.restorer, 0x4ffc - 3u);
}

// A later PT_LOAD over the text's last page replaced it (with a page past the end of the file, a
// read there is SIGBUS): the search must not read it. Here that page is PROT_NONE.
TEST(RestorerEntry, NeverReadsAPageAnotherSegmentMaps) {
  Image image;
  image.phdrs[2].p_vaddr = 0x3000;  // the data maps over the text's last page (0x3000-0x4000)
  image.phdrs[2].p_offset = 0x3000;
  const size_t size = image.bytes.size();
  void* m = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(m, MAP_FAILED);
  auto* bytes = static_cast<unsigned char*>(m);
  std::memset(bytes, 0x90, size);
  std::memcpy(bytes + 0x2100, kRaxRestorer.data(), kRaxRestorer.size());
  ASSERT_EQ(mprotect(bytes + 0x3000, 0x1000, PROT_NONE), 0);
  RestorerEntry e;
  const ElfFile elf = image.elf();
  ASSERT_TRUE(FindRestorerEntry(elf, image.file_size, bytes, false, &e));
  EXPECT_EQ(e.restorer, 0x2100u);
  ASSERT_TRUE(FindRestorerEntry(elf, image.file_size, bytes, true, &e));
  EXPECT_EQ(e.restorer, 0x2100u);
  munmap(m, size);
}

TEST(RestorerEntry, OnlyReadableExecutableNotWritableFileBytes) {
  Image image;
  Put(image.bytes, 0x400, kRaxRestorer);   // in the R headers
  Put(image.bytes, 0x5080, kRaxRestorer);  // in the RW data
  RestorerEntry e;
  EXPECT_FALSE(image.Find(&e));
  Image execute_only;
  execute_only.phdrs[1].p_flags = PF_X;  // reading it would fault
  Put(execute_only.bytes, 0x2100, kRaxRestorer);
  EXPECT_FALSE(execute_only.Find(&e));
}

TEST(RestorerEntry, NothingPastTheEndOfTheFile) {
  Image image;
  Put(image.bytes, 0x3100, kRaxRestorer);
  image.file_size = 0x3000;  // the text's last page would be SIGBUS
  RestorerEntry e;
  EXPECT_FALSE(image.Find(&e));
  image.file_size = 0x3200;
  EXPECT_TRUE(image.Find(&e));
}

TEST(RestorerEntry, NotInAPageSharedWithAnotherSegmentOrAZeroFilledTail) {
  Image shared;
  shared.phdrs[2].p_vaddr = 0x3f00;  // the data starts in the text's last page
  shared.phdrs[1].p_filesz = shared.phdrs[1].p_memsz = 0x2f00;
  Put(shared.bytes, 0x3e00, kRaxRestorer);
  RestorerEntry e;
  EXPECT_FALSE(shared.Find(&e));
  Image tail;
  tail.phdrs[1].p_filesz = 0x2800;  // memsz 0x3000: the page at 0x3000 ends in zeros
  Put(tail.bytes, 0x3100, kRaxRestorer);
  EXPECT_FALSE(tail.Find(&e));
  Put(tail.bytes, 0x2100, kRaxRestorer);
  ASSERT_TRUE(tail.Find(&e));
  EXPECT_EQ(e.restorer, 0x2100u);
}

// The plan's choice (the hand-off and explain both make it): the interpreter's restorer first, the
// program's when the interpreter has none, none without a place for the entry frame.
struct TwoImages {
  Image program, interp;
  std::unique_ptr<ProgramFile> files[2] = {std::make_unique<ProgramFile>(), std::make_unique<ProgramFile>()};
  ExecPlan plan;
  TwoImages() {
    Put(program.bytes, 0x2100, kRaxRestorer);
    Put(interp.bytes, 0x2200, kEaxRestorer);
    const Image* images[2] = {&program, &interp};
    for (size_t i = 0; i < 2; ++i) {
      files[i]->elf = images[i]->elf();
      files[i]->size = images[i]->file_size;
      plan.images[i].file = files[i].get();
    }
    plan.image_count = 2;
    plan.stack.entry_frame = 0x7ffffffde000;
  }
  int Choose(RestorerEntry* out) const {
    const unsigned char* const bytes[2] = {program.bytes.data(), interp.bytes.data()};
    return ChooseRestorer(plan, bytes, out);
  }
};

TEST(ChooseRestorer, TheInterpretersFirstThenTheProgramsThenNone) {
  TwoImages t;
  RestorerEntry e;
  ASSERT_EQ(t.Choose(&e), 1);
  EXPECT_EQ(e.restorer, 0x2200u);
  t.interp.bytes = Filler(0x7000);
  ASSERT_EQ(t.Choose(&e), 0);
  EXPECT_EQ(e.restorer, 0x2100u);
  t.program.bytes = Filler(0x7000);
  EXPECT_EQ(t.Choose(&e), -1);
}

TEST(ChooseRestorer, OnlyThePlansImagesAndOnlyWithAPlaceForTheFrame) {
  TwoImages t;
  RestorerEntry e;
  t.plan.image_count = 1;  // a static program: images[1] is not read
  ASSERT_EQ(t.Choose(&e), 0);
  EXPECT_EQ(e.restorer, 0x2100u);
  t.plan.image_count = 2;
  t.plan.stack.entry_frame = 0;
  EXPECT_EQ(t.Choose(&e), -1);
}

}  // namespace
}  // namespace ulexec
