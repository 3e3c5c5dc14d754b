// The state shared by the per-op lowering files while one kernel is lowered: the Halide value of
// every IR value it reads or makes, the packed weights, and the manual schedule steps, which are
// collected apart from the algorithm so that an autoscheduler can replace them.
//
// Value layout: a 4-D IR value [N, C, H, W] is a Func f(c, x, y, n) with channels innermost (the
// order the schedules vectorise); a 2-D value [N, C] is f(c, n).
#pragma once

#include "codegen/conv_border.h"
#include "codegen/lowering.h"
#include "ir/graph.h"
#include "ir/lookup.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sqz::codegen {

struct Value {
    Halide::Func func;
    ir::Dims dims;             // logical NCHW (or NC) dims
    bool materialized = false; // computed into its own buffer (compute_root), not inlined
    int border = 0;            // zero pixels readable around the map (a bordered input slot)
    // A kernel input read with shapes unknown until run time (LoweringContext::shape_generic):
    // its extents in Func order, (c, x, y, n) or (c, n), from its buffer; empty: `dims` holds.
    std::vector<Halide::Expr> extents{};
    // Such an input's buffer and its index in LoweredKernel::inputs (-1: none), for a consumer
    // that reads the buffer in coordinates of its own (LoweringContext::set_input_origin).
    Halide::ImageParam param{};
    int input = -1;
};

// The extent of a value along Func dimension `d` ((c, x, y, n) or (c, n)): its buffer's when the
// kernel reads shapes at run time, else the constant from its dims.
Halide::Expr value_extent(const Value& value, int d);

// One context per kernel; `names` is shared by all kernels so Halide names stay unique.
class LoweringContext {
public:
    // `kernel`: the kernel's index in the plan. `shape_generic`: see shape_generic().
    LoweringContext(const ir::Graph& graph, const LoweringOptions& options, std::map<std::string, std::string>& names,
                    int lowering_id, int kernel, bool shape_generic);

    const ir::Graph& graph;
    const LoweringOptions& options;
    const int vector_width;  // float32 lanes of the target (16 AVX-512, 8 AVX2, 4 NEON)
    Halide::Var c{"c"}, x{"x"}, y{"y"}, n{"n"};

    // A unique Halide name (a C identifier) derived from an IR name and a role suffix. In a
    // shape-generic kernel the IR name is left out (the role and a count within the kernel stay),
    // so that kernels of the same form print the same code.
    std::string func_name(const std::string& ir_name, const char* role = "");

    const Value& value(const std::string& name) const;
    void define(const std::string& name, Value value);

    // A weight parameter holding a float constant's values packed by `gather` (recorded with it).
    Halide::ImageParam add_weight(const std::string& constant_name, const WeightGather& gather);
    // A weight parameter holding values the lowering computed (quantised, derived), packed as
    // `packed` (Halide dims, innermost first); `source` names them (an IR constant's name when
    // they are computed from one constant alone).
    Halide::ImageParam add_derived_weight(const std::string& source, Halide::Buffer<> packed);
    std::vector<PackedWeight>& weights() { return weights_; }
    // A Func the kernel computes into a workspace slot of its own (the plan's Kernel::workspaces,
    // in order): a further output of the kernel's pipeline, so it gets planned memory.
    void add_workspace(Halide::Func f) { workspaces_.push_back(std::move(f)); }
    const std::vector<Halide::Func>& workspaces() const { return workspaces_; }

    // Manual schedule steps run after the whole algorithm exists (skipped for autoschedulers).
    void schedule(std::function<void()> step) { schedules_.push_back(std::move(step)); }
    void run_schedules();
    // Records a Func computed into its own buffer, with its exact bounds (compute_root), unless its
    // node is fused into a consumer in the same kernel (then the consumer's schedule places it).
    void materialize(Value& value, const std::string& node);

    // Fusion inside a kernel: a producer node computed per strip of its consumer. The consumer's
    // schedule sets the loop level; the producer's schedule computes there.
    void mark_fused(const std::string& node) { fused_levels_.emplace(node, Halide::LoopLevel()); }
    bool fused(const std::string& node) const { return fused_levels_.count(node) > 0; }
    // The loop level a fused node computes at, or none when it is not fused. Out of line
    // (lower_graph.cpp): inlined at its callers, g++ 12 warns that the empty optional's LoopLevel
    // "may be used uninitialized" when it is destroyed (a false -Wmaybe-uninitialized).
    std::optional<Halide::LoopLevel> fused_level_if_any(const std::string& node) const;
    Halide::LoopLevel fused_level(const std::string& node) const {
        return lookup(fused_levels_, node, "loop level of fused node");
    }
    bool manual() const { return options.scheduler == Scheduler::Manual; }
    // Schedules for small code (LoweringOptions::optimize).
    bool for_size() const { return options.optimize == Optimize::Size; }
    // The kernel reads its buffers' extents and strides at run time instead of having them
    // compiled in (a size build's single-node kernels): layers of the same form then lower to the
    // same code. Schedules still choose their tiles from the layer's shapes, so two kernels print
    // the same code only when the choices agree, and each is valid for its own shapes.
    bool shape_generic() const { return shape_generic_; }
    // A shape-generic kernel's consumer that reads input `input`'s buffer directly, with pixel
    // (0, 0) of the tensor at coordinates (origin, origin) (a conv with that padding, which then
    // reads no constant offset): the buffer is bound so (LoweredKernel::input_origins).
    void set_input_origin(int input, int origin) { input_origins_[input] = origin; }
    int input_origin(int input) const {
        const auto it = input_origins_.find(input);
        return it == input_origins_.end() ? 0 : it->second;
    }
    // Activations stored channels-innermost (vectorise over c) or NCHW (vectorise over x).
    bool channels_innermost() const { return graph.layout == ir::ActivationLayout::NHWC; }
    // The vector width to use along x for a map `width` pixels wide (NCHW schedules): the widest
    // power of two that fits, at most the target's width; 1 for very narrow maps.
    int x_vector(int width) const;

    // Funcs whose bounds the autoscheduler must be told (every materialised value).
    const std::vector<Value>& materialized() const { return materialized_; }

private:
    Halide::ImageParam add_packed_weight(const std::string& source, Halide::Buffer<> packed,
                                         std::optional<WeightGather> gather);

    std::map<std::string, Value> values_;
    std::vector<PackedWeight> weights_;
    std::vector<Halide::Func> workspaces_;
    std::vector<std::function<void()>> schedules_;
    std::vector<Value> materialized_;
    std::map<std::string, std::string>& func_nodes_;  // every Halide name made so far -> IR name
    std::map<std::string, Halide::LoopLevel> fused_levels_;
    int lowering_id_;
    int kernel_;
    bool shape_generic_;
    int names_made_ = 0;  // by func_name in this kernel
    std::map<int, int> input_origins_;
};

// Each op family's lowering; every one defines the node's value in the context.
void lower_conv(LoweringContext& ctx, const ir::Node& node);
void lower_conv_int8(LoweringContext& ctx, const ir::Node& node);
void lower_conv_winograd(LoweringContext& ctx, const ir::Node& node);
// The float conv's channels-innermost schedule (lower_conv.cpp): `out` tiles of vectorised output
// channels by pixels, `acc` in registers over the reduction `r` (ci, kx, ky); `level` is the
// consumer loop of a fused conv.
void schedule_conv_channels_innermost(LoweringContext& ctx, Halide::Func out, Halide::Func acc, Halide::RDom r,
                                      int64_t weight_elements, int64_t input_elements, int out_c, int out_w,
                                      std::optional<Halide::LoopLevel> level);
void lower_pool(LoweringContext& ctx, const ir::Node& node);
void lower_global_avg_pool(LoweringContext& ctx, const ir::Node& node);
void lower_relu(LoweringContext& ctx, const ir::Node& node);
void lower_add(LoweringContext& ctx, const ir::Node& node);
void lower_concat(LoweringContext& ctx, const ir::Node& node);
void lower_passthrough(LoweringContext& ctx, const ir::Node& node);  // dropout, identity
void lower_reshape(LoweringContext& ctx, const ir::Node& node);      // flatten, reshape
void lower_softmax(LoweringContext& ctx, const ir::Node& node);

// Bounds of a value's Func in its own dimension order: {c, x, y, n} or {c, n}, each from 0 to
// value_extent.
Halide::Region value_region(const Value& value);
// The Func's pure vars for a value of this rank: {c, x, y, n} or {c, n}.
std::vector<Halide::Var> value_vars(const LoweringContext& ctx, const Value& value);

}  // namespace sqz::codegen
