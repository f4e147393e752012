#pragma once

// Reading a file a test wrote or a service produced.

#include <string>

namespace unemployment::testing {

// The whole content of the file at `path` as bytes; empty when it cannot be read.
std::string ReadFile(const std::string& path);

}  // namespace unemployment::testing
