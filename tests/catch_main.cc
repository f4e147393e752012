// The one Catch2 main for every test binary (Catch2 v2, single header from Debian's catch2 package).
// Every test binary runs with the strict check of error reasons (common/status/status_util.h): a
// service that returns an ErrorInfo reason missing from the catalogue
// (proto/unemployment/common/v1/error_reason.proto) aborts the test.
#define CATCH_CONFIG_RUNNER
#include <stdlib.h>

#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
  setenv("UE_STRICT_ERROR_REASONS", "1", /*overwrite=*/0);
  return Catch::Session().run(argc, argv);
}
