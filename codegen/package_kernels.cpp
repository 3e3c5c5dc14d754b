// Kernel sources for packages (see package_kernels.h).
#include "codegen/package_kernels.h"

#include "codegen/register_arrays.h"
#include "codegen/target.h"

#include "ir/error.h"

#include <fmt/format.h>

#include <map>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace sqz::codegen {
namespace {

// Runtime functions generated kernels may call; packages define them with their own prefix.
const char* const kRuntimeFunctions[] = {
    "halide_do_par_for",     "halide_malloc",          "halide_free",
    "halide_error",          "halide_print",           "halide_error_out_of_memory",
    "halide_error_buffer_allocation_too_large",        "halide_current_time_ns",
    "halide_profiler_pipeline_end",
};

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string target_pragmas(const Halide::Target& target) {
    const std::string isa = gcc_target_isa(target);
    std::string out =
        "// sqzc: quiet warnings about Halide's generated code and enable the target's instruction sets,\n"
        "// so that a plain `c++ -O2` builds fast code.\n"
        "#if defined(__GNUC__) || defined(__clang__)\n"
        "#pragma GCC diagnostic ignored \"-Wpsabi\"\n"
        "#pragma GCC diagnostic ignored \"-Wunused-variable\"\n"
        "#pragma GCC diagnostic ignored \"-Wunused-function\"\n"
        "#pragma GCC diagnostic ignored \"-Wunused-parameter\"\n"
        "#pragma GCC diagnostic ignored \"-Wunused-but-set-variable\"\n"
        "#pragma GCC diagnostic ignored \"-Wuninitialized\"\n"
        "#endif\n"
        "#if defined(__GNUC__) && !defined(__clang__)\n"
        "// The kernels gain 15-20% with O3 over -O2, and another 11% with unrolled loops, whose\n"
        "// accumulators g++ then keeps in place instead of copying them around each iteration\n"
        "// (SqueezeNet v1.1, one thread, alternating runs in one process). Predictive commoning (an\n"
        "// O3 pass) keeps the inputs that a stride-2 conv's neighbouring pixels share in registers\n"
        "// and so spills the accumulators: without it, DC SqueezeNet v1.0 runs 3% faster.\n"
        "#pragma GCC optimize(\"O3\", \"unroll-loops\", \"no-predictive-commoning\")\n"
        "#endif\n";
    if (!isa.empty())
        out += fmt::format(
            "#if defined(__clang__)\n"
            "#pragma clang attribute push(__attribute__((target(\"{0}\"))), apply_to = function)\n"
            "#elif defined(__GNUC__)\n"
            "#pragma GCC target(\"{0}\")\n"
            "#endif\n",
            isa);
    return out;
}

// Halide numbers its temporaries from process-wide counters, so the same kernel compiled twice
// (or in another order) gets other numbers. Renumber them in order of first appearance, per file,
// so that packages are byte-identical for the same inputs.
std::string canonicalize_names(const std::string& source) {
    static const std::regex token(
        R"(\b(?:(_\d+)|(s\d+)|(_closure_prototype|_closure_arg|_parallel_closure)(?:__\d+)?|([A-Za-z_]\w*?)__\d+)\b)");
    std::map<std::string, std::string> renamed;
    std::string out;
    out.reserve(source.size());
    auto last = source.cbegin();
    for (std::sregex_iterator it(source.begin(), source.end(), token), end; it != end; ++it) {
        const std::string name = it->str();
        auto found = renamed.find(name);
        if (found == renamed.end()) {
            const size_t k = renamed.size();
            std::string fresh;
            if ((*it)[1].matched) fresh = fmt::format("_t{}", k);          // a temporary
            else if ((*it)[2].matched) fresh = fmt::format("s_{}", k);     // a closure struct
            else if ((*it)[3].matched) fresh = fmt::format("{}__n{}", (*it)[3].str(), k);  // closure names
            else fresh = fmt::format("{}__n{}", (*it)[4].str(), k);        // a uniquely suffixed name
            found = renamed.emplace(name, fresh).first;
        }
        out.append(last, (*it)[0].first);
        out += found->second;
        last = (*it)[0].second;
    }
    out.append(last, source.cend());
    return out;
}

std::string adapt_source(std::string source, const Halide::Target& target, const std::string& prefix,
                         const std::string& kernel) {
    source = promote_register_arrays(canonicalize_names(strip_lowering_markers(source)));
    for (const char* f : kRuntimeFunctions)
        source = std::regex_replace(source, std::regex(std::string("\\b") + f + "\\b"), prefix + "_" + f);
    // The pragmas go after the system headers at the top of the file.
    const std::string anchor = "#include <type_traits>\n";
    const auto at = source.find(anchor);
    SQZ_ASSERT(at != std::string::npos, "unexpected Halide C++ output for kernel {}", kernel);
    source.insert(at + anchor.size(), target_pragmas(target));
    const bool clang_attribute = target.arch == Halide::Target::X86;
    std::string header = fmt::format("// Kernel {} of package {}: generated by Halide's C++ backend for {}, through sqzc.\n",
                                     kernel, prefix, target.to_string());
    if (clang_attribute) source += "\n#if defined(__clang__)\n#pragma clang attribute pop\n#endif\n";
    return header + source;
}

// The declaration of the kernel's entry point, from Halide's header output.
std::string extract_prototype(const std::string& header, const std::string& kernel) {
    std::smatch m;
    const std::regex decl("(int " + kernel + R"(\(void const \*__user_context[^;]*;))");
    SQZ_ASSERT(std::regex_search(header, m, decl), "no prototype for kernel {} in Halide's header", kernel);
    return m[1];
}

}  // namespace

std::string strip_lowering_markers(const std::string& text) {
    // The marker itself, and the suffix ($N in strings, __N in identifiers) Halide appends when it
    // has seen a name before: sqzc's names end in a counter unique within a lowering, so the
    // suffix carries no information there.
    static const std::regex marker(R"(sqzL\d+x_)");
    static const std::regex suffix(R"((_\d+)(\$|__)\d+)");
    return std::regex_replace(std::regex_replace(text, marker, ""), suffix, "$1");
}

Halide::Target package_target(const Halide::Target& target) {
    return target.with_feature(Halide::Target::NoRuntime)
        .with_feature(Halide::Target::NoAsserts)
        .with_feature(Halide::Target::NoBoundsQuery)
        .with_feature(Halide::Target::UserContext)
        .with_feature(Halide::Target::CPlusPlusMangling);
}

std::vector<EmittedKernel> emit_kernels(LoweredModel& model, const Halide::Target& target, const std::string& prefix) {
    // A package is emitted in a process of its own (sqzc compile), from a fixed state of Halide's
    // name counters; emitting the same model twice in one process may name temporaries differently.
    const Halide::Target t = package_target(target);
    struct Scratch {
        std::filesystem::path dir;
        ~Scratch() {
            std::error_code ignored;
            std::filesystem::remove_all(dir, ignored);
        }
    } scratch{std::filesystem::temp_directory_path() /
              fmt::format("sqzc-kernels-{}-{}", prefix, std::hash<std::thread::id>()(std::this_thread::get_id()))};
    std::filesystem::create_directories(scratch.dir);
    // One kernel after another: Halide draws the names of loops and temporaries from process-wide
    // counters, so only a fixed order gives the same names, and byte-identical packages, every time.
    std::vector<EmittedKernel> out(model.kernels.size());
    for (size_t k = 0; k < model.kernels.size(); ++k) {
        LoweredKernel& kernel = model.kernels[k];
        std::vector<Halide::Argument> args;
        for (const Halide::ImageParam& p : kernel.inputs) args.push_back(p);
        for (const PackedWeight& w : kernel.weights) args.push_back(w.param);
        const std::string fn = prefix + "::kernels::" + kernel.name;
        const auto cpp = scratch.dir / (kernel.name + ".cpp");
        const auto h = scratch.dir / (kernel.name + ".h");
        try {
            kernel.pipeline.compile_to_c(cpp.string(), args, fn, t);
            kernel.pipeline.compile_to_header(h.string(), args, fn, t);
        } catch (const Halide::CompileError& e) {
            // The pipeline is sqzc's own, for a target Halide accepted: Halide rejecting it is a bug
            // in sqzc (or a target sqzc should have refused up front), not a problem of the model.
            SQZ_INTERNAL_ERROR("Halide's C++ backend failed on kernel {} for {}: {}", kernel.name, t.to_string(),
                               e.what());
        }
        out[k].name = kernel.name;
        out[k].source = adapt_source(read_text(cpp), target, prefix, kernel.name);
        out[k].prototype = extract_prototype(strip_lowering_markers(read_text(h)), kernel.name);
    }
    return out;
}

std::string runtime_declarations(const std::string& source) {
    const std::string begin = "#ifndef HALIDE_HALIDERUNTIME_H";
    const std::string end = "#endif  // HALIDE_HALIDERUNTIME_H";
    const auto b = source.find(begin);
    const auto e = source.find(end);
    SQZ_ASSERT(b != std::string::npos && e != std::string::npos && e > b, "Halide's runtime declarations not found");
    return source.substr(b, e + end.size() - b) + "\n";
}

}  // namespace sqz::codegen
