// The execution plan of a graph: which kernels run in which order, and where every tensor lives.
//
// A kernel computes one IR node (later: one fused group) as its own Halide pipeline. Every tensor
// is a slot: the graph's inputs and outputs live in the caller's buffers (row-major NCHW); all
// other tensors live in one arena whose layout is planned here, at compile time, so running the
// model allocates nothing. Activations are stored channels-innermost (Halide dims c, x, y, n).
//
// Three planning decisions shape the slots:
// - Dropout, Identity and Flatten/Reshape of 1x1 maps are views: no kernel, the same memory.
// - A slot read by a padded convolution gets a zero border of that many pixels (its own memory,
//   zeroed once), so the convolution reads its padding from memory instead of testing bounds.
// - A kernel may have workspaces: arena slots that only it writes and reads (a Winograd conv's
//   transformed input, winograd_workspace.h), live while it runs and shared otherwise.
// - Slots whose lifetimes do not overlap share arena memory (greedy first fit, largest first).
#pragma once

#include "ir/graph.h"

#include <Halide.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sqz::codegen {

enum class Layout { NCHW, ChannelsInnermost };

struct Slot {
    enum class Kind { Arena, Input, Output, View };

    std::string name;
    ir::Dims dims;                 // logical dims: (N, C, H, W) or (N, C)
    ir::DType dtype = ir::DType::F32;  // f32, or u8 between int8 kernels
    Layout layout = Layout::ChannelsInnermost;
    Kind kind = Kind::Arena;
    int border = 0;                // zero pixels around H and W (arena slots only)
    // Views: a channel slice of a 4-D base (an in-place concat input), or the same dense memory
    // seen with other dims (a Flatten of a 1x1 map).
    enum class ViewKind { ChannelSlice, Reshape } view_kind = ViewKind::Reshape;
    std::string base;              // View: the slot whose memory this is
    int64_t base_channel = 0;      // View (ChannelSlice): first channel within `base`
    int64_t offset = 0;            // Arena: byte offset of the slot's memory (including border)
    // A kernel's workspace (an arena slot): its dense Halide extents, innermost first; `dims` and
    // `layout` do not apply.
    std::vector<int> workspace_extents;

    // Elements (and bytes) of memory the slot occupies (with border); 0 for views.
    int64_t elements() const;
    int64_t bytes() const { return elements() * static_cast<int64_t>(ir::dtype_bytes(dtype)); }
};

// One dimension of a Halide buffer: min, extent and stride (in elements).
struct BufferDim {
    int min, extent, stride;
    bool operator==(const BufferDim& o) const { return min == o.min && extent == o.extent && stride == o.stride; }
};

struct Kernel {
    std::string name;                 // C identifier: "k3_fire2_expand3x3"
    std::vector<size_t> nodes;        // IR node indices it computes (one, for now)
    std::vector<std::string> inputs;  // slots read, in argument order
    std::string output;               // slot written
    std::vector<std::string> workspaces;  // slots only this kernel uses; arguments after the output
};

struct ModelPlan {
    std::map<std::string, Slot> slots;
    std::map<std::string, std::string> value_slot;  // IR value -> slot holding it
    std::vector<Kernel> kernels;                    // in execution order
    std::vector<std::string> input_slots;           // one per graph input
    std::vector<std::string> output_slots;          // one per graph output
    int64_t arena_bytes = 0;                        // shared, reused memory
    int64_t dedicated_offset = 0;                   // bordered slots start here within the arena
    int64_t dedicated_bytes = 0;                    // ... and take this much (zeroed at set-up)

    // The slot that owns the memory of `name` (follows views).
    const Slot& root(const std::string& name) const;
    // Offset in elements of the slot's element (0, 0, 0, 0) from the start of its root's memory.
    int64_t element_offset(const std::string& name) const;
    // The slot's Halide buffer shape in the dimension order of every Func, (c, x, y, n) or (c, n),
    // whatever the memory layout (the strides say it). Mins are always 0. With `with_border`, a
    // bordered slot's zero pixels are included, so interior pixel (x, y) sits at buffer
    // coordinates (x + border, y + border).
    std::vector<BufferDim> halide_dims(const std::string& name, bool with_border) const;
    // Byte offset, from the start of the root's memory, of a buffer's host pointer (its first
    // element) for halide_dims(name, with_border).
    int64_t host_offset(const std::string& name, bool with_border) const;
    // halide_dims(name, true) with a bordered slot's border at negative coordinates: x and y start
    // at origin - border, so that interior pixel (x, y) sits at (x + origin, y + origin)
    // (host_offset(name, true) still applies). Shape-generic kernels read their inputs so: their
    // code depends on neither the border nor (origin = a conv's padding) the padding.
    std::vector<BufferDim> halide_dims_border_below_zero(const std::string& name, int origin = 0) const;
};

// The Halide type of a slot's elements.
Halide::Type halide_type_of(ir::DType dtype);

// Plans kernels and slots for a verified graph. Throws sqz::Error for tensors codegen cannot
// handle (ranks other than 2 and 4).
ModelPlan plan_model(const ir::Graph& graph);

}  // namespace sqz::codegen
