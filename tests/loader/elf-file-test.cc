// elf-file: execve's header checks (spec D3, D4), the refusals of what the kernel would die of
// (spec H3), and the malformed files the kernel runs and ulexec must therefore accept (spec H1).
#include "elf-builder.h"
#include "elf-file.h"

#include <ulexec/arch/constants.h>

#include <gtest/gtest.h>

#include <errno.h>

#include <functional>
#include <ostream>
#include <string>

namespace ulexec::test {
namespace {

struct Malformation {
  const char* name;
  std::function<ElfBuilder()> build;
  int code;
  std::string message;  // a part of the message; it names the header and field at fault
  bool is_interpreter = false;
};

std::ostream& operator<<(std::ostream& os, const Malformation& m) { return os << m.name; }

// Exec() with its data segment's bss removed, so that truncating the file leaves no bss page
// past the end (that is refused first, with EFAULT).
ElfBuilder ExecWithoutBss() {
  ElfBuilder b = ElfBuilder::Exec();
  b.load(3).p_memsz = b.load(3).p_filesz;
  return b;
}

// Pie() with PT_INTERP moved to the end of the table, after every PT_LOAD.
ElfBuilder PieWithInterpLast() {
  ElfBuilder b = ElfBuilder::Pie();
  const Elf64_Phdr interp = b.phdr(b.IndexOf(PT_INTERP));
  b.Remove(b.IndexOf(PT_INTERP));
  return b.Append(interp);
}

const Malformation kMalformations[] = {
    // ELF header (spec D3): ENOEXEC.
    {"EmptyFile", [] { return ElfBuilder::Exec().Truncate(0); }, ENOEXEC, "the file is empty"},
    {"BadMagic", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_ident[EI_MAG3] = 'G'; return b; }, ENOEXEC,
     "not an ELF file"},
    {"ShorterThanMagic", [] { return ElfBuilder::Exec().Truncate(3); }, ENOEXEC, "not an ELF file"},
    {"TypeRel", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_type = ET_REL; return b; }, ENOEXEC,
     "e_type is 1 (ET_REL), not ET_EXEC or ET_DYN"},
    {"TypeCore", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_type = ET_CORE; return b; }, ENOEXEC,
     "e_type is 4 (ET_CORE)"},
    {"TypeUnknown", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_type = 0xfe00; return b; }, ENOEXEC,
     "e_type is 65024 (unknown)"},
    {"MachineAArch64", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_machine = EM_AARCH64; return b; }, ENOEXEC,
     "e_machine is 183 (AArch64), not x86-64"},
    {"Machine386", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_machine = EM_386; return b; }, ENOEXEC,
     "e_machine is 3 (i386)"},
    {"MachineUnknown", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_machine = 0x7777; return b; }, ENOEXEC,
     "e_machine is 30583 (unknown)"},
    {"Phentsize32", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_phentsize = 32; return b; }, ENOEXEC,
     "e_phentsize is 32, not 56"},
    // A file shorter than its header reads as zero-padded: e_phentsize (at 54) is then 0.
    {"ShortHeaderIsZeroPadded", [] { return ElfBuilder::Exec().Truncate(54); }, ENOEXEC,
     "e_phentsize is 0, not 56"},
    {"PhnumZero", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_phnum = 0; return b; }, ENOEXEC, "e_phnum is 0"},
    {"Phnum1171", [] { return ElfBuilder::Exec().PadPhdrsTo(1171); }, ENOEXEC,
     "e_phnum 1171 makes the program header table 65576 bytes, more than the kernel's 65536"},
    {"PhnumMax", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_phnum = 0xffff; return b; }, ENOEXEC,
     "e_phnum 65535 makes the program header table"},
    {"PhoffPastEof", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_phoff = 0x100000; return b.Truncate(0x3f10); },
     ENOEXEC, "the program header table (e_phoff 0x100000, 280 bytes) extends past the end of the file (16144 bytes)"},
    {"TableCutByEof", [] { return ElfBuilder::Exec().Truncate(64 + 56 * 4); }, ENOEXEC,
     "(e_phoff 0x40, 280 bytes) extends past the end of the file (288 bytes)"},
    {"PhoffOverflows", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_phoff = ~uint64_t{0} - 8; return b; },
     ENOEXEC, "(e_phoff 0xfffffffffffffff7, 280 bytes) extends past the end of the file"},

    // PT_INTERP (spec D4): checked before any PT_LOAD, wherever it sits in the table.
    {"InterpSize0", [] { return ElfBuilder::Pie().SetInterpBytes(""); }, ENOEXEC,
     "PT_INTERP: p_filesz 0 is not between 2 and 4096"},
    {"InterpSize1", [] { return ElfBuilder::Pie().SetInterpBytes(std::string(1, '\0')); }, ENOEXEC,
     "PT_INTERP: p_filesz 1 is not between 2 and 4096"},
    {"InterpSize4097",
     [] {
       auto b = ElfBuilder::Pie();
       b.phdr(b.IndexOf(PT_INTERP)).p_offset = 0x4000;
       return b.SetInterp("/" + std::string(4095, 'a'));
     },
     ENOEXEC, "PT_INTERP: p_filesz 4097 is not between 2 and 4096"},
    {"InterpNotNulTerminated", [] { return ElfBuilder::Pie().SetInterpBytes("/lib64/ld.so"); }, ENOEXEC,
     "PT_INTERP: the interpreter path is not NUL-terminated"},
    {"InterpPastEof",
     [] {
       auto b = ElfBuilder::Pie();
       b.phdr(b.IndexOf(PT_INTERP)).p_offset = 0x10000;
       return b.Truncate(0x3010);
     },
     EIO, "PT_INTERP: the interpreter path (p_offset 0x10000) lies past the end of the file"},
    {"InterpStraddlesEof",
     [] {
       auto b = ElfBuilder::Pie();
       b.phdr(b.IndexOf(PT_INTERP)).p_offset = 0x3000;
       return b.Truncate(0x3010);
     },
     EIO, "PT_INTERP: the interpreter path (p_offset 0x3000) lies past the end of the file"},
    {"InterpOffsetOverflows",
     [] {
       auto b = ElfBuilder::Pie();
       b.phdr(b.IndexOf(PT_INTERP)).p_offset = ~uint64_t{0} - 4;
       return b;
     },
     // The kernel's read at a negative loff_t fails in rw_verify_area (checked: execve EINVAL).
     EINVAL, "is not a valid file offset"},
    // The kernel reads PT_INTERP before it maps anything, so its errno wins over a broken PT_LOAD
    // earlier in the table (checked on this kernel: ENOEXEC and EIO, not a SIGSEGV).
    {"InterpErrorWinsOverEarlierLoad",
     [] {
       auto b = PieWithInterpLast();
       b.load(0).p_filesz = b.load(0).p_memsz + 1;
       return b.SetInterpBytes(std::string(1, '\0'));
     },
     ENOEXEC, "PT_INTERP: p_filesz 1"},
    {"InterpEioWinsOverEarlierLoad",
     [] {
       auto b = PieWithInterpLast();
       b.load(0).p_filesz = b.load(0).p_memsz + 1;
       b.phdr(b.IndexOf(PT_INTERP)).p_offset = 0x10000;
       return b.Truncate(0x3010);
     },
     EIO, "PT_INTERP: the interpreter path"},

    // PT_LOAD (spec H3): refused before the point of no return with the kernel's internal errno.
    {"FileszOverMemsz", [] { auto b = ElfBuilder::Exec(); b.load(3).p_filesz = 0x2200; return b; }, EINVAL,
     "PT_LOAD #3 (p_vaddr 0x404e10): p_filesz 0x2200 is larger than p_memsz 0x2100"},
    {"LoadBeyondTaskSize",
     [] {
       auto b = ElfBuilder::Exec();
       b.Append(Phdr(PT_LOAD, PF_R | PF_W, 0, arch::kTaskSize - 0x1000, 0, 0x1001));
       return b;
     },
     ENOMEM, "PT_LOAD #5 (p_vaddr 0x7fffffffe000): p_vaddr + p_memsz overflows or ends beyond the user address "
             "space (0x7ffffffff000)"},
    {"LoadInKernelHalf",
     [] {
       auto b = ElfBuilder::Exec();
       b.Append(Phdr(PT_LOAD, PF_R, 0, 0xffffffff80000000, 0, 0x1000));
       return b;
     },
     ENOMEM, "PT_LOAD #5 (p_vaddr 0xffffffff80000000): p_vaddr + p_memsz overflows"},
    {"LoadAddressOverflows",
     [] {
       auto b = ElfBuilder::Exec();
       b.load(3).p_memsz = ~uint64_t{0} - 0x1000;
       return b;
     },
     ENOMEM, "PT_LOAD #3 (p_vaddr 0x404e10): p_vaddr + p_memsz overflows"},
    {"MemszZeroLoadInKernelHalf",
     [] {
       auto b = ElfBuilder::Exec();
       b.Append(Phdr(PT_LOAD, PF_R, 0, 0xffff800000000000, 0, 0));
       return b;
     },
     ENOMEM, "PT_LOAD #5 (p_vaddr 0xffff800000000000)"},
    {"OffsetNotCongruent", [] { auto b = ElfBuilder::Exec(); b.load(1).p_offset = 0x1010; return b; }, EINVAL,
     "PT_LOAD #1 (p_vaddr 0x401000): p_offset 0x1010 and p_vaddr are not congruent modulo the page size"},
    {"FileRangeOverflows",
     [] {
       auto b = ElfBuilder::Exec();
       b.load(3).p_offset = 0xfffffffffffffe10;
       b.load(3).p_filesz = 0x2000;
       return b.Truncate(0x3f10);
     },
     EINVAL, "PT_LOAD #3 (p_vaddr 0x404e10): p_offset + p_filesz overflows"},
    // The page that holds vaddr + filesz of a writable segment with bss is zeroed by the kernel;
    // past the end of the file, that write faults.
    {"BssPageMissing", [] { return ElfBuilder::Exec().Truncate(0x3000); }, EFAULT,
     "PT_LOAD #3 (p_vaddr 0x404e10): its bss starts in a page past the end of the file (p_offset + p_filesz "
     "0x3f10, file size 0x3000)"},
    {"NoLoad", [] { return ElfBuilder::Exec().RemoveAll(PT_LOAD); }, ENOEXEC,
     "no PT_LOAD segment with a nonzero p_memsz"},
    {"OnlyEmptyLoads",
     [] {
       auto b = ElfBuilder::Exec().RemoveAll(PT_LOAD);
       b.Append(Phdr(PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0, 0));
       return b;
     },
     ENOEXEC, "no PT_LOAD segment with a nonzero p_memsz"},

    // e_entry (spec H3): in an executable, file-backed page of the final layout, else ENOEXEC.
    {"EntryZero", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_entry = 0; return b; }, ENOEXEC,
     "e_entry 0x0 is not inside any PT_LOAD segment"},
    {"EntryInKernelHalf", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_entry = 0xffffffff81000000; return b; },
     EINVAL, "e_entry 0xffffffff81000000 is in the kernel's half of the address space"},
    {"EntryAtTaskSize", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_entry = arch::kTaskSize; return b; },
     EINVAL, "e_entry 0x7ffffffff000 is in the kernel's half"},
    {"EntryInRodata", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_entry = 0x403010; return b; }, ENOEXEC,
     "e_entry 0x403010 is in PT_LOAD #2 (p_vaddr 0x403000), which is not executable"},
    {"EntryBetweenSegments", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_entry = 0x409000; return b; }, ENOEXEC,
     "e_entry 0x409000 is not inside any PT_LOAD segment"},
    {"EntryCoveredByLaterReadOnlyLoad",
     [] {
       auto b = ElfBuilder::Exec();
       b.Append(Phdr(PT_LOAD, PF_R, 0x1000, 0x401000, 0x100, 0x100));
       return b;
     },
     ENOEXEC, "e_entry 0x401040 is in PT_LOAD #5 (p_vaddr 0x401000), which is not executable"},
    {"EntryInZeroFill",
     [] {
       auto b = ElfBuilder::Exec();
       b.load(3).p_flags |= PF_X;
       b.ehdr().e_entry = 0x406000;
       return b;
     },
     ENOEXEC, "e_entry 0x406000 is in the zero-filled part of PT_LOAD #3 (p_vaddr 0x404e10)"},
    // A segment with p_filesz 0 is anonymous from its first page on (spec C2).
    {"EntryInAnonymousOnlyLoad",
     [] {
       auto b = ElfBuilder::Exec();
       b.Append(Phdr(PT_LOAD, PF_R | PF_X, 0, 0x500010, 0, 0x100));
       b.ehdr().e_entry = 0x500020;
       return b;
     },
     ENOEXEC, "e_entry 0x500020 is in the zero-filled part of PT_LOAD #5 (p_vaddr 0x500010)"},
    {"EntryPagePastEof",
     [] {
       auto b = ExecWithoutBss();
       b.ehdr().e_entry = 0x402100;
       return b.Truncate(0x2000);
     },
     ENOEXEC, "e_entry 0x402100 is in a page past the end of the file (offset 0x2100, file size 0x2000)"},

    // The interpreter's own checks (the errnos ELIBBAD/EIO/EINVAL of spec D4/H3 are program-file's).
    {"InterpreterWithoutLoad", [] { return ElfBuilder::StaticPie().RemoveAll(PT_LOAD); }, ENOEXEC,
     "no PT_LOAD segment", true},
    {"InterpreterEntryNotExecutable",
     [] {
       auto b = ElfBuilder::StaticPie();
       b.ehdr().e_entry = 0x2010;
       return b;
     },
     ENOEXEC, "e_entry 0x2010 is in PT_LOAD #2 (p_vaddr 0x2000), which is not executable", true},
};

class MalformationTest : public testing::TestWithParam<Malformation> {};

TEST_P(MalformationTest, IsRefusedWithItsErrnoAndAMessageNamingTheField) {
  const Malformation& m = GetParam();
  const CheckedImage c = RunChecks(m.build().Build(), m.is_interpreter);
  ASSERT_FALSE(c.ok) << "accepted a file the kernel refuses or dies of";
  EXPECT_EQ(c.error.code, m.code) << Describe(c.error);
  EXPECT_NE(c.error.detail().find(m.message), std::string_view::npos)
      << "message: " << c.error.detail() << "\nexpected to contain: " << m.message;
}

INSTANTIATE_TEST_SUITE_P(ElfFile, MalformationTest, testing::ValuesIn(kMalformations),
                         [](const testing::TestParamInfo<Malformation>& info) { return info.param.name; });

// What the kernel runs (spec H1, C6, C8, C9): the checks must let it through.
struct Accepted {
  const char* name;
  std::function<ElfBuilder()> build;
  bool is_interpreter = false;
  std::function<void(const ElfFile&)> verify = [](const ElfFile&) {};
};

std::ostream& operator<<(std::ostream& os, const Accepted& a) { return os << a.name; }

const Accepted kAccepted[] = {
    {"DefaultExec", [] { return ElfBuilder::Exec(); }, false,
     [](const ElfFile& f) {
       EXPECT_FALSE(f.is_dyn());
       EXPECT_EQ(f.interp, nullptr);
       EXPECT_FALSE(f.exec_stack);
       EXPECT_EQ(f.max_align, 0x1000u);
       EXPECT_EQ(f.span_start, 0x400000u);
       EXPECT_EQ(f.span_end, 0x407000u);
       EXPECT_EQ(f.first_load_vaddr, 0x400000u);
       EXPECT_EQ(f.phdrs.size(), 5u);
     }},
    {"DefaultPie", [] { return ElfBuilder::Pie(); }, false,
     [](const ElfFile& f) {
       EXPECT_TRUE(f.is_dyn());
       ASSERT_NE(f.interp, nullptr);
       EXPECT_EQ(f.interp->p_offset, 0x318u);
       EXPECT_EQ(f.interp->p_filesz, kDefaultInterp.size() + 1);
       EXPECT_EQ(f.span_start, 0u);
       EXPECT_EQ(f.span_end, 0x5000u);
       EXPECT_EQ(f.first_load_vaddr, 0u);
     }},
    {"DefaultStaticPie", [] { return ElfBuilder::StaticPie(); }, false,
     [](const ElfFile& f) { EXPECT_EQ(f.interp, nullptr); }},
    {"StaticPieAsInterpreter", [] { return ElfBuilder::StaticPie(); }, true},
    {"Class32", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_ident[EI_CLASS] = ELFCLASS32; return b; }},
    {"ClassNone", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_ident[EI_CLASS] = ELFCLASSNONE; return b; }},
    {"BigEndian", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_ident[EI_DATA] = ELFDATA2MSB; return b; }},
    {"IdentVersion0", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_ident[EI_VERSION] = 0; return b; }},
    {"AnyOsabiAndPadding",
     [] {
       auto b = ElfBuilder::Exec();
       for (size_t i = EI_OSABI; i < EI_NIDENT; ++i) b.ehdr().e_ident[i] = 0xa5;
       return b;
     }},
    {"GarbageVersionFlagsEhsize",
     [] {
       auto b = ElfBuilder::Exec();
       b.ehdr().e_version = 0xdeadbeef;
       b.ehdr().e_flags = 0xffffffff;
       b.ehdr().e_ehsize = 7;
       return b;
     }},
    {"GarbageSectionHeaders",
     [] {
       auto b = ElfBuilder::Exec();
       b.ehdr().e_shoff = ~uint64_t{0};
       b.ehdr().e_shentsize = 3;
       b.ehdr().e_shnum = 0xffff;
       b.ehdr().e_shstrndx = 0x1234;
       return b;
     }},
    {"Phnum100", [] { return ElfBuilder::Exec().PadPhdrsTo(100); }, false,
     [](const ElfFile& f) { EXPECT_EQ(f.phdrs.size(), 100u); }},
    {"Phnum1170", [] { return ElfBuilder::Exec().PadPhdrsTo(1170); }, false,
     [](const ElfFile& f) { EXPECT_EQ(f.phdrs.size(), 1170u); }},
    {"Align3", [] { auto b = ElfBuilder::Exec(); b.load(1).p_align = 3; return b; }, false,
     [](const ElfFile& f) { EXPECT_EQ(f.max_align, 0x1000u); }},
    {"Align0", [] { auto b = ElfBuilder::Exec(); b.load(1).p_align = 0; return b; }},
    {"Align2MiB", [] { auto b = ElfBuilder::StaticPie(); b.load(1).p_align = 0x200000; return b; }, false,
     [](const ElfFile& f) { EXPECT_EQ(f.max_align, 0x200000u); }},
    {"AlignNotPowerOfTwoIgnored", [] { auto b = ElfBuilder::StaticPie(); b.load(1).p_align = 0x300000; return b; },
     false, [](const ElfFile& f) { EXPECT_EQ(f.max_align, 0x1000u); }},
    {"UnsortedLoads",
     [] {
       auto b = ElfBuilder::Exec();
       std::swap(b.phdr(0), b.phdr(3));
       return b;
     },
     false,
     [](const ElfFile& f) {
       EXPECT_EQ(f.first_load_vaddr, 0x404e10u);
       EXPECT_EQ(f.span_start, 0x400000u);
       EXPECT_EQ(f.span_end, 0x407000u);
     }},
    {"OverlappingLoads",
     [] {
       auto b = ElfBuilder::Exec();
       b.Append(Phdr(PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x2000, 0x2000));
       return b;
     }},
    {"MemszZeroLoad",
     [] {
       auto b = ElfBuilder::Exec();
       b.Insert(0, Phdr(PT_LOAD, PF_R, 0x12345, 0x100000, 0, 0, 0x200000));
       return b;
     }},
    {"SinglePhdr",
     [] {
       auto b = ElfBuilder::Exec();
       b.phdrs() = {Phdr(PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x200, 0x200)};
       b.ehdr().e_phnum = 1;
       b.ehdr().e_entry = 0x400100;
       return b;
     }},
    {"AnonymousLoadIgnoresOffset",
     [] {
       auto b = ElfBuilder::Exec();
       b.Append(Phdr(PT_LOAD, PF_R | PF_W, 0xffffffffffffff00, 0x500000, 0, 0x3000));
       return b;
     },
     false, [](const ElfFile& f) { EXPECT_EQ(f.span_end, 0x503000u); }},
    {"LoadEndingAtTaskSize",  // runs on this kernel (checked): only ending beyond TASK_SIZE dies
     [] {
       auto b = ElfBuilder::Exec();
       b.Append(Phdr(PT_LOAD, PF_R | PF_W, 0, arch::kTaskSize - 0x1000, 0, 0x1000));
       return b;
     },
     false, [](const ElfFile& f) { EXPECT_EQ(f.span_end, arch::kTaskSize); }},
    {"LoadRunsPastEofWithoutBss",
     [] {
       auto b = ElfBuilder::Exec();
       b.load(2).p_filesz = b.load(2).p_memsz = 0x10000;
       return b.Truncate(0x3f10);
     }},
    {"ReadOnlyBssPagePastEof",  // the kernel ignores the failed zeroing of a read-only segment (C2)
     [] {
       auto b = ExecWithoutBss();
       b.load(2).p_memsz = 0x2000;
       return b.Truncate(0x3000);
     }},
    {"BssPagePartlyInFile",  // the page holding the bss start exists, so zeroing it cannot fault
     [] { return ElfBuilder::Exec().Truncate(0x3100); }},
    {"WritableAndExecutable", [] { auto b = ElfBuilder::Exec(); b.load(1).p_flags = PF_R | PF_W | PF_X; return b; }},
    {"EntryBelowVaddrInSamePage",
     [] {
       auto b = ElfBuilder::Exec();
       b.load(1).p_vaddr = 0x401100;
       b.load(1).p_offset = 0x1100;
       b.load(1).p_filesz = b.load(1).p_memsz = 0x1000;
       return b;
     }},
    {"EntryAtLastFileByte", [] { auto b = ElfBuilder::Exec(); b.ehdr().e_entry = 0x402233; return b; }},
    {"EntryInLaterExecutableLoad",
     [] {
       auto b = ElfBuilder::Exec();
       b.load(1).p_flags = PF_R;  // the page is mapped again, executable, by a later segment
       b.Append(Phdr(PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x100, 0x100));
       return b;
     }},
    {"PieEntryNotChecked",  // control goes to the interpreter; the program's entry is its business
     [] {
       auto b = ElfBuilder::Pie();
       b.ehdr().e_entry = 0;
       return b;
     }},
    {"Interp4096",
     [] {
       auto b = ElfBuilder::Pie();
       b.phdr(b.IndexOf(PT_INTERP)).p_offset = 0x4000;
       return b.SetInterp("/" + std::string(4094, 'a'));
     },
     false, [](const ElfFile& f) { ASSERT_NE(f.interp, nullptr); EXPECT_EQ(f.interp->p_filesz, 4096u); }},
    {"Interp2", [] { return ElfBuilder::Pie().SetInterp("a"); }, false,
     [](const ElfFile& f) { ASSERT_NE(f.interp, nullptr); EXPECT_EQ(f.interp->p_filesz, 2u); }},
    {"BadSecondInterpIgnored",
     [] {
       auto b = ElfBuilder::Pie();
       b.Append(Phdr(PT_INTERP, PF_R, 0x7fff0000, 0, 5000, 5000, 1));
       b.Append(Phdr(PT_INTERP, PF_R, 0, 0, 1, 1, 1));
       return b;
     },
     false,
     [](const ElfFile& f) {
       ASSERT_NE(f.interp, nullptr);
       EXPECT_EQ(f.interp->p_offset, 0x318u);
     }},
    {"InterpreterIgnoresItsPtInterp",
     [] {
       auto b = ElfBuilder::Pie();
       return b.SetInterpBytes("x");  // too short and not NUL-terminated
     },
     true, [](const ElfFile& f) { EXPECT_EQ(f.interp, nullptr); }},
    {"InterpreterIgnoresItsPtGnuStack",
     [] {
       auto b = ElfBuilder::StaticPie();
       b.phdr(b.IndexOf(PT_GNU_STACK)).p_flags = PF_R | PF_W | PF_X;
       return b;
     },
     true, [](const ElfFile& f) { EXPECT_FALSE(f.exec_stack); }},
    {"ExecInterpreter", [] { return ElfBuilder::Exec(); }, true},
    {"GnuStackExecutable",
     [] {
       auto b = ElfBuilder::Exec();
       b.phdr(b.IndexOf(PT_GNU_STACK)).p_flags = PF_R | PF_W | PF_X;
       return b;
     },
     false, [](const ElfFile& f) { EXPECT_TRUE(f.exec_stack); }},
    {"LastGnuStackWins",
     [] {
       auto b = ElfBuilder::Exec();
       b.phdr(b.IndexOf(PT_GNU_STACK)).p_flags = PF_R | PF_W | PF_X;
       b.Append(Phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16));
       return b;
     },
     false, [](const ElfFile& f) { EXPECT_FALSE(f.exec_stack); }},
    {"LastGnuStackWinsExecutable",
     [] {
       auto b = ElfBuilder::Exec();
       b.Append(Phdr(PT_GNU_STACK, PF_R | PF_W | PF_X, 0, 0, 0, 0, 16));
       return b;
     },
     false, [](const ElfFile& f) { EXPECT_TRUE(f.exec_stack); }},
    {"NoGnuStackMeansNonExecutable", [] { return ElfBuilder::Exec().RemoveAll(PT_GNU_STACK); }, false,
     [](const ElfFile& f) { EXPECT_FALSE(f.exec_stack); }},
    {"GarbageGnuPropertyAndProcHeaders",
     [] {
       auto b = ElfBuilder::Exec();
       b.Append(Phdr(PT_GNU_PROPERTY, 0xffffffff, ~uint64_t{0}, ~uint64_t{0}, ~uint64_t{0}, 1, 3));
       b.Append(Phdr(PT_LOPROC + 1, 0, ~uint64_t{0}, 0, ~uint64_t{0}, 0, 0));
       b.Append(Phdr(0x12345678, 0, ~uint64_t{0}, 0, ~uint64_t{0}, 0, 0));
       return b;
     }},
};

class AcceptedTest : public testing::TestWithParam<Accepted> {};

TEST_P(AcceptedTest, PassesTheChecks) {
  const Accepted& a = GetParam();
  const CheckedImage c = RunChecks(a.build().Build(), a.is_interpreter);
  ASSERT_TRUE(c.ok) << Describe(c.error);
  EXPECT_EQ(c.error.code, 0);
  EXPECT_EQ(c.elf.phdrs.data(), c.phdrs.data());
  a.verify(c.elf);
}

INSTANTIATE_TEST_SUITE_P(ElfFile, AcceptedTest, testing::ValuesIn(kAccepted),
                         [](const testing::TestParamInfo<Accepted>& info) { return info.param.name; });

TEST(ElfFile, CheckElfHeaderCopiesTheHeader) {
  const auto bytes = ElfBuilder::Exec().Build();
  Elf64_Ehdr ehdr{};
  Error error;
  ASSERT_TRUE(CheckElfHeader(std::span(bytes).first(64), bytes.size(), &ehdr, error)) << Describe(error);
  EXPECT_EQ(memcmp(&ehdr, bytes.data(), sizeof ehdr), 0);
  EXPECT_EQ(ehdr.e_phnum, 5);
}

TEST(ElfFile, CheckElfHeaderLeavesTheOutputAloneOnFailure) {
  auto b = ElfBuilder::Exec();
  b.ehdr().e_machine = EM_AARCH64;
  const auto bytes = b.Build();
  Elf64_Ehdr ehdr{};
  ehdr.e_entry = 0x1234;
  Error error;
  EXPECT_FALSE(CheckElfHeader(bytes, bytes.size(), &ehdr, error));
  EXPECT_EQ(ehdr.e_entry, 0x1234u);
}

// Only the first 4 bytes are magic: the kernel compares SELFMAG bytes.
TEST(ElfFile, MagicIsFourBytes) {
  auto b = ElfBuilder::Exec();
  b.ehdr().e_ident[EI_CLASS] = 'X';
  EXPECT_TRUE(RunChecks(b.Build()).ok);
  for (size_t i = 0; i < SELFMAG; ++i) {
    SCOPED_TRACE(i);
    auto bad = ElfBuilder::Exec();
    bad.ehdr().e_ident[i] ^= 0x20;
    const CheckedImage c = RunChecks(bad.Build());
    EXPECT_FALSE(c.ok);
    EXPECT_EQ(c.error.code, ENOEXEC) << Describe(c.error);
  }
}

// The boundary of spec H1/D3: a table of 1170 entries (65520 bytes) fits in 64 KiB, 1171 do not.
TEST(ElfFile, PhnumBoundary) {
  for (size_t n : {5u, 73u, 1169u, 1170u, 1171u, 1200u}) {
    SCOPED_TRACE(n);
    const CheckedImage c = RunChecks(ElfBuilder::Exec().PadPhdrsTo(n).Build());
    EXPECT_EQ(c.ok, n * sizeof(Elf64_Phdr) <= kMaxPhdrBytes) << Describe(c.error);
    if (!c.ok) {
      EXPECT_EQ(c.error.code, ENOEXEC);
    }
  }
}

// The boundary of spec D4: the interpreter path may be 2 to 4096 bytes, NUL included.
TEST(ElfFile, InterpSizeBoundary) {
  for (size_t size : {0u, 1u, 2u, 3u, 4095u, 4096u, 4097u, 8192u}) {
    SCOPED_TRACE(size);
    auto b = ElfBuilder::Pie();
    b.phdr(b.IndexOf(PT_INTERP)).p_offset = 0x4000;
    std::string bytes(size, 'a');
    if (size > 0) bytes.back() = '\0';
    const CheckedImage c = RunChecks(b.SetInterpBytes(bytes).Build());
    EXPECT_EQ(c.ok, size >= kMinInterpSize && size <= kMaxInterpSize) << Describe(c.error);
    if (!c.ok) {
      EXPECT_EQ(c.error.code, ENOEXEC);
      EXPECT_NE(c.error.detail().find("PT_INTERP: p_filesz"), std::string_view::npos) << c.error.detail();
    }
  }
}

// The boundary of spec D5/H3 at the top of the address space: a segment may end at TASK_SIZE
// (this kernel runs such a file), not one byte later.
TEST(ElfFile, TaskSizeBoundary) {
  for (uint64_t memsz : {0xfffu, 0x1000u, 0x1001u}) {
    SCOPED_TRACE(memsz);
    auto b = ElfBuilder::Exec();
    b.Append(Phdr(PT_LOAD, PF_R | PF_W, 0, arch::kTaskSize - 0x1000, 0, memsz));
    const CheckedImage c = RunChecks(b.Build());
    EXPECT_EQ(c.ok, memsz <= 0x1000) << Describe(c.error);
    if (!c.ok) {
      EXPECT_EQ(c.error.code, ENOMEM);
    }
  }
}

TEST(ElfFile, CheckInterpPath) {
  Error error;
  const std::string good("/lib/ld.so", sizeof "/lib/ld.so");
  EXPECT_TRUE(CheckInterpPath(std::as_bytes(std::span(good)), error));
  const std::string bad = "/lib/ld.so";
  EXPECT_FALSE(CheckInterpPath(std::as_bytes(std::span(bad)), error));
  EXPECT_EQ(error.code, ENOEXEC);
  EXPECT_EQ(error.detail(), "PT_INTERP: the interpreter path is not NUL-terminated");
  Error empty_error;
  EXPECT_FALSE(CheckInterpPath({}, empty_error));
  EXPECT_EQ(empty_error.code, ENOEXEC);
}

TEST(ElfFile, MachineName) {
  EXPECT_STREQ(MachineName(EM_X86_64), "x86-64");
  EXPECT_STREQ(MachineName(EM_AARCH64), "AArch64");
  EXPECT_STREQ(MachineName(EM_RISCV), "RISC-V");
  EXPECT_EQ(MachineName(0x7777), nullptr);
}

}  // namespace
}  // namespace ulexec::test
