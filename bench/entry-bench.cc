// entry-bench: time to entry. Starts each probe (entry-probe/) each way, interleaved, and prints
// per cell the median and p10/p90 of t0-to-entry and the median of the child's minor faults, as
// tab-separated lines; bench/run-entry makes the Markdown table of it (see bench/README.md).
//
// entry-bench [--starts N] [--warmup N] [--only ROW:COLUMN]... [--probes DIR] [--ulexec PATH]
//             [--ldso PATH]
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "entry-start.h"

#ifndef ENTRY_BENCH_ULEXEC
#define ENTRY_BENCH_ULEXEC "ulexec"
#endif
#ifndef ENTRY_BENCH_PROBES
#define ENTRY_BENCH_PROBES "entry-probe"
#endif

namespace entry_bench {
namespace {

struct Row {
  const char* key;
  const char* file;  // in the probes folder
  bool dynamic;      // has PT_INTERP: also started with ld.so as a program
};
constexpr Row kRows[] = {
    {"static", "entry-probe-static", false},
    {"static-pie", "entry-probe-static-pie", false},
    {"glibc-dynamic", "entry-probe-glibc-dynamic", true},
    {"musl-static", "entry-probe-musl-static", false},
    {"big-static", "entry-probe-big-static", false},
};

struct Column {
  const char* key;
  Way way;
};
constexpr Column kColumns[] = {
    {"execve", Way::kExecve},
    {"ulexec-command", Way::kUlexecCommand},
    {"ulexec-library", Way::kUlexecLibrary},
    {"memfd-fexecve", Way::kMemfdFexecve},
    {"ldso", Way::kLdso},
};

struct Config {
  int starts = 1000;
  int warmup = 50;
  std::string probes = ENTRY_BENCH_PROBES;
  std::string ulexec = ENTRY_BENCH_ULEXEC;
  std::string ldso = "/lib64/ld-linux-x86-64.so.2";
  std::vector<std::string> only;  // ROW:COLUMN; empty: every cell
};

struct Cell {
  std::string row, column;
  Launch launch;
  std::vector<Sample> samples;
};

// Without `why`: the usage on stdout, exit status 0 (--help).
[[noreturn]] void Usage(const char* why) {
  if (why != nullptr) std::fprintf(stderr, "entry-bench: %s\n", why);
  std::fprintf(why != nullptr ? stderr : stdout,
               "usage: entry-bench [--starts N] [--warmup N] [--only ROW:COLUMN]... [--probes DIR] [--ulexec PATH] "
               "[--ldso PATH]\nrows: static static-pie glibc-dynamic musl-static big-static\n"
               "columns: execve ulexec-command ulexec-library memfd-fexecve ldso (glibc-dynamic only)\n");
  std::exit(why ? 2 : 0);
}

Config ParseArgs(int argc, char** argv) {
  Config config;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help") Usage(nullptr);
    constexpr std::string_view kFlags[] = {"--starts", "--warmup", "--only", "--probes", "--ulexec", "--ldso"};
    if (std::find(std::begin(kFlags), std::end(kFlags), flag) == std::end(kFlags)) Usage("unknown option");
    if (i + 1 >= argc) Usage("every option takes a value");
    const char* value = argv[++i];
    if (flag == "--starts") {
      config.starts = std::atoi(value);
    } else if (flag == "--warmup") {
      config.warmup = std::atoi(value);
    } else if (flag == "--only") {
      config.only.emplace_back(value);
    } else if (flag == "--probes") {
      config.probes = value;
    } else if (flag == "--ulexec") {
      config.ulexec = value;
    } else {
      config.ldso = value;
    }
  }
  if (config.starts < 1 || config.warmup < 0) Usage("--starts must be at least 1, --warmup at least 0");
  return config;
}

// The launch of one cell: argv is the probe's own path (then ulexec's or ld.so's in front).
Launch MakeLaunch(const Config& config, Way way, const std::string& probe) {
  Launch launch{way, probe, {probe}};
  if (way == Way::kUlexecCommand || way == Way::kLdso) {
    launch.path = way == Way::kLdso ? config.ldso : config.ulexec;
    launch.args.insert(launch.args.begin(), launch.path);
  }
  return launch;
}

bool MakeCells(const Config& config, std::vector<Cell>* cells) {
  for (const Row& row : kRows) {
    const std::string probe = config.probes + "/" + row.file;
    for (const Column& column : kColumns) {
      if (column.way == Way::kLdso && !row.dynamic) continue;
      const std::string key = std::string(row.key) + ":" + column.key;
      if (!config.only.empty() && std::find(config.only.begin(), config.only.end(), key) == config.only.end()) {
        continue;
      }
      Cell cell{row.key, column.key, MakeLaunch(config, column.way, probe), {}};
      if (column.way == Way::kMemfdFexecve) {
        cell.launch.image_fd = open(probe.c_str(), O_RDONLY | O_CLOEXEC);
        struct stat st{};
        if (cell.launch.image_fd < 0 || !MoveHigh(&cell.launch.image_fd) || fstat(cell.launch.image_fd, &st) != 0) {
          return std::fprintf(stderr, "entry-bench: %s: %s\n", probe.c_str(), std::strerror(errno)), false;
        }
        cell.launch.image_size = st.st_size;
      }
      cells->push_back(std::move(cell));
    }
  }
  if (cells->empty()) return std::fprintf(stderr, "entry-bench: --only matches no cell\n"), false;
  return true;
}

// Rounds of one start per cell, in a new random order each round, so that a burst of other load
// hits every cell alike. The first `warmup` rounds are not kept.
bool Run(const Config& config, Starter& starter, std::vector<Cell>& cells) {
  std::vector<Cell*> order;
  for (Cell& cell : cells) order.push_back(&cell);
  std::mt19937 random(20261207);
  for (int round = 0; round < config.warmup + config.starts; ++round) {
    std::shuffle(order.begin(), order.end(), random);
    for (Cell* cell : order) {
      Sample sample;
      std::string why;
      if (!starter.Start(cell->launch, &sample, &why)) {
        std::fprintf(stderr, "entry-bench: %s:%s (%s): %s\n", cell->row.c_str(), cell->column.c_str(),
                     cell->launch.path.c_str(), why.c_str());
        return false;
      }
      if (round >= config.warmup) cell->samples.push_back(sample);
    }
    if ((round + 1) % 200 == 0) std::fprintf(stderr, "entry-bench: %d rounds\n", round + 1);
  }
  return true;
}

// The nearest-rank percentile of sorted values.
template <typename T>
T Percentile(const std::vector<T>& sorted, double p) {
  const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

void Print(const std::vector<Cell>& cells) {
  std::printf("row\tcolumn\tstarts\tmedian_us\tp10_us\tp90_us\tfaults_median\n");
  for (const Cell& cell : cells) {
    std::vector<double> us;
    std::vector<long> faults;
    for (const Sample& s : cell.samples) us.push_back(s.us), faults.push_back(s.faults);
    std::sort(us.begin(), us.end());
    std::sort(faults.begin(), faults.end());
    std::printf("%s\t%s\t%zu\t%.1f\t%.1f\t%.1f\t%ld\n", cell.row.c_str(), cell.column.c_str(), us.size(),
                Percentile(us, 0.5), Percentile(us, 0.1), Percentile(us, 0.9), Percentile(faults, 0.5));
  }
}

}  // namespace
}  // namespace entry_bench

int main(int argc, char** argv) {
  using namespace entry_bench;
  const Config config = ParseArgs(argc, argv);
  Starter starter;
  std::string why;
  if (!starter.Init(&why)) return std::fprintf(stderr, "entry-bench: %s\n", why.c_str()), 1;
  std::vector<Cell> cells;
  if (!MakeCells(config, &cells) || !Run(config, starter, cells)) return 1;
  Print(cells);
  return 0;
}
