// The optimisation pipeline (see pass_manager.h). Order matters where noted in each pass's
// header: Dropouts go first so that they do not hide a ReLU from its convolution, ReLUs are folded
// before the bypass adds (which come after the activation), and the bypass is fused before the
// concat is made in-place.
#include "compiler/pass_manager.h"

#include "compiler/passes/choose_conv_algorithm.h"
#include "compiler/passes/choose_layout.h"
#include "compiler/passes/eliminate_concat.h"
#include "compiler/passes/fuse_bypass.h"
#include "compiler/passes/fuse_conv_relu.h"
#include "compiler/passes/fuse_pool.h"
#include "compiler/passes/remove_identity.h"
#include "ir/error.h"
#include "ir/text_form.h"
#include "ir/verifier.h"

#include <fmt/format.h>

namespace sqz::compiler {

const std::vector<PassInfo>& passes() {
    // Passes without options ignore them.
#define SQZ_PASS(function) [](ir::Graph g, const PassOptions&) { return function(std::move(g)); }
    static const std::vector<PassInfo> list = {
        {"remove-identity", "drop Dropout and Identity; fold no-op Flatten/Reshape", SQZ_PASS(remove_identity)},
        {"fuse-conv-relu", "apply ReLU in the producing convolution's epilogue", SQZ_PASS(fuse_conv_relu)},
        {"fuse-bypass", "add bypass residuals in the producing convolutions' epilogues", SQZ_PASS(fuse_bypass)},
        {"eliminate-concat", "write concat inputs straight into their slices of the output", SQZ_PASS(eliminate_concat)},
        {"fuse-pool", "compute a convolution strip by strip inside the pooling after it", SQZ_PASS(fuse_pool)},
        {"choose-layout", "store activations channels-innermost (NHWC)", SQZ_PASS(choose_layout)},
        {"choose-conv-algorithm", "compute 3x3 convolutions directly or with Winograd (--conv-algorithm)",
         [](ir::Graph g, const PassOptions& o) { return choose_conv_algorithm(std::move(g), o.conv_algorithm); }},
    };
#undef SQZ_PASS
    return list;
}

std::string pass_names() {
    std::string out;
    for (const PassInfo& p : passes()) out += (out.empty() ? "" : ", ") + std::string(p.name);
    return out;
}

ir::Graph optimize(ir::Graph graph, const PassOptions& options) {
    auto known = [](const std::string& name) {
        if (name == "all") return true;
        for (const PassInfo& p : passes())
            if (name == p.name) return true;
        return false;
    };
    for (const std::string& name : options.disabled)
        if (!known(name)) user_error("unknown pass '{}' (passes: {})", name, pass_names());
    check_conv_algorithm_mode(options.conv_algorithm);
    if (!options.print_after.empty() && !known(options.print_after))
        user_error("unknown pass '{}' for --print-after (passes: {})", options.print_after, pass_names());

    auto print = options.print ? options.print : [](const std::string& pass, const std::string& text) {
        fmt::print("# IR after {}\n{}\n", pass, text);
    };
    const bool all_disabled = options.disabled.count("all") > 0;
    for (const PassInfo& pass : passes()) {
        if (all_disabled || options.disabled.count(pass.name)) continue;
        graph = pass.run(std::move(graph), options);
        try {
            ir::verify(graph);
        } catch (const Error& e) {
            SQZ_ASSERT(false, "pass {} broke the graph: {}", pass.name, e.what());
        }
        if (options.print_after == "all" || options.print_after == pass.name) print(pass.name, ir::print_graph(graph));
    }
    return graph;
}

}  // namespace sqz::compiler
