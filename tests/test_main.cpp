// The Catch2 main for every test executable: Catch's exit code (failed assertions), or, when
// nothing failed but a test skipped itself (tests/support.h), kSkipExitCode for ctest to count.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "tests/support.h"

#include <cstdio>

int main(int argc, char* argv[]) {
    const int result = Catch::Session().run(argc, argv);
    if (result != 0) return result == sqz::test::kSkipExitCode ? 1 : result;  // a failure is never a skip
    const std::vector<std::string>& skips = sqz::test::recorded_skips();
    for (const std::string& reason : skips) std::fprintf(stderr, "skipped: %s\n", reason.c_str());
    return skips.empty() ? 0 : sqz::test::kSkipExitCode;
}
