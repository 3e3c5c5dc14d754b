// Kernel sources for packages (see package_kernels.h).
#include "codegen/package_kernels.h"

#include "ir/parallel.h"

#include "codegen/c_backend.h"
#include "codegen/canonical_names.h"
#include "codegen/counter_names_pass.h"
#include "codegen/package_register_arrays.h"
#include "codegen/target.h"

#include "ir/c_identifier.h"
#include "ir/error.h"

#include <fmt/format.h>

#include <cctype>
#include <map>
#include <regex>

namespace sqz::codegen {
namespace {

// What a size build's kernels say instead of the speed build's O3 pragma.
constexpr const char* kSizePragmas =
    "#if defined(__GNUC__) && !defined(__clang__)\n"
    "// A size build (sqzc compile --optimize size): small code whatever the command line says.\n"
    "#pragma GCC optimize(\"Os\")\n"
    "#endif\n"
    "#if defined(__ELF__) && (defined(__GNUC__) || defined(__clang__))\n"
    "// Kernels throw no exceptions and nothing unwinds through them: their call-frame information\n"
    "// goes to .debug_frame (for debuggers; strip removes it) instead of the loaded .eh_frame.\n"
    "__asm__(\".cfi_sections .debug_frame\");\n"
    "#endif\n";

std::string target_pragmas(const Halide::Target& target, Optimize optimize) {
    const std::string isa = gcc_target_isa(target);
    const std::string speed =
        "#if defined(__GNUC__) && !defined(__clang__)\n"
        "// The kernels gain 15-20% with O3 over -O2, and another 11% with unrolled loops, whose\n"
        "// accumulators g++ then keeps in place instead of copying them around each iteration\n"
        "// (SqueezeNet v1.1, one thread, alternating runs in one process). Predictive commoning (an\n"
        "// O3 pass) keeps the inputs that a stride-2 conv's neighbouring pixels share in registers\n"
        "// and so spills the accumulators: without it, DC SqueezeNet v1.0 runs 3% faster.\n"
        "#pragma GCC optimize(\"O3\", \"unroll-loops\", \"no-predictive-commoning\")\n"
        "#endif\n";
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
        "#endif\n" +
        (optimize == Optimize::Size ? std::string(kSizePragmas) : speed);
    // Clang's aarch64 target attribute does not enable <arm_neon.h>'s dot products (it declares
    // them only under -march flags), so on ARM only g++ gets the pragma (c_backend.cpp falls back).
    if (!isa.empty() && target.arch != Halide::Target::X86)
        out += fmt::format("#if defined(__GNUC__) && !defined(__clang__)\n#pragma GCC target(\"{}\")\n#endif\n", isa);
    else if (!isa.empty())
        out += fmt::format(
            "#if defined(__clang__)\n"
            "#pragma clang attribute push(__attribute__((target(\"{0}\"))), apply_to = function)\n"
            "#elif defined(__GNUC__)\n"
            "#pragma GCC target(\"{0}\")\n"
            "#endif\n",
            isa);
    return out;
}

// Halide names the function of a parallel loop after the kernel and the loop, and adds a suffix
// (`__N`) when the name's hash met another name's before in the process: whether it does depends
// on what else the process compiled. The loop's name is unique in its kernel, so the suffix is
// dropped where the name without it is free; a size build's kernels of the same form then print
// the same code.
std::string drop_loop_function_suffixes(std::string source) {
    const std::string marker = "_par_for_";
    std::map<std::string, std::string> renamed;
    for (size_t at = source.find(marker); at != std::string::npos; at = source.find(marker, at + 1)) {
        size_t begin = at, end = at + marker.size();
        while (begin > 0 && is_c_identifier_char(source[begin - 1])) --begin;
        while (end < source.size() && is_c_identifier_char(source[end])) ++end;
        size_t digits = end;
        while (digits > at + marker.size() && source[digits - 1] >= '0' && source[digits - 1] <= '9') --digits;
        if (digits == end || source.compare(digits - 2, 2, "__") != 0) continue;
        renamed.emplace(source.substr(begin, end - begin), source.substr(begin, digits - 2 - begin));
    }
    for (const auto& [from, to] : renamed) {
        if (source.find(to + "(") != std::string::npos || source.find(to + ",") != std::string::npos) continue;
        for (size_t at = source.find(from); at != std::string::npos; at = source.find(from, at + to.size())) {
            const size_t after = at + from.size();
            if (after < source.size() && is_c_identifier_char(source[after])) continue;
            source.replace(at, from.size(), to);
        }
    }
    return source;
}

std::string adapt_source(std::string source, const Halide::Target& target, const std::string& prefix,
                         const std::string& kernel, Optimize optimize) {
    if (optimize == Optimize::Size) source = drop_loop_function_suffixes(std::move(source));
    source = promote_register_arrays(canonicalize_names(strip_lowering_markers(source)));
    // After the system headers at the top of the file: the package's names for the Halide runtime
    // functions (runtime/halide_names.h), before Halide's declarations of them, and the pragmas.
    const std::string anchor = "#include <type_traits>\n";
    const auto at = source.find(anchor);
    SQZ_ASSERT(at != std::string::npos, "unexpected Halide C++ output for kernel {}", kernel);
    source.insert(at + anchor.size(), fmt::format("#include \"{}_halide_names.h\"\n", prefix) + target_pragmas(target, optimize));
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

// A kernel source's own code: what follows Halide's runtime declarations.
std::string code_after_runtime_declarations(const std::string& source) {
    const std::string declarations = runtime_declarations(source);
    return source.substr(source.find(declarations) + declarations.size());
}

}  // namespace

std::string strip_lowering_markers(const std::string& text) {
    // The marker itself (sqzL<digits>x_, or sqzL<digits>k<digits>x_ in a shape-generic kernel), and the suffix ($N in strings, __N in identifiers) that
    // Halide appends when it has seen a name before (_<digits> then $<digits> or __<digits>):
    // sqzc's names end in a counter unique within a lowering, so the suffix carries no information
    // there. Scanned by hand: std::regex takes seconds on a package's kernels.
    auto digits_end = [](const std::string& s, size_t at) {
        while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
        return at;
    };
    std::string unmarked;
    unmarked.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        if (text.compare(i, 4, "sqzL") == 0) {
            size_t d = digits_end(text, i + 4);
            if (d > i + 4 && text.compare(d, 1, "k") == 0 && digits_end(text, d + 1) > d + 1) d = digits_end(text, d + 1);
            if (d > i + 4 && text.compare(d, 2, "x_") == 0) {
                i = d + 2;
                continue;
            }
        }
        unmarked += text[i++];
    }
    std::string out;
    out.reserve(unmarked.size());
    for (size_t i = 0; i < unmarked.size();) {
        if (unmarked[i] == '_') {
            const size_t d1 = digits_end(unmarked, i + 1);
            if (d1 > i + 1) {
                const size_t sep = unmarked.compare(d1, 1, "$") == 0 ? 1 : unmarked.compare(d1, 2, "__") == 0 ? 2 : 0;
                const size_t d2 = sep ? digits_end(unmarked, d1 + sep) : d1;
                if (sep && d2 > d1 + sep) {
                    out.append(unmarked, i, d1 - i);
                    i = d2;
                    continue;
                }
            }
        }
        out += unmarked[i++];
    }
    return out;
}

Halide::Target package_target(const Halide::Target& target) {
    return target.with_feature(Halide::Target::NoRuntime)
        .with_feature(Halide::Target::NoAsserts)
        .with_feature(Halide::Target::NoBoundsQuery)
        .with_feature(Halide::Target::UserContext)
        .with_feature(Halide::Target::CPlusPlusMangling);
}

std::vector<EmittedKernel> emit_kernels(LoweredModel& model, const Halide::Target& target, const std::string& prefix,
                                        Optimize optimize) {
    // A package is emitted in a process of its own (sqzc compile), from a fixed state of Halide's
    // name counters; emitting the same model twice in one process may name temporaries differently.
    const Halide::Target t = package_target(target);
    // Kernels are independent pipelines: compile them on all cores. Halide draws the names of
    // loops and temporaries from process-wide counters, so the numbers a kernel gets depend on what
    // compiled before it; counter_names_pass (before Halide orders closure fields by name) and
    // canonicalize_names (adapt_source, per file) take them out, which keeps packages
    // byte-identical whatever the order (tests/codegen/package_properties_test.cpp,
    // size_kernels_test.cpp).
    std::vector<EmittedKernel> out(model.kernels.size());
    parallel_for_each(model.kernels.size(), hardware_threads(), [&](size_t k) {
        LoweredKernel& kernel = model.kernels[k];
        std::vector<Halide::Argument> args;
        for (const Halide::ImageParam& p : kernel.inputs) args.push_back(p);
        for (const PackedWeight& w : kernel.weights) args.push_back(w.param);
        const std::string fn = prefix + "::kernels::" + kernel.name;
        PrintedKernel printed;
        try {
            // Lowered once, printed by sqzc's C++ backend (c_backend.h) as source and header.
            // The pass is the pipeline's only one, for this compilation only.
            SQZ_ASSERT(kernel.pipeline.custom_lowering_passes().empty(), "kernel {} has custom lowering passes",
                       kernel.name);
            kernel.pipeline.add_custom_lowering_pass(counter_names_pass().release());
            struct Clear {
                Halide::Pipeline& p;
                ~Clear() { p.clear_custom_lowering_passes(); }
            } clear{kernel.pipeline};
            printed = print_kernel(kernel.pipeline.compile_to_module(args, fn, t));
        } catch (const Halide::CompileError& e) {
            // The pipeline is sqzc's own, for a target Halide accepted: Halide rejecting it is a bug
            // in sqzc (or a target sqzc should have refused up front), not a problem of the model.
            SQZ_INTERNAL_ERROR("Halide's C++ backend failed on kernel {} for {}: {}", kernel.name, t.to_string(),
                               e.what());
        }
        out[k].name = kernel.name;
        out[k].source = adapt_source(printed.source, target, prefix, kernel.name, optimize);
        out[k].prototype = extract_prototype(strip_lowering_markers(printed.header), kernel.name);
    });
    // A package gives its kernels no memory of their own (its scratch arena is empty): a schedule
    // that allocates would fail only in packages, so refuse it here.
    for (const EmittedKernel& k : out)
        SQZ_ASSERT(!kernel_allocates(k.source),
                   "kernel {} allocates memory (halide_malloc), but package kernels get none: schedule it to "
                   "compute into its buffers or on the stack",
                   k.name);
    if (optimize == Optimize::Size) share_equal_kernels(out, prefix);
    return out;
}

void share_equal_kernels(std::vector<EmittedKernel>& kernels, const std::string& prefix) {
    // A kernel's name appears in its source as its entry points' names, its parallel loops'
    // functions' names and its header comment: set aside, what remains is its code.
    auto without_name = [](const EmittedKernel& k) {
        std::string text;
        const std::string& s = k.source;
        size_t at = 0;
        for (size_t hit = s.find(k.name); hit != std::string::npos; hit = s.find(k.name, at)) {
            text.append(s, at, hit - at).append("@kernel@");
            at = hit + k.name.size();
        }
        return text.append(s, at, std::string::npos);
    };
    std::map<std::string, std::string> first_with_code;  // code -> the kernel that has it
    for (EmittedKernel& k : kernels) {
        const auto [it, is_new] = first_with_code.emplace(without_name(k), k.name);
        if (is_new) continue;
        k.shares = it->second;
        k.prototype.clear();
        k.source = fmt::format("// Kernel {} of package {}: the same code as kernel {} (a size build emits each kernel\n"
                               "// form once), which {}.cpp calls in its place.\n",
                               k.name, prefix, k.shares, prefix);
    }
}

bool kernel_allocates(const std::string& source) {
    // Halide's runtime declarations (part of every kernel source) declare halide_malloc; the code
    // after them calls it only when the schedule allocates on the heap: `halide_malloc` as a whole
    // word, then optional white space and '('.
    const std::string code = code_after_runtime_declarations(source);
    const std::string word = "halide_malloc";
    for (size_t at = code.find(word); at != std::string::npos; at = code.find(word, at + 1)) {
        if (at > 0 && is_c_identifier_char(code[at - 1])) continue;
        size_t i = at + word.size();
        while (i < code.size() && std::isspace(static_cast<unsigned char>(code[i]))) ++i;
        if (i < code.size() && code[i] == '(') return true;
    }
    return false;
}

int64_t kernel_stack_bytes(const std::string& source) {
    static const std::map<std::string, int> kTypeBytes = {
        {"bool", 1},     {"int8_t", 1},   {"uint8_t", 1},  {"int16_t", 2},  {"uint16_t", 2},  {"int32_t", 4},
        {"uint32_t", 4}, {"float", 4},    {"int64_t", 8},  {"uint64_t", 8}, {"double", 8},    {"uintptr_t", 8}};
    const std::string code = code_after_runtime_declarations(source);
    int64_t total = 0;
    // A declaration is a line of its own: a type, a name, [digits], ';'.
    size_t line_begin = 0;
    while (line_begin < code.size()) {
        size_t line_end = code.find('\n', line_begin);
        if (line_end == std::string::npos) line_end = code.size();
        size_t i = line_begin;
        auto skip_space = [&] {
            while (i < line_end && (code[i] == ' ' || code[i] == '\t')) ++i;
        };
        auto identifier = [&] {
            const size_t start = i;
            while (i < line_end && is_c_identifier_char(code[i])) ++i;
            return code.substr(start, i - start);
        };
        skip_space();
        const std::string type = identifier();
        const size_t before_name = i;
        skip_space();
        const std::string name = identifier();
        const auto type_bytes = kTypeBytes.find(type);
        if (type_bytes != kTypeBytes.end() && i > before_name && !name.empty() && i < line_end && code[i] == '[') {
            ++i;
            int64_t count = 0;
            const size_t digits = i;
            while (i < line_end && std::isdigit(static_cast<unsigned char>(code[i])) && count < (int64_t{1} << 40))
                count = count * 10 + (code[i++] - '0');
            if (i > digits && code.compare(i, 2, "];") == 0) {
                i += 2;
                skip_space();
                if (i == line_end || code[i] == '\r') total += count * type_bytes->second;
            }
        }
        line_begin = line_end + 1;
    }
    return total;
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
