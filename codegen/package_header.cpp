// The public header of a package, NAME.h (see package_sources.h): what a user reads to learn the
// model and the API. The API itself is runtime/model_api.h, the same in every package; this
// header documents the model, defines its sizes and constants, and includes the API with the
// package's prefix, naming every function it then declares.
#include "codegen/package_sources.h"

#include "ir/stats.h"

#include <fmt/format.h>

// Only for SQZ_API_FUNCTIONS, the list of the API's functions; the placeholder prefix keeps the
// declarations apart from anything real.
#define SQZ_API_PACKAGE sqzc_api_names
#define SQZ_API_PACKAGE_UPPER SQZC_API_NAMES
#include "runtime/model_api.h"

namespace sqz::codegen {

std::vector<std::string> package_api_functions(const std::string& name) {
    static const char* const kFunctions[] = {
#define SQZ_NAME_STRING(function) #function,
        SQZ_API_FUNCTIONS(SQZ_NAME_STRING)
#undef SQZ_NAME_STRING
    };
    std::vector<std::string> out;
    for (const char* f : kFunctions) out.push_back(name + "_" + f);
    return out;
}

namespace {

std::string dims_list(const ir::Dims& d) { return fmt::format("{}", fmt::join(d, ", ")); }

std::string preprocess_comment(const ir::Preprocess& p) {
    return fmt::format("value = (pixel * {} - mean[c]) / std[c], channels in {} order, mean {}/{}/{}, std {}/{}/{}",
                       exact(p.pixel_scale), p.channel_order == ir::Preprocess::Order::BGR ? "BGR" : "RGB",
                       exact(p.mean[0]), exact(p.mean[1]), exact(p.mean[2]), exact(p.std[0]), exact(p.std[1]),
                       exact(p.std[2]));
}

// The API's function names with the package's prefix, as comment lines of at most ~100 columns.
std::string function_names(const std::string& prefix) {
    const std::vector<std::string> functions = package_api_functions(prefix);
    std::string out, line = "//   functions    ";
    for (size_t i = 0; i < functions.size(); ++i) {
        const std::string name = functions[i] + (i + 1 < functions.size() ? "," : "");
        if (line.size() + name.size() + 1 > 100) {
            out += line + "\n";
            line = "//                ";
        } else if (line.back() != ' ') {
            line += " ";
        }
        line += name;
    }
    return out + line + "\n";
}

// The comment block at the top: the model, its tensors, how to use it, the API's names.
std::string header_comment(const PackageModel& p) {
    const std::string& N = p.options.name;
    const std::string G = upper(N);
    const ir::Graph& g = p.graph;
    const ir::GraphStats stats = ir::graph_stats(g);
    const int64_t arena = p.model.plan.arena_bytes;
    std::string out = fmt::format("// {}.h: the model '{}' ({}) compiled by sqzc for {}.\n", N, comment_text(g.name),
                                  comment_text(p.options.source_description), p.options.target.to_string());
    out += fmt::format("// {} parameters, {} multiply-accumulates per run.\n//\n// Tensors:\n", stats.params, stats.macs);
    for (size_t i = 0; i < g.inputs.size(); ++i)
        out += fmt::format("//   input {}  '{}': float32 NCHW [{}]\n", i, comment_text(g.inputs[i].name),
                           dims_list(g.type_of(g.inputs[i].name).dims));
    for (size_t i = 0; i < g.outputs.size(); ++i)
        out += fmt::format("//   output {} '{}': float32 [{}], row-major\n", i, comment_text(g.outputs[i]),
                           dims_list(g.type_of(g.outputs[i]).dims));
    out += fmt::format("//\n// Images become the input by {}.\n//\n", preprocess_comment(g.preprocess));
    out += fmt::format(
        "// Use: create a model once (it allocates {} bytes of working memory, or uses memory you\n"
        "// give it), run it as often as you like (no allocation, no system call), destroy it. A model runs\n"
        "// one inference at a time: concurrent calls on one model are serialised; use one model per thread\n"
        "// for parallel inference. Several models, also of different packages, live in one program.\n"
        "// Every function returns a status: {}_OK (0) or an error code.\n",
        arena, G);
    out += p.options.weights == WeightsStorage::File
               ? fmt::format("// The weights are read from a file at create: options.weights_path, or \"{}.weights\".\n", N)
               : std::string("// The weights are embedded in the library (options.weights_path is unused).\n");
    out += fmt::format("//\n// The API is declared in {0}_model_api.h, the same in every package, with names made from\n"
                       "// this package's prefix:\n"
                       "//   status codes {1}_OK and {1}_ERROR_* (why a call failed; {0}_status_string says it in words)\n"
                       "//   types        {0}_options, {0}_model\n",
                       N, G);
    out += function_names(N);
    out += fmt::format("//   C++          class {}::Model (init, run, run_all, threads, status_string)\n", N);
    return out;
}

}  // namespace

std::string package_header(const PackageModel& p) {
    const std::string& N = p.options.name;
    const std::string G = upper(N);
    const ir::Graph& g = p.graph;
    std::string sizes, shapes;
    for (size_t i = 0; i < g.inputs.size(); ++i) {
        const ir::TensorType t = g.type_of(g.inputs[i].name);
        sizes += fmt::format("#define {}_INPUT{}_SIZE {}  /* floats */\n", G, i, t.numel());
        shapes += fmt::format("inline constexpr int64_t kInput{}Shape[] = {};  // NCHW\n", i, braced(t.dims));
        shapes += fmt::format("inline constexpr size_t kInput{}Size = {};\n", i, t.numel());
    }
    for (size_t i = 0; i < g.outputs.size(); ++i) {
        const ir::TensorType t = g.type_of(g.outputs[i]);
        sizes += fmt::format("#define {}_OUTPUT{}_SIZE {}  /* floats */\n", G, i, t.numel());
        shapes += fmt::format("inline constexpr int64_t kOutput{}Shape[] = {};\n", i, braced(t.dims));
        shapes += fmt::format("inline constexpr size_t kOutput{}Size = {};\n", i, t.numel());
    }
    const bool file = p.options.weights == WeightsStorage::File;
    sizes += fmt::format("#define {}_ARENA_BYTES ((size_t){})   /* working memory, if you supply it (64-byte aligned) */\n",
                         G, p.model.plan.arena_bytes);
    sizes += fmt::format("#define {}_WEIGHT_BYTES ((size_t){})  /* stored weights, {} ({}) */\n", G,
                         p.weights.stored_bytes().size(), p.options.weights_format,
                         file ? "read from " + N + ".weights at create" : std::string("embedded, read-only"));
    sizes += fmt::format("#define {}_PACKED_WEIGHT_BYTES ((size_t){})  /* the weights packed for the kernels{} */\n", G,
                         p.weights.bytes.size(), p.weights.compressed() ? ", expanded from the stored form at create" : "");

    const ir::Preprocess& pre = g.preprocess;
    const ir::GraphStats stats = ir::graph_stats(g);
    std::string cpp = shapes;
    cpp += fmt::format("inline constexpr size_t kArenaBytes = {0}_ARENA_BYTES;\n"
                       "inline constexpr size_t kWeightBytes = {0}_WEIGHT_BYTES;\n"
                       "inline constexpr int64_t kParameters = {1};\n"
                       "inline constexpr int64_t kMacs = {2};\n\n",
                       G, stats.params, stats.macs);
    cpp += "// Preprocessing the model expects: value = (pixel * kPixelScale - kMean[c]) / kStd[c].\n";
    cpp += fmt::format("inline constexpr bool kChannelsBgr = {};\n", pre.channel_order == ir::Preprocess::Order::BGR);
    cpp += fmt::format("inline constexpr double kPixelScale = {};\n", exact(pre.pixel_scale));
    const std::vector<std::string> mean = {exact(pre.mean[0]), exact(pre.mean[1]), exact(pre.mean[2])};
    const std::vector<std::string> deviation = {exact(pre.std[0]), exact(pre.std[1]), exact(pre.std[2])};
    cpp += fmt::format("inline constexpr double kMean[3] = {};\n", braced(mean));
    cpp += fmt::format("inline constexpr double kStd[3] = {};\n", braced(deviation));

    std::string out = header_comment(p);
    out += fmt::format("#ifndef {0}_H_INCLUDED\n#define {0}_H_INCLUDED\n\n#include <stddef.h>\n#include <stdint.h>\n\n", G);
    out += sizes;
    out += fmt::format("\n/* The API, with this package's prefix. */\n"
                       "#define SQZ_API_PACKAGE {}\n#define SQZ_API_PACKAGE_UPPER {}\n#include \"{}_model_api.h\"\n\n",
                       N, G, N);
    out += "#ifdef __cplusplus\nnamespace " + N + " {\n\n" + cpp + "\n}  // namespace " + N + "\n#endif  /* __cplusplus */\n\n";
    out += fmt::format("#endif  /* {}_H_INCLUDED */\n", G);
    return out;
}

}  // namespace sqz::codegen
