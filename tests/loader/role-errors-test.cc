// role-errors: the same fault gives a program ENOEXEC and an interpreter EIO, ELIBBAD, EPERM or
// EINVAL (spec D4, H3), as the loader's own checks give them.
#include "elf-builder.h"
#include "role-errors.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

namespace ulexec::test {
namespace {

int HeaderErrno(const std::vector<std::byte>& bytes, Role role) {
  Elf64_Ehdr ehdr;
  Error error;
  if (CheckHeaderInRole(bytes, bytes.size(), role, &ehdr, error)) return 0;
  EXPECT_FALSE(error.detail().empty());
  return error.code;
}

std::vector<std::byte> Bytes(std::string_view s) {
  std::vector<std::byte> v(s.size());
  memcpy(v.data(), s.data(), s.size());
  return v;
}

TEST(RoleErrors, AValidHeaderPassesInBothRoles) {
  const auto bytes = ElfBuilder::StaticPie().Build();
  EXPECT_EQ(HeaderErrno(bytes, Role::kProgram), 0);
  EXPECT_EQ(HeaderErrno(bytes, Role::kInterpreter), 0);
}

TEST(RoleErrors, AShortFileIsEnoexecForAProgramAndEioForAnInterpreter) {
  auto bytes = ElfBuilder::StaticPie().Build();
  bytes.resize(40);
  EXPECT_EQ(HeaderErrno(bytes, Role::kProgram), ENOEXEC);
  EXPECT_EQ(HeaderErrno(bytes, Role::kInterpreter), EIO);
}

TEST(RoleErrors, NotAnElfIsElibbadForAnInterpreterAScriptToo) {
  const auto text = Bytes(std::string(100, 'x'));
  EXPECT_EQ(HeaderErrno(text, Role::kProgram), ENOEXEC);
  EXPECT_EQ(HeaderErrno(text, Role::kInterpreter), ELIBBAD);
  const auto script = Bytes("#!/bin/sh\n" + std::string(100, ' '));
  Elf64_Ehdr ehdr;
  Error error;
  EXPECT_FALSE(CheckHeaderInRole(script, script.size(), Role::kInterpreter, &ehdr, error));
  EXPECT_EQ(error.code, ELIBBAD);
  EXPECT_EQ(error.detail(), "a #! script cannot be an ELF interpreter");
}

TEST(RoleErrors, AWrongMachineIsElibbadAndAWrongTypeEpermForAnInterpreter) {
  ElfBuilder machine = ElfBuilder::StaticPie();
  machine.ehdr().e_machine = EM_AARCH64;
  EXPECT_EQ(HeaderErrno(machine.Build(), Role::kProgram), ENOEXEC);
  EXPECT_EQ(HeaderErrno(machine.Build(), Role::kInterpreter), ELIBBAD);
  ElfBuilder type = ElfBuilder::StaticPie();
  type.ehdr().e_type = ET_REL;
  EXPECT_EQ(HeaderErrno(type.Build(), Role::kProgram), ENOEXEC);
  EXPECT_EQ(HeaderErrno(type.Build(), Role::kInterpreter), EPERM);
}

TEST(RoleErrors, NoLoadSegmentIsEnoexecForAProgramAndEinvalForAnInterpreter) {
  ElfBuilder b = ElfBuilder::StaticPie();
  b.RemoveAll(PT_LOAD);
  const auto bytes = b.Build();
  Elf64_Ehdr ehdr;
  Error error;
  ASSERT_TRUE(CheckHeaderInRole(bytes, bytes.size(), Role::kInterpreter, &ehdr, error)) << Describe(error);
  std::vector<Elf64_Phdr> phdrs(ehdr.e_phnum);
  memcpy(phdrs.data(), bytes.data() + ehdr.e_phoff, phdrs.size() * sizeof(Elf64_Phdr));
  for (Role role : {Role::kProgram, Role::kInterpreter}) {
    ElfFile elf;
    Error e;
    ASSERT_TRUE(ReadProgramHeaders(ehdr, phdrs, bytes.size(), role == Role::kInterpreter, &elf, e)) << Describe(e);
    EXPECT_FALSE(CheckSegmentsInRole(elf, bytes.size(), role, e));
    EXPECT_EQ(e.code, role == Role::kProgram ? ENOEXEC : EINVAL) << Describe(e);
  }
}

TEST(RoleErrors, OtherSegmentFaultsKeepTheirErrnoInBothRoles) {
  ElfBuilder b = ElfBuilder::StaticPie();
  b.load(1).p_filesz = b.load(1).p_memsz + 0x1000;  // p_filesz > p_memsz
  const auto bytes = b.Build();
  Elf64_Ehdr ehdr;
  Error error;
  ASSERT_TRUE(CheckHeaderInRole(bytes, bytes.size(), Role::kProgram, &ehdr, error));
  std::vector<Elf64_Phdr> phdrs(ehdr.e_phnum);
  memcpy(phdrs.data(), bytes.data() + ehdr.e_phoff, phdrs.size() * sizeof(Elf64_Phdr));
  int codes[2] = {};
  for (Role role : {Role::kProgram, Role::kInterpreter}) {
    ElfFile elf;
    Error e;
    if (ReadProgramHeaders(ehdr, phdrs, bytes.size(), role == Role::kInterpreter, &elf, e)) {
      EXPECT_FALSE(CheckSegmentsInRole(elf, bytes.size(), role, e));
    }
    codes[role == Role::kInterpreter] = e.code;
  }
  EXPECT_NE(codes[0], 0);
  EXPECT_EQ(codes[0], codes[1]);
}

}  // namespace
}  // namespace ulexec::test
