// Writing a package (see package.h): lower for the target, generate the kernels and the sources,
// store the weights, then move the finished folder into place in one rename.
#include "codegen/package.h"

#include "codegen/lowering.h"
#include "codegen/package_kernels.h"
#include "codegen/package_sources.h"
#include "codegen/package_weights.h"
#include "ir/c_identifier.h"
#include "ir/error.h"
#include "ir/interpreter.h"
#include "ir/test_pattern.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace sqz::codegen {

namespace fs = std::filesystem;

namespace {

const std::set<std::string> kReservedNames = {
    "alignas", "alignof", "and", "asm", "auto", "bool", "break", "case", "catch", "char", "class", "const",
    "constexpr", "continue", "default", "delete", "do", "double", "else", "enum", "explicit", "export", "extern",
    "false", "float", "for", "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new",
    "noexcept", "not", "nullptr", "operator", "or", "private", "protected", "public", "register", "return", "short",
    "signed", "sizeof", "static", "struct", "switch", "template", "this", "throw", "true", "try", "typedef",
    "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "while", "xor", "std", "sqz", "halide",
    "Halide", "main"};

void write(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) user_error("{}: write failed", path.string());
}

LoweringOptions package_lowering(const PackageOptions& options) {
    LoweringOptions lowering;
    lowering.target = options.target;
    lowering.scheduler = Scheduler::Manual;
    lowering.c_source = true;
    lowering.optimize = options.optimize;
    return lowering;
}

// The files of a package, in the order written: one list that emit_package follows (and checks)
// and package_file_names reports.
std::vector<std::string> file_names(const std::string& N, const std::vector<std::string>& kernels, WeightsStorage weights) {
    std::vector<std::string> names = {N + ".h", N + ".cpp", N + "_kernels.h"};
    for (const std::string& k : kernels) names.push_back(N + "_" + k + ".cpp");
    names.push_back(weights == WeightsStorage::Embedded ? N + "_weights.cpp" : N + ".weights");
    for (const char* suffix : {"_package_name.h", "_halide_runtime.h", "_selftest.cpp", "_selftest_data.cpp"})
        names.push_back(N + suffix);
    for (const auto& file : package_runtime_files(N)) names.push_back(file.first);
    names.push_back("CMakeLists.txt");
    names.push_back("README.md");
    return names;
}

}  // namespace

std::vector<std::string> package_file_names(const ir::Graph& graph, const PackageOptions& options) {
    check_package_name(options.name);
    const LoweredModel model = lower(graph, package_lowering(options));
    std::vector<std::string> kernels;
    for (const LoweredKernel& k : model.kernels) kernels.push_back(k.name);
    return file_names(options.name, kernels, options.weights);
}

void check_package_name(const std::string& name) {
    if (!is_c_identifier(name) || name.size() > 64)
        user_error("package name '{}' must be a C identifier of at most 64 characters (letters, digits, '_')", name);
    if (kReservedNames.count(name) || name.rfind("__", 0) == 0)
        user_error("package name '{}' is reserved; choose another with --name", name);
}

std::string default_package_name(const std::string& graph_name) {
    std::string out = c_identifier(graph_name, "model_");
    if (out.size() > 64) out.resize(64);
    if (kReservedNames.count(out)) out += "_model";
    return out;
}

PackageSummary emit_package(const ir::Graph& graph, const PackageOptions& options, const std::string& dir) {
    check_package_name(options.name);
    const fs::path target_dir = fs::path(dir).lexically_normal();
    if (target_dir.empty() || target_dir == "." || target_dir == "/") user_error("refusing to write a package into '{}'", dir);
    std::error_code ec;
    if (fs::exists(target_dir, ec) && !options.force)
        user_error("{}: already exists; give --force to replace it", target_dir.string());
    if (fs::exists(target_dir, ec) && !fs::is_directory(target_dir, ec))
        user_error("{}: exists and is not a folder", target_dir.string());

    // Everything that can fail before anything is written.
    LoweredModel model = lower(graph, package_lowering(options));
    const std::vector<EmittedKernel> kernels = emit_kernels(model, options.target, options.name, options.optimize);
    WeightBlob weights = pack_weight_blob(model);
    compress_weight_blob(weights, model, graph, options.weight_blobs);
    PackageModel p{graph, model, options, kernels, weights};
    for (const ir::GraphInput& in : graph.inputs) p.selftest_inputs.push_back(ir::test_pattern(graph.type_of(in.name)));
    for (const ir::TensorF64& t : ir::interpret(graph, p.selftest_inputs))
        p.selftest_outputs.push_back({t.dims, std::vector<float>(t.data.begin(), t.data.end())});

    const std::string& N = options.name;
    std::vector<std::pair<std::string, std::string>> files;
    std::vector<std::string> library_sources, selftest_sources;
    enum class Part { Other, Library, Selftest };  // which build a .cpp belongs to
    auto add = [&](const std::string& name, std::string text, Part part) {
        if (part == Part::Library) library_sources.push_back(name);
        if (part == Part::Selftest) selftest_sources.push_back(name);
        files.emplace_back(name, std::move(text));
    };
    add(N + ".h", package_header(p), Part::Other);
    add(N + ".cpp", package_description_source(p), Part::Library);
    add(N + "_kernels.h", package_kernels_header(p), Part::Other);
    for (const EmittedKernel& k : kernels) add(N + "_" + k.name + ".cpp", k.source, Part::Library);
    if (options.weights == WeightsStorage::Embedded) add(N + "_weights.cpp", embedded_weights_source(N, weights), Part::Library);
    else add(N + ".weights", weights_file(weights), Part::Other);
    add(N + "_package_name.h", package_name_header(p), Part::Other);
    add(N + "_halide_runtime.h", package_halide_runtime_header(p), Part::Other);
    add(N + "_selftest.cpp", package_selftest_source(p), Part::Selftest);
    add(N + "_selftest_data.cpp", package_selftest_data(p), Part::Selftest);
    for (auto& [name, text] : package_runtime_files(N))
        add(name, text, name.size() > 4 && name.substr(name.size() - 4) == ".cpp" ? Part::Library : Part::Other);
    add("CMakeLists.txt", package_cmake(p, library_sources, selftest_sources), Part::Other);
    add("README.md", package_readme(p), Part::Other);
    std::vector<std::string> kernel_names, written;
    for (const EmittedKernel& k : kernels) kernel_names.push_back(k.name);
    for (const auto& file : files) written.push_back(file.first);
    SQZ_ASSERT(written == file_names(N, kernel_names, options.weights),
               "the package's files differ from the list that package_file_names reports");

    // Write beside the destination, then swap in.
    fs::path parent = target_dir.parent_path();
    if (parent.empty()) parent = ".";
    fs::create_directories(parent, ec);
    if (ec) user_error("{}: cannot create the parent folder ({})", parent.string(), ec.message());
    const fs::path staging = parent / ("." + target_dir.filename().string() + ".sqzc-staging");
    const fs::path old = parent / ("." + target_dir.filename().string() + ".sqzc-old");
    fs::remove_all(staging, ec);
    fs::remove_all(old, ec);
    try {
        fs::create_directory(staging);
        for (const auto& [name, text] : files) write(staging / name, text);
    } catch (const std::runtime_error& e) {  // sqz::Error from write(), or std::filesystem_error
        fs::remove_all(staging, ec);
        user_error("{}: writing the package failed: {}", target_dir.string(), e.what());
    }
    if (fs::exists(target_dir)) fs::rename(target_dir, old, ec);
    if (ec) {
        fs::remove_all(staging, ec);
        user_error("{}: cannot replace the existing folder", target_dir.string());
    }
    fs::rename(staging, target_dir, ec);
    if (ec) {
        if (fs::exists(old)) fs::rename(old, target_dir, ec);
        fs::remove_all(staging, ec);
        user_error("{}: cannot move the package into place", target_dir.string());
    }
    fs::remove_all(old, ec);

    PackageSummary summary;
    summary.dir = target_dir.string();
    summary.kernels = static_cast<int>(kernels.size());
    summary.files = static_cast<int>(files.size());
    summary.arena_bytes = model.plan.arena_bytes;
    summary.weight_bytes = static_cast<int64_t>(weights.stored_bytes().size());
    summary.expanded_weight_bytes = static_cast<int64_t>(weights.bytes.size());
    summary.compressed_tensors = weights.compressed_tensors;
    return summary;
}

}  // namespace sqz::codegen
