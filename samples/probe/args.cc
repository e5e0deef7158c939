// Sections `args` and `env`: argc/argv and envp exactly as found on the initial stack.
#include "probe.h"

#include <crt/string.h>

namespace probe {

void ReportArgs(const Context& ctx, crt::Writer& w) {
  const crt::Process& p = ctx.process;
  w << "argc: " << p.argc << '\n';
  for (int i = 0; i < p.argc; ++i) w << "argv[" << i << "]: " << Quoted{crt::View(p.argv[i])} << '\n';
  w << "argv[argc]: " << (p.argv[p.argc] == nullptr ? "NULL" : "not NULL") << '\n';
}

void ReportEnv(const Context& ctx, crt::Writer& w) {
  const crt::Process& p = ctx.process;
  const size_t envc = p.EnvCount();
  w << "envc: " << envc << '\n';
  for (size_t i = 0; i < envc; ++i) w << "envp[" << i << "]: " << Quoted{crt::View(p.envp[i])} << '\n';
}

}  // namespace probe
