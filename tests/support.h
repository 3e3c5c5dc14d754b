// Helpers shared by the test executables: where ../shared lives, seeded random tensors, and a
// macro that skips a test with a clear message when the shared data is absent.
#pragma once

#include "ir/graph.h"
#include "ir/host_tensor.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sqz::test {

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

struct CommandResult {
    int exit_code = -1;     // -1 when killed by a signal
    int signal = 0;
    std::string out;
    std::string err;
};
// Runs a shell command with a time limit (seconds); stdout and stderr are captured apart.
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

// Skips the rest of a test case, with a message in the report, when ../shared is missing.
#define SQZ_REQUIRE_SHARED()                                                                          \
    do {                                                                                              \
        if (!::sqz::test::shared_available()) {                                                       \
            WARN("skipped: shared model data not found at " << ::sqz::test::shared_dir().string());   \
            return;                                                                                   \
        }                                                                                             \
    } while (0)
