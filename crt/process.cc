// What the kernel handed the program at entry: the initial stack parsed, auxv and environment
// lookups (crt/process.h).
#include <crt/process.h>
#include <crt/string.h>

#include <elf.h>

namespace crt {

Process ParseInitialStack(const long* sp) {
  Process p;
  p.initial_sp = sp;
  p.argc = static_cast<int>(sp[0]);
  p.argv = reinterpret_cast<char**>(const_cast<long*>(sp + 1));
  p.envp = p.argv + p.argc + 1;
  char** e = p.envp;
  while (*e != nullptr) ++e;
  p.auxv = reinterpret_cast<const AuxEntry*>(e + 1);
  return p;
}

unsigned long Process::Aux(unsigned long type, unsigned long fallback) const {
  for (const AuxEntry* a = auxv; a && a->type != AT_NULL; ++a) {
    if (a->type == type) return a->value;
  }
  return fallback;
}

bool Process::HasAux(unsigned long type) const {
  for (const AuxEntry* a = auxv; a && a->type != AT_NULL; ++a) {
    if (a->type == type) return true;
  }
  return false;
}

size_t Process::AuxCount() const {
  size_t n = 0;
  while (auxv && auxv[n].type != AT_NULL) ++n;
  return n + 1;
}

size_t Process::EnvCount() const {
  size_t n = 0;
  while (envp && envp[n]) ++n;
  return n;
}

const char* Process::Getenv(std::string_view name) const {
  for (char** e = envp; e && *e; ++e) {
    std::string_view entry(*e);
    if (entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=') {
      return *e + name.size() + 1;
    }
  }
  return nullptr;
}

}  // namespace crt
