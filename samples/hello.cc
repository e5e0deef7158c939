// hello: prints its arguments, one a line, and exits with the status given by `--exit N`.
//   hello [--exit N] [ARG...]
#include <crt/format.h>
#include <crt/string.h>

int main(int argc, char** argv, char**) {
  crt::Writer out(1);
  unsigned long status = 0;
  out << "hello from " << argv[0] << '\n';
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (arg == "--exit" && i + 1 < argc) {
      if (!crt::ParseUnsigned(argv[++i], &status) || status > 255) {
        crt::PrintError(argv[0], "--exit needs a number from 0 to 255");
        return 2;
      }
      continue;
    }
    out << "argv[" << i << "]: " << arg << '\n';
  }
  return static_cast<int>(status);
}
