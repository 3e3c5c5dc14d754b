// Test helpers (see support.h).
#include "tests/support.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <regex>

namespace sqz::test {

namespace {
std::vector<std::string>& skips() {
    static std::vector<std::string> reasons;
    return reasons;
}
}  // namespace

void record_skip(const std::string& reason) { skips().push_back(reason); }

const std::vector<std::string>& recorded_skips() { return skips(); }

std::filesystem::path shared_dir() {
    if (const char* env = std::getenv("SQZ_SHARED_DIR")) return env;
    return std::filesystem::path(SQZ_SHARED_DIR).lexically_normal();
}

std::filesystem::path source_dir() { return SQZ_SOURCE_DIR; }

std::filesystem::path photo(const std::string& name) {
    const auto p = source_dir() / ".cache" / "photos" / name;
    return std::filesystem::exists(p) ? p : std::filesystem::path();
}

bool shared_available() { return std::filesystem::is_directory(shared_dir() / "models"); }

std::vector<float> random_values(size_t count, uint64_t seed, float lo, float hi) {
    std::mt19937_64 rng(seed);
    std::vector<float> v(count);
    for (float& x : v) x = lo + (hi - lo) * static_cast<float>(static_cast<double>(rng() >> 11) * 0x1.0p-53);
    return v;
}

ir::Tensor random_input(const ir::Graph& graph, uint64_t seed, float lo, float hi) {
    ir::TensorType t = graph.type_of(graph.inputs.at(0).name);
    return {t.dims, random_values(static_cast<size_t>(t.numel()), seed, lo, hi)};
}

std::vector<float> read_f32(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    in.seekg(0, std::ios::end);
    auto size = static_cast<size_t>(in.tellg());
    in.seekg(0);
    std::vector<float> v(size / 4);
    in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * 4));
    return v;
}

std::filesystem::path binary_dir() { return SQZ_BINARY_DIR; }

std::filesystem::path scratch_dir() {
    static const std::filesystem::path dir = [] {
        auto d = std::filesystem::temp_directory_path() / ("sqzc-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d;
    }();
    return dir;
}

std::string write_scratch(const std::string& name, const std::string& contents) {
    const auto path = scratch_dir() / name;
    std::ofstream(path, std::ios::binary) << contents;
    return path.string();
}

CommandResult run_shell(const std::string& command, int timeout_seconds) {
    ShellOptions options;
    options.timeout_seconds = timeout_seconds;
    return sqz::run_shell(command, options);
}

CommandResult run_sqzc(const std::string& args, int timeout_seconds) {
    CommandResult r = run_shell((binary_dir() / "sqzc").string() + " " + args, timeout_seconds);
    // Under AddressSanitizer (scripts/sanitize) sqzc's thread pool makes ASan print a notice that
    // it does not fully support makecontext/swapcontext; it is ASan's, not sqzc's output.
    static const std::regex asan_notice(R"(==[0-9]+==WARNING: ASan doesn't fully support makecontext/swapcontext[^\n]*\n)");
    r.err = std::regex_replace(r.err, asan_notice, "");
    return r;
}

}  // namespace sqz::test
