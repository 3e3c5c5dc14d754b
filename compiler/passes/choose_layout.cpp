// Pass choose-layout (see choose_layout.h).
#include "compiler/passes/choose_layout.h"

namespace sqz::compiler {

ir::Graph choose_layout(ir::Graph graph) {
    graph.layout = ir::ActivationLayout::NHWC;
    return graph;
}

}  // namespace sqz::compiler
