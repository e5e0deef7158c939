#include "harness.h"

#include <elf.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

extern char** environ;

namespace crt_test {
namespace {

std::map<std::string, std::string>& Binaries() {
  static std::map<std::string, std::string> binaries;
  return binaries;
}

std::vector<char*> CStrings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const std::string& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

bool AddBinary(const std::string& arg) {
  const size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  Binaries()[arg.substr(0, eq)] = arg.substr(eq + 1);
  return true;
}

::testing::AssertionResult HaveBinary(const std::string& name, std::string* path) {
  auto it = Binaries().find(name);
  if (it == Binaries().end()) {
    return ::testing::AssertionFailure() << "no path for '" << name << "': pass " << name << "=PATH";
  }
  *path = it->second;
  return ::testing::AssertionSuccess();
}

bool RunResult::exited() const { return WIFEXITED(status); }
int RunResult::exit_code() const { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }
int RunResult::term_signal() const { return WIFSIGNALED(status) ? WTERMSIG(status) : 0; }

RunResult RunProgram(const std::vector<std::string>& argv, const std::vector<std::string>* env) {
  RunResult result;
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  std::vector<char*> args = CStrings(argv);
  std::vector<char*> envp = env ? CStrings(*env) : std::vector<char*>();
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), env ? envp.data() : environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    ADD_FAILURE() << "posix_spawn " << argv[0] << ": " << std::strerror(rc);
    close(out[0]);
    close(err[0]);
    return result;
  }
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      ADD_FAILURE() << "poll: " << std::strerror(errno);
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  while (waitpid(pid, &result.status, 0) < 0 && errno == EINTR) {
  }
  return result;
}

::testing::AssertionResult ReadSymbolBytes(const std::string& path, const std::string& name, SymbolBytes* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ::testing::AssertionFailure() << "cannot open " << path;
  const std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto fits = [&](uint64_t off, uint64_t len) { return off <= file.size() && len <= file.size() - off; };
  if (!fits(0, sizeof(Elf64_Ehdr)) || std::memcmp(file.data(), ELFMAG, SELFMAG) != 0 ||
      file[EI_CLASS] != ELFCLASS64) {
    return ::testing::AssertionFailure() << path << " is not an ELF64 file";
  }
  Elf64_Ehdr eh;
  std::memcpy(&eh, file.data(), sizeof eh);
  if (eh.e_shentsize != sizeof(Elf64_Shdr) || !fits(eh.e_shoff, uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr))) {
    return ::testing::AssertionFailure() << path << ": bad section header table";
  }
  std::vector<Elf64_Shdr> sections(eh.e_shnum);
  std::memcpy(sections.data(), file.data() + eh.e_shoff, sections.size() * sizeof(Elf64_Shdr));
  for (const Elf64_Shdr& symtab : sections) {
    if (symtab.sh_type != SHT_SYMTAB || symtab.sh_link >= sections.size()) continue;
    const Elf64_Shdr& strtab = sections[symtab.sh_link];
    if (!fits(symtab.sh_offset, symtab.sh_size) || !fits(strtab.sh_offset, strtab.sh_size)) break;
    for (uint64_t off = 0; off + sizeof(Elf64_Sym) <= symtab.sh_size; off += sizeof(Elf64_Sym)) {
      Elf64_Sym sym;
      std::memcpy(&sym, file.data() + symtab.sh_offset + off, sizeof sym);
      if (sym.st_name >= strtab.sh_size) continue;
      const char* sym_name = reinterpret_cast<const char*>(file.data() + strtab.sh_offset + sym.st_name);
      if (name != std::string(sym_name, strnlen(sym_name, strtab.sh_size - sym.st_name))) continue;
      if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= sections.size()) {
        return ::testing::AssertionFailure() << name << " in " << path << " is not defined in a section";
      }
      const Elf64_Shdr& sec = sections[sym.st_shndx];
      if (sym.st_value < sec.sh_addr || sym.st_value - sec.sh_addr + sym.st_size > sec.sh_size ||
          !fits(sec.sh_offset + (sym.st_value - sec.sh_addr), sym.st_size)) {
        return ::testing::AssertionFailure() << name << " in " << path << " lies outside its section";
      }
      const uint64_t in_section = sym.st_value - sec.sh_addr;
      const uint64_t start = sec.sh_offset + in_section;
      const uint64_t before = in_section < 16 ? in_section : 16;
      out->address = sym.st_value;
      out->size = sym.st_size;
      out->before.assign(file.begin() + static_cast<long>(start - before), file.begin() + static_cast<long>(start));
      out->bytes.assign(file.begin() + static_cast<long>(start), file.begin() + static_cast<long>(start + sym.st_size));
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "no symbol " << name << " in the .symtab of " << path;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) nl = s.size();
    lines.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

}  // namespace crt_test
