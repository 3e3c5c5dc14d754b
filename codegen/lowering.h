// Lowering of a verified graph to one Halide pipeline: every node becomes Halide Funcs (the
// algorithm) plus a schedule, either hand-written per op family or from one of Halide's
// autoschedulers. The JIT engine and the emitted-source package share this lowering.
#pragma once

#include "ir/graph.h"

#include <Halide.h>

#include <string>
#include <vector>

namespace sqz::codegen {

enum class Scheduler { Manual, Adams2019, Mullapudi2016, Li2018 };

Scheduler parse_scheduler(const std::string& name);  // "manual", "adams2019", ...
std::string scheduler_name(Scheduler scheduler);

struct LoweringOptions {
    Halide::Target target = Halide::get_host_target();
    Scheduler scheduler = Scheduler::Manual;
    int threads = 2;  // parallelism the schedule is tuned for (autoscheduler machine parameters)
};

// A weight tensor packed into the layout its consumer reads, bound to a pipeline parameter.
struct PackedWeight {
    std::string name;                // parameter name in the pipeline (sanitised constant name)
    Halide::ImageParam param;
    Halide::Buffer<float> buffer;    // packed values, bound to `param`
};

struct LoweredModel {
    Halide::Pipeline pipeline;
    std::vector<Halide::ImageParam> inputs;   // NCHW float32, one per graph input
    std::vector<PackedWeight> weights;
    std::vector<ir::Dims> output_dims;        // logical (row-major) dims of each output
    std::string schedule_source;              // the autoscheduler's schedule, when one was used

    // Binds every weight buffer to its parameter (done by lower(); repeat after copying params).
    void bind_weights();
};

// Throws sqz::Error when the graph uses something codegen cannot lower (e.g. a 3-D tensor).
LoweredModel lower(const ir::Graph& graph, const LoweringOptions& options);

// Parses a Halide target string ("host", "x86-64-linux-avx2-fma", "arm-64-linux", ...).
Halide::Target parse_target(const std::string& text);

}  // namespace sqz::codegen
