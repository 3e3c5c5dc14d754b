// The reference engine (see reference_engine.h).
#include "codegen/reference_engine.h"

#include "ir/interpreter.h"

namespace sqz::codegen {
namespace {

class ReferenceEngine final : public Engine {
public:
    explicit ReferenceEngine(ir::Graph graph) : graph_(std::move(graph)) {}

    void set_inputs(const std::vector<ir::Tensor>& inputs) override { inputs_ = inputs; }
    void run_in_place() override {
        outputs_.clear();
        for (ir::TensorF64& t : ir::interpret(graph_, inputs_))
            outputs_.push_back({t.dims, std::vector<float>(t.data.begin(), t.data.end())});
    }
    std::vector<ir::Tensor> outputs() const override { return outputs_; }

    double compile_ms() const override { return 0; }
    int threads() const override { return 1; }
    std::vector<LayerTime> take_profile() override { return {}; }

private:
    ir::Graph graph_;
    std::vector<ir::Tensor> inputs_;
    std::vector<ir::Tensor> outputs_;
};

}  // namespace

std::unique_ptr<Engine> make_reference_engine(ir::Graph graph) {
    return std::make_unique<ReferenceEngine>(std::move(graph));
}

}  // namespace sqz::codegen
