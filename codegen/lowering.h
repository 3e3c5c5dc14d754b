// Lowering of a verified graph to Halide: the model plan (model_plan.h) fixes the kernels and the
// memory of every tensor; each kernel becomes one Halide pipeline whose inputs and output are
// buffers of known shape and strides, with its algorithm and a schedule, either hand-written per
// op family or from one of Halide's autoschedulers. The JIT engine and the emitted-source package
// share this lowering.
#pragma once

#include "codegen/model_plan.h"
#include "codegen/optimize.h"
#include "codegen/target.h"
#include "ir/graph.h"

#include <Halide.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sqz::codegen {

enum class Scheduler { Manual, Adams2019, Mullapudi2016, Li2018 };

Scheduler parse_scheduler(const std::string& name);  // "manual", "adams2019", ...
std::string scheduler_name(Scheduler scheduler);


struct LoweringOptions {
    Halide::Target target = host_target();
    Scheduler scheduler = Scheduler::Manual;
    int threads = 2;  // parallelism the schedule is tuned for (autoscheduler machine parameters)
    // The pipelines go through sqzc's C++ backend (packages), compiled by g++/clang rather than
    // LLVM: a schedule may differ where the C++ compiler does better without a step LLVM likes
    // (lower_conv.cpp's unrolled input channels).
    bool c_source = false;
    Optimize optimize = Optimize::Speed;
};

// A packing that is a pure gather of an IR constant's values: packed element (i0, i1, ...) (dims
// innermost first, i_k < extents[k]) is value sum(i_k * strides[k]) of the constant in its
// row-major order. Compressed packages (package_weights.h) store such a tensor as the constant's
// compressed values and repeat the gather at set-up.
struct WeightGather {
    std::vector<int32_t> extents;
    std::vector<int64_t> strides;
};

// A weight tensor packed into the layout its consumer reads, bound to a pipeline parameter.
struct PackedWeight {
    std::string name;                // parameter name in the pipeline
    std::string source;              // the IR constant it packs, or the name of a tensor derived from constants
    // How the buffer was gathered from `source`'s values; none when the values are not the
    // constant's own (int8 weights are quantised; biases and multipliers of int8 convs derived).
    std::optional<WeightGather> gather;
    // > 0: the buffer is the Winograd transform for F(m x m, 3 x 3) of `source`'s values
    // (runtime::winograd_transform_weights), which compressed packages compute at create.
    int winograd_tile = 0;
    Halide::ImageParam param;
    Halide::Buffer<> buffer;         // packed values (float32, or int8/int32 for int8 convs), bound to `param`
};

struct LoweredKernel {
    std::string name;
    Halide::Pipeline pipeline;
    std::vector<Halide::ImageParam> inputs;  // one per Kernel::inputs slot, in order
    // How the inputs are bound: with a bordered slot's border from 0 (ModelPlan::halide_dims with
    // the border), or below zero (ModelPlan::halide_dims_border_below_zero: shape-generic kernels),
    // then with pixel (0, 0) of each input at (input_origins[i], input_origins[i]) along x and y.
    bool border_below_zero = false;
    std::vector<int> input_origins;  // one per input; empty: all 0
    std::vector<PackedWeight> weights;
    std::string output_name;                 // the pipeline's output Func
};

struct LoweredModel {
    ModelPlan plan;
    std::vector<LoweredKernel> kernels;      // parallel to plan.kernels
    std::string schedule_source;             // the autoscheduler's schedules, when one was used
    std::map<std::string, std::string> func_nodes;  // Halide Func/parameter name -> IR name

    // Binds every weight buffer to its parameter (done by lower()).
    void bind_weights();
};

// Throws sqz::Error when the graph uses something codegen cannot lower (e.g. a 3-D tensor).
LoweredModel lower(const ir::Graph& graph, const LoweringOptions& options);


}  // namespace sqz::codegen
