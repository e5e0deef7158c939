// main() for the crt/ tests: GoogleTest's flags first, then NAME=PATH for each program under test.
#include "harness.h"

#include <cstdio>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    if (!crt_test::AddBinary(argv[i])) {
      std::fprintf(stderr, "%s: unexpected argument '%s' (want NAME=PATH)\n", argv[0], argv[i]);
      return 2;
    }
  }
  return RUN_ALL_TESTS();
}
