// Helpers shared by the test executables: where ../shared lives, seeded random tensors, and
// visible skips: a test that cannot run here says why, and ctest counts it as skipped.
#pragma once

#include "ir/graph.h"
#include "ir/host_tensor.h"
#include "ir/shell.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace sqz::test {

// Skips. A test that cannot run here (data or tools missing) calls SQZ_SKIP(message), or, when
// only part of it cannot run, SQZ_RECORD_SKIP(message) and goes on. The test executable then
// exits with kSkipExitCode (tests/test_main.cpp), which ctest counts as skipped (SKIP_RETURN_CODE
// on every test, tests/CMakeLists.txt) -- unless an assertion failed: a failure stays a failure.
inline constexpr int kSkipExitCode = 77;
void record_skip(const std::string& reason);
const std::vector<std::string>& recorded_skips();

// ../shared beside the repository (SQZ_SHARED_DIR), or the SQZ_SHARED_DIR environment variable.
std::filesystem::path shared_dir();
std::filesystem::path source_dir();
bool shared_available();

// Real photographs fetched by scripts/fetch-photos (.cache/photos); empty path when absent.
std::filesystem::path photo(const std::string& name);

// Deterministic uniform values in [lo, hi).
std::vector<float> random_values(size_t count, uint64_t seed, float lo = -1.0f, float hi = 1.0f);
// A random input for the graph's first input, batched.
ir::Tensor random_input(const ir::Graph& graph, uint64_t seed, float lo = -1.0f, float hi = 1.0f);
// Reads a raw little-endian float32 file.
std::vector<float> read_f32(const std::filesystem::path& path);

// The build tree (where build/sqzc lives) and a scratch folder unique to this test process.
std::filesystem::path binary_dir();
std::filesystem::path scratch_dir();
// Writes `contents` to scratch_dir() / name and returns that path.
std::string write_scratch(const std::string& name, const std::string& contents);

using CommandResult = ShellResult;
// Runs a shell command (sqz::run_shell) with a time limit (seconds); stdout and stderr are
// captured apart.
CommandResult run_shell(const std::string& command, int timeout_seconds = 300);
// Runs build/sqzc with the given arguments (already shell-quoted where needed).
CommandResult run_sqzc(const std::string& args, int timeout_seconds = 300);

// A small .sqz model with two Fire modules (one with a simple bypass), fast to compile and run,
// for the command-line and benchmark tests.
inline constexpr const char* kTinyFireSqz = R"(sqz 1
name tiny
input 3x31x31
layers
conv conv1 filters=20 kernel=3 stride=2 relu
maxpool pool1 kernel=3 stride=2
fire fire2 squeeze=6 expand1x1=10 expand3x3=10
fire fire3 squeeze=6 expand1x1=10 expand3x3=10 bypass=simple
conv conv10 filters=7 kernel=1 relu
global_avgpool pool10
softmax prob
)";

// The same size of model for int8: channel counts in multiples of 4, so every conv after the first
// computes in int8 (the dot-product instructions take 4 channels at a time); the second Fire
// module adds a simple bypass; no softmax, so its 10 scores stay spread out.
inline constexpr const char* kInt8FireSqz = R"(sqz 1
name fires
input 3x33x33
layers
conv    conv1 filters=16 kernel=3 stride=2 relu
maxpool pool1 kernel=3 stride=2
fire    fire2 squeeze=8 expand1x1=16 expand3x3=16
fire    fire3 squeeze=8 expand1x1=16 expand3x3=16 bypass=simple
conv    conv10 filters=10 kernel=1 relu
global_avgpool pool10
)";

}  // namespace sqz::test

// Records that (part of) the test case did not run, with the reason (streamed, as in INFO) as a
// warning in Catch's report and in the executable's last lines.
#define SQZ_RECORD_SKIP(message)                                                                      \
    do {                                                                                              \
        std::ostringstream sqz_skip_reason_;                                                          \
        sqz_skip_reason_ << message;                                                                  \
        WARN("skipped: " << sqz_skip_reason_.str());                                                  \
        ::sqz::test::record_skip(sqz_skip_reason_.str());                                             \
    } while (0)

// Skips the rest of the test case.
#define SQZ_SKIP(message)                                                                             \
    do {                                                                                              \
        SQZ_RECORD_SKIP(message);                                                                     \
        return;                                                                                       \
    } while (0)

// Skips the rest of a test case when ../shared is missing.
#define SQZ_REQUIRE_SHARED()                                                                          \
    do {                                                                                              \
        if (!::sqz::test::shared_available())                                                         \
            SQZ_SKIP("shared model data not found at " << ::sqz::test::shared_dir().string());         \
    } while (0)

// Skips the rest of a test case when the photograph `name` (scripts/fetch-photos) is missing.
#define SQZ_REQUIRE_PHOTO(name)                                                                       \
    do {                                                                                              \
        if (::sqz::test::photo(name).empty())                                                         \
            SQZ_SKIP("photograph " << (name) << " not in .cache/photos (run scripts/fetch-photos)");   \
    } while (0)
