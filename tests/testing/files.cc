#include "tests/testing/files.h"

#include <fstream>
#include <iterator>

namespace unemployment::testing {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace unemployment::testing
