// forkexec's output parsed for the tests (transcript.h).
#include "transcript.h"

namespace forkexec_test {

int Transcript::Find(const std::string& role, const std::string& pattern, std::smatch* m, int from) const {
  const std::regex re(pattern);
  for (size_t i = static_cast<size_t>(from); i < lines.size(); ++i) {
    std::smatch local;
    if (lines[i].role == role && std::regex_search(lines[i].text, local, re)) {
      if (m) *m = local;
      return static_cast<int>(i);
    }
  }
  return -1;
}

Transcript Parse(const std::string& out) {
  Transcript t;
  const std::regex stamped(R"(^\[ *(\d+\.\d{3}) ms\] (\d+) (parent|child): (.*)$)");
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    const std::string line = out.substr(start, end - start);
    std::smatch m;
    if (std::regex_match(line, m, stamped)) {
      t.lines.push_back({std::stod(m[1]), std::stoi(m[2]), m[3], m[4]});
    } else {
      t.other.push_back(line);
    }
    start = end + 1;
  }
  return t;
}

}  // namespace forkexec_test
