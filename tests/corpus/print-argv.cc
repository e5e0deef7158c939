// The interpreter of the corpus's #! scripts: prints its argv exactly (length and bytes of each
// argument), so that the kernel's and ulexec's rewriting of argv (spec F3, F4, F6) can be compared
// byte for byte.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  std::printf("argc %d\n", argc);
  for (int i = 0; i < argc; ++i) std::printf("argv[%d] %zu <%s>\n", i, std::strlen(argv[i]), argv[i]);
  return 0;
}
