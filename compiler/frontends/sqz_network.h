// The network generator behind .sqz descriptions: a list of layers (plain convs, pools and whole
// Fire modules) that both forms of the format reduce to, and the builder that turns it into an
// ir::Graph with Caffe SqueezeNet's node names (fire2/squeeze1x1, fire2/relu_expand3x3, ...).
#pragma once

#include "compiler/frontends/sqz_syntax.h"
#include "ir/attrs.h"
#include "ir/graph.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sqz::compiler {

enum class SqzBypass : uint8_t {
    None,
    Simple,   // fireK/bypass = Add(fireK/concat, input); channels must match
    Complex,  // fireK/bypass = Add(fireK/concat, fireK/bypass_conv1x1(input))
};

struct SqzLayer {
    enum class Kind : uint8_t { Conv, Relu, MaxPool, AvgPool, GlobalAvgPool, Fire, Concat, Add, Dropout, Softmax, Flatten };
    Kind kind = Kind::Conv;
    std::string name;
    std::vector<std::string> from;  // inputs by layer name; empty: the previous layer's output
    SqzValue where;                 // where the layer (or the metaparameter it comes from) is written

    // Conv and pools: a square window.
    int64_t filters = 0;
    int64_t kernel = 1, stride = 1, pad = 0;
    bool relu = false;                           // conv: followed by a ReLU named relu_<name>
    ir::Rounding rounding = ir::Rounding::Ceil;  // pools: Caffe rounds up

    // Fire modules.
    int64_t squeeze = 0, expand1x1 = 0, expand3x3 = 0;
    SqzBypass bypass = SqzBypass::None;
    SqzValue bypass_where;  // where the bypass was asked for
};

struct SqzNetwork {
    std::string name;
    ir::Dims input;  // per sample: C, H, W
    SqzValue input_where;
    std::vector<SqzLayer> layers;
};

// Most graph nodes a description may generate (a Fire module makes 7 to 9). GraphBuilder re-infers
// all shapes on each node, so building costs grow with the square of the count; this keeps a
// description's build under a second or two. SqueezeNet v1.0 with complex bypass has 78.
constexpr size_t kMaxSqzNodes = 2000;

// The nodes a layer generates.
size_t sqz_layer_node_count(const SqzLayer& layer);

// Builds the graph (batch 1, input "data", Caffe preprocessing); the last layer is the output.
// Problems are reported at the layer's `where`.
ir::Graph build_sqz_network(const SqzNetwork& network);

// Reads the explicit form's layer statements.
std::vector<SqzLayer> parse_sqz_layers(const std::vector<SqzStatement>& statements);

}  // namespace sqz::compiler
