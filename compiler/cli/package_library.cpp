// Compressed package weights and the shared-library size measurement (see package_library.h).
#include "compiler/cli/package_library.h"

#include "ir/error.h"
#include "ir/shell.h"

#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace sqz::cli {

namespace fs = std::filesystem;

namespace {

// How much of the self-test's output the report keeps (its summary line).
constexpr size_t kSelftestOutputBytes = 400;

// Runs shell commands two at a time (the machine's cores are shared); throws with the first
// failing command (in list order) and the start of its output.
void run_all(const std::vector<std::string>& commands) {
    run_shell_all_or_throw(commands, 2, "building the package library");
}

// The size of the .text section of an ELF file, from `size -A` (0 if unavailable).
int64_t text_bytes(const fs::path& library) {
    const ShellResult size = run_shell("size -A " + shell_quote(library.string()));
    if (!size.ok()) return 0;
    std::istringstream in(size.out);
    std::string section;
    int64_t bytes = 0;
    while (in >> section) {
        if (section == ".text" && in >> bytes) return bytes;
        std::string rest;
        std::getline(in, rest);
    }
    return 0;
}

// The kernels choose their own optimisation with a pragma whatever the command line says (speed
// kernels -O3, size kernels -Os), so the flags change the size of the model, runtime and weights
// code only.
struct FlagSet {
    const char* description;
    const char* flags;
    const char* link_flags;
    bool smallest;  // gc-sections, a version script exporting the C API only, packed relocations
};

const FlagSet kFlagSets[] = {
    {"-O2", "-O2", "", false},
    // No separate page for the code, no RELRO page, no build id, and the data segment placed
    // right after the code in the file (a small common page size: it then shares a page of memory
    // with the code's last instead of starting a page of its own in the file): less padding.
    // The runtime throws nothing and no exception passes through a package, so it builds without
    // exceptions, unwind tables or RTTI.
    {"-Os, gc-sections, no exceptions, only the C API", "-Os -ffunction-sections -fdata-sections -fno-exceptions "
     "-fno-asynchronous-unwind-tables -fno-rtti",
     " -Wl,-z,noseparate-code -Wl,-z,norelro -Wl,--build-id=none -Wl,-z,common-page-size=64", true},
};

// Whether `compiler` links with relative relocations packed (DT_RELR: binutils 2.38, glibc 2.36),
// which shrinks the table of pointers to fix up at load from 24 bytes a pointer to a bitmap.
bool links_packed_relocations(const std::string& compiler, const fs::path& dir) {
    const fs::path probe = dir / "relr_probe.so";
    const ShellResult r = run_shell(fmt::format("echo 'int f(){{return 0;}}' | {} -x c++ -shared -fPIC -o {} - "
                                                "-Wl,-z,pack-relative-relocs",
                                                compiler, shell_quote(probe.string())));
    return r.ok();
}

}  // namespace

void check_weights_format(compiler::WeightsFormat format, const compiler::CompileOptions& compile) {
    if (format != compiler::WeightsFormat::Dense && compile.precision == compiler::Precision::Int8)
        user_error("--weights-format {} stores float weights and cannot be combined with --precision int8 (int8 "
                   "packages store int8 weights; use --weights-format dense)",
                   compiler::to_string(format));
}

void set_weight_blobs(codegen::PackageOptions& options, const ir::Graph& graph, compiler::WeightsFormat format) {
    options.weights_format = std::string(compiler::to_string(format));
    options.weight_blobs.clear();
    if (format == compiler::WeightsFormat::Dense) return;
    for (compiler::LayerBlob& blob : compiler::encode_constants(graph, format))
        if (blob.stored_as_blob()) options.weight_blobs[blob.constant] = std::move(blob.bytes);
}

LibraryReport measure_package_library(const ir::Graph& graph, codegen::PackageOptions options,
                                      const std::string& compiler) {
    static std::atomic<int> counter{0};
    const fs::path dir = fs::temp_directory_path() / fmt::format("sqzc_library_{}_{}", ::getpid(), counter++);
    struct Cleanup {
        fs::path dir;
        ~Cleanup() {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    } cleanup{dir};
    fs::create_directories(dir);

    options.weights = codegen::WeightsStorage::Embedded;
    options.force = true;
    const fs::path package = dir / "package";
    const codegen::PackageSummary summary = codegen::emit_package(graph, options, package.string());
    LibraryReport report;
    report.package = options.name;
    report.weights_format = options.weights_format;
    report.packed_weight_bytes = summary.expanded_weight_bytes;

    // Export the C API only (not the package's Halide runtime functions or kernel loops, whose names
    // share its prefix); everything else may be dropped by --gc-sections.
    const fs::path version_script = dir / "exports.map";
    std::ofstream(version_script) << "{ global: " << fmt::format("{}", fmt::join(codegen::package_api_functions(options.name), "; "))
                                  << "; local: *; };\n";

    const bool relr = links_packed_relocations(compiler, dir);
    for (size_t f = 0; f < std::size(kFlagSets); ++f) {
        const FlagSet& flags = kFlagSets[f];
        const fs::path build = dir / fmt::format("build{}", f);
        fs::create_directories(build);
        std::vector<std::string> compiles, objects;
        for (const auto& entry : fs::directory_iterator(package)) {
            const std::string file = entry.path().filename().string();
            if (entry.path().extension() != ".cpp" || file.find("_selftest") != std::string::npos) continue;
            const fs::path object = build / (entry.path().stem().string() + ".o");
            compiles.push_back(fmt::format("{} -std=c++17 -fPIC {} -I{} -c {} -o {}", compiler,
                                           flags.flags, shell_quote(package.string()),
                                           shell_quote(entry.path().string()), shell_quote(object.string())));
            objects.push_back(shell_quote(object.string()));
        }
        run_all(compiles);
        const fs::path library = build / ("lib" + options.name + ".so");
        const std::string gc =
            (flags.smallest ? " -Wl,--gc-sections -Wl,--version-script=" + shell_quote(version_script.string()) : "") +
            (flags.smallest && relr ? " -Wl,-z,pack-relative-relocs" : "") + flags.link_flags;
        const fs::path selftest = build / "selftest";
        run_all({fmt::format("{} -shared -o {} {}{} -lpthread && strip --strip-all --remove-section=.comment {}", compiler, shell_quote(library.string()),
                             fmt::join(objects, " "), gc, shell_quote(library.string()))});
        // The self-test, linked against the stripped library, shows it is complete and correct.
        run_all({fmt::format("{} -std=c++17 -O2 -I{} {} {} {} -Wl,-rpath,{} -lpthread -o {}", compiler,
                             shell_quote(package.string()), shell_quote((package / (options.name + "_selftest.cpp")).string()),
                             shell_quote((package / (options.name + "_selftest_data.cpp")).string()), shell_quote(library.string()),
                             shell_quote(build.string()), shell_quote(selftest.string()))});
        LibraryBuild b;
        b.flags = std::string(flags.description) + (flags.smallest && relr ? ", packed relocations" : "");
        b.library_bytes = static_cast<int64_t>(fs::file_size(library));
        b.weight_bytes = summary.weight_bytes;
        b.text_bytes = text_bytes(library);
        ShellOptions merged;
        merged.merge_output = true;
        const ShellResult selftest_run = run_shell(shell_quote(selftest.string()), merged);
        b.selftest_passed = selftest_run.ok();
        b.selftest = selftest_run.out.substr(0, kSelftestOutputBytes);
        while (!b.selftest.empty() && b.selftest.back() == '\n') b.selftest.pop_back();
        report.builds.push_back(std::move(b));
    }
    return report;
}

std::string format_library_report(const LibraryReport& r) {
    std::string out = fmt::format("shared library of package '{}' (weights stored {}, embedded; {} bytes packed in "
                                  "memory after set-up):\n",
                                  r.package, r.weights_format, r.packed_weight_bytes);
    out += fmt::format("  {:<70}  {:>11}  {:>6}  {:>11}  {:>11}  {}\n", "build", "stripped", "MB", "weights", ".text",
                       "self-test");
    for (const LibraryBuild& b : r.builds)
        out += fmt::format("  {:<70}  {:>11}  {:>6.3f}  {:>11}  {:>11}  {}\n", b.flags, b.library_bytes,
                           b.library_bytes / 1e6, b.weight_bytes, b.text_bytes, b.selftest_passed ? "passed" : "FAILED");
    return out;
}

}  // namespace sqz::cli
