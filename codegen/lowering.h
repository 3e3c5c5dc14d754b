// Lowering of a verified graph to Halide: the graph is split into a short chain of segments
// (segments.h), each one Halide pipeline in which every node becomes Funcs (the algorithm) plus a
// schedule, either hand-written per op family or from one of Halide's autoschedulers. The JIT
// engine and the emitted-source package share this lowering.
//
// Tensors that cross a segment boundary live in buffers the caller owns: graph inputs and outputs
// in row-major NCHW (Halide dims x, y, c, n), values between segments channels-innermost
// (Halide dims c, x, y, n, or c, n for 2-D values).
#pragma once

#include "ir/graph.h"

#include <Halide.h>

#include <map>
#include <string>
#include <vector>

namespace sqz::codegen {

enum class Scheduler { Manual, Adams2019, Mullapudi2016, Li2018 };

Scheduler parse_scheduler(const std::string& name);  // "manual", "adams2019", ...
std::string scheduler_name(Scheduler scheduler);

struct LoweringOptions {
    Halide::Target target = Halide::get_host_target();
    Scheduler scheduler = Scheduler::Manual;
    int threads = 2;              // parallelism the schedule is tuned for (autoscheduler machine parameters)
    int convs_per_segment = 6;    // see segments.h; 0 lowers the whole graph as one pipeline
};

enum class Layout { NCHW, ChannelsInnermost };

// A buffer the caller provides: a graph input, a graph output, or a value between segments.
struct TensorSlot {
    std::string key;     // "input:<name>", "output:<name>" or the IR value name
    ir::Dims dims;       // logical dims (N, C, H, W) or (N, C)
    Layout layout;

    // Halide buffer extents, innermost first.
    std::vector<int> halide_extents() const;
};

// A weight tensor packed into the layout its consumer reads, bound to a pipeline parameter.
struct PackedWeight {
    std::string name;                // parameter name in the pipeline
    Halide::ImageParam param;
    Halide::Buffer<float> buffer;    // packed values, bound to `param`
};

struct Segment {
    std::string name;                           // "seg3" (C identifier)
    std::vector<std::string> nodes;             // IR nodes it computes, in order
    Halide::Pipeline pipeline;
    std::vector<std::pair<std::string, Halide::ImageParam>> inputs;  // slot key -> parameter
    std::vector<std::string> outputs;           // slot keys, in pipeline output order
    std::vector<PackedWeight> weights;
};

struct LoweredModel {
    std::vector<Segment> segments;
    std::map<std::string, TensorSlot> slots;    // every slot by key
    std::vector<std::string> input_slots;       // one per graph input
    std::vector<std::string> output_slots;      // one per graph output
    std::string schedule_source;                // the autoscheduler's schedules, when one was used
    std::map<std::string, std::string> func_nodes;  // Halide Func name -> IR node it implements

    // Binds every weight buffer to its parameter (done by lower()).
    void bind_weights();
};

// Throws sqz::Error when the graph uses something codegen cannot lower (e.g. a 3-D tensor).
LoweredModel lower(const ir::Graph& graph, const LoweringOptions& options);

// Parses a Halide target string ("host", "x86-64-linux-avx2-fma", "arm-64-linux", ...).
Halide::Target parse_target(const std::string& text);

}  // namespace sqz::codegen
