// Kernel and memory planning (see model_plan.h).
//
// The algorithm. plan_model runs five steps in order, each a function below:
//   1. add_input_slots: a slot per graph input, in the caller's buffer (NCHW).
//   2. add_kernels_and_views: in node order, a kernel per node or fusion group with the slot it
//      writes; views for nodes that move no data (Dropout and Identity alias their input's slot,
//      a reshape of a 1x1 map is a Reshape view); an in-place concat gets a slot and turns each
//      producer's slot into a ChannelSlice view of it.
//      A Winograd conv whose rows of transformed input are too large for the stack gets a
//      workspace slot (winograd_workspace.h), and so does an int8
//      conv that quantises its float input (quantized_input.h).
//   3. add_zero_borders: an arena slot read by convolutions gets a zero border as wide as the
//      widest they read past its edges (their padding; a Winograd conv's overhanging last tile;
//      none for a conv that pads its quantised input itself).
//   4. add_outputs: a graph output lives in the caller's buffer: its kernel writes there directly
//      when the layouts agree, or a conversion kernel is added that copies into NCHW.
//   5. place_in_arena: lifetimes are the first and last kernel that touches each root slot (a
//      workspace's is its kernel's); the
//      unbordered slots share one region (largest first, each at the lowest offset free during
//      its whole lifetime), and the bordered slots follow, each in memory of its own, which the
//      engines zero once at set-up (kernels write only the interiors, so the borders stay zero):
//
//        0                      dedicated_offset                        arena_bytes
//        | shared, reused across lifetimes | bordered slots, one after another |
#include "codegen/model_plan.h"

#include "codegen/conv_border.h"
#include "codegen/quantized_input.h"
#include "codegen/winograd_workspace.h"
#include "ir/c_identifier.h"
#include "ir/error.h"
#include "ir/lookup.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace sqz::codegen {
namespace {

constexpr int64_t kAlignBytes = 64;

int64_t align_up(int64_t v) { return (v + kAlignBytes - 1) / kAlignBytes * kAlignBytes; }

bool is_one_by_one(const ir::Dims& d) { return d.size() == 2 || (d.size() == 4 && d[2] == 1 && d[3] == 1); }

void check_rank(const std::string& what, const ir::Dims& dims) {
    if (dims.size() != 4 && dims.size() != 2)
        user_error("{} has shape {}; code generation handles 4-D (NCHW) and 2-D (NC) tensors only", what,
                   ir::dims_to_string(dims));
}

// Dims of a dense slot in Halide order (c, x, y, n) or (c, n), whatever the memory layout: the
// strides say how it is stored. A border widens x and y (and shifts nothing: mins are 0).
std::vector<BufferDim> dense_dims(const ir::Dims& d, Layout layout, int border) {
    if (d.size() == 2) {
        const int c = static_cast<int>(d[1]), n = static_cast<int>(d[0]);
        return {{0, c, 1}, {0, n, c}};
    }
    const int c = static_cast<int>(d[1]), h = static_cast<int>(d[2]) + 2 * border,
              w = static_cast<int>(d[3]) + 2 * border, n = static_cast<int>(d[0]);
    if (layout == Layout::ChannelsInnermost) return {{0, c, 1}, {0, w, c}, {0, h, c * w}, {0, n, c * w * h}};
    return {{0, c, w * h}, {0, w, 1}, {0, h, w}, {0, n, c * w * h}};
}

// A slot's own dense dims (with its border); a workspace's from its extents.
std::vector<BufferDim> dense_dims(const Slot& s) {
    if (s.workspace_extents.empty()) return dense_dims(s.dims, s.layout, s.border);
    std::vector<BufferDim> dims;
    int stride = 1;
    for (int e : s.workspace_extents) {
        dims.push_back({0, e, stride});
        stride *= e;
    }
    return dims;
}

}  // namespace

int64_t Slot::elements() const {
    if (kind == Kind::View) return 0;
    int64_t n = 1;
    for (const BufferDim& d : dense_dims(*this)) n *= d.extent;
    return n;
}

const Slot& ModelPlan::root(const std::string& name) const {
    const Slot* s = &lookup(slots, name, "slot");
    while (s->kind == Slot::Kind::View) s = &lookup(slots, s->base, "slot");
    return *s;
}

int64_t ModelPlan::element_offset(const std::string& name) const {
    const Slot& s = lookup(slots, name, "slot");
    if (s.kind == Slot::Kind::View) {
        const int64_t base = element_offset(s.base);
        if (s.view_kind != Slot::ViewKind::ChannelSlice) return base;
        const Slot& b = lookup(slots, s.base, "slot");
        return base + s.base_channel * dense_dims(b.dims, b.layout, b.border)[0].stride;
    }
    if (s.border == 0 || s.dims.size() != 4) return 0;
    const std::vector<BufferDim> d = dense_dims(s.dims, s.layout, s.border);
    return static_cast<int64_t>(s.border) * (d[1].stride + d[2].stride);  // skip the border along x and y
}

std::vector<BufferDim> ModelPlan::halide_dims(const std::string& name, bool with_border) const {
    const Slot& s = lookup(slots, name, "slot");
    if (s.kind == Slot::Kind::View && s.view_kind == Slot::ViewKind::ChannelSlice) {
        std::vector<BufferDim> dims = halide_dims(s.base, false);
        dims[0].extent = static_cast<int>(s.dims[1]);
        return dims;
    }
    std::vector<BufferDim> dims = dense_dims(s);
    if (!with_border && s.border > 0 && dims.size() == 4)
        for (size_t i : {size_t{1}, size_t{2}}) dims[i].extent -= 2 * s.border;
    return dims;
}

std::vector<BufferDim> ModelPlan::halide_dims_border_below_zero(const std::string& name, int origin) const {
    std::vector<BufferDim> dims = halide_dims(name, true);
    const Slot& s = lookup(slots, name, "slot");
    const int border = s.kind != Slot::Kind::View ? s.border : 0;
    if (dims.size() == 4)
        for (size_t i : {size_t{1}, size_t{2}}) dims[i].min = origin - border;
    return dims;
}

int64_t ModelPlan::host_offset(const std::string& name, bool with_border) const {
    const Slot& s = lookup(slots, name, "slot");
    if (with_border && s.kind != Slot::Kind::View && s.border > 0) return 0;  // starts at the first border pixel
    return element_offset(name) * static_cast<int64_t>(ir::dtype_bytes(s.dtype));
}

Halide::Type halide_type_of(ir::DType dtype) {
    switch (dtype) {
    case ir::DType::F32: return Halide::Float(32);
    case ir::DType::U8: return Halide::UInt(8);
    case ir::DType::I8: return Halide::Int(8);
    case ir::DType::I32: return Halide::Int(32);
    }
    SQZ_ASSERT(false, "unknown dtype");
}

namespace {

// The slot holding IR value `value` (asserting: every value a step asks for has been planned).
Slot& slot_of(ModelPlan& plan, const std::string& value) {
    const auto v = plan.value_slot.find(value);
    SQZ_ASSERT(v != plan.value_slot.end(), "value '{}' has no slot", value);
    const auto s = plan.slots.find(v->second);
    SQZ_ASSERT(s != plan.slots.end(), "value '{}' maps to the unknown slot '{}'", value, v->second);
    return s->second;
}

// Step 1. One slot per graph input: the caller's buffer, row-major NCHW.
void add_input_slots(const ir::Graph& graph, ModelPlan& plan) {
    for (const ir::GraphInput& in : graph.inputs) {
        const ir::Dims dims = graph.type_of(in.name).dims;
        if (dims.size() != 4) user_error("input '{}' has shape {}; code generation needs a 4-D NCHW input", in.name,
                                         ir::dims_to_string(dims));
        Slot s;
        s.name = "input:" + in.name;
        s.dims = dims;
        s.layout = Layout::NCHW;
        s.kind = Slot::Kind::Input;
        plan.slots[s.name] = s;
        plan.value_slot[in.name] = s.name;
        plan.input_slots.push_back(s.name);
    }
}

// A Flatten or Reshape that moves no data: a 1x1 map (or 2-D tensor) seen with other dims. The
// caller's input buffer is NCHW, not the arena's layout, so a reshape of an input is computed.
bool is_reshape_view(const ir::Graph& graph, ModelPlan& plan, const ir::Node& node) {
    if (node.op != ir::OpKind::Flatten && node.op != ir::OpKind::Reshape) return false;
    const std::string& in = node.inputs[0];
    return is_one_by_one(node.type.dims) && is_one_by_one(graph.type_of(in).dims) &&
           slot_of(plan, in).kind != Slot::Kind::Input;
}

void add_reshape_view(ModelPlan& plan, const ir::Node& node) {
    Slot v;
    v.name = node.name;
    v.dims = node.type.dims;
    v.dtype = node.type.dtype;
    v.kind = Slot::Kind::View;
    v.view_kind = Slot::ViewKind::Reshape;
    v.base = lookup(plan.value_slot, node.inputs[0], "slot of value");
    plan.slots[v.name] = v;
    plan.value_slot[node.name] = v.name;
}

// The arena slot that node `node` writes, in the graph's activation layout.
void add_node_slot(ModelPlan& plan, const ir::Node& node, Layout layout) {
    Slot s;
    s.name = node.name;
    s.dims = node.type.dims;
    s.dtype = node.type.dtype;
    s.layout = layout;
    plan.slots[s.name] = s;
    plan.value_slot[node.name] = s.name;
}

// An in-place concat: each input's producer writes its channel slice of the concat's slot, so no
// kernel copies. The slices follow one another in input order and tile the slot's channels.
void add_concat_slices(ModelPlan& plan, const ir::Node& concat) {
    int64_t channel = 0;
    for (const std::string& in : concat.inputs) {
        Slot& producer = slot_of(plan, in);
        SQZ_ASSERT(producer.kind == Slot::Kind::Arena && producer.name == in && producer.border == 0,
                   "in-place concat '{}' has an input '{}' that is not its own kernel's output", concat.name, in);
        producer.kind = Slot::Kind::View;
        producer.view_kind = Slot::ViewKind::ChannelSlice;
        producer.base = concat.name;
        producer.base_channel = channel;
        channel += producer.dims[1];
    }
}

// A kernel computing `nodes` (one node, or a fusion group whose last member writes `output`): it
// reads what its members read from outside the group, constants aside.
void add_kernel(const ir::Graph& graph, ModelPlan& plan, std::vector<size_t> nodes, const std::string& output) {
    Kernel k;
    // A C identifier; it starts with 'k', so the IR name needs no lead.
    k.name = fmt::format("k{}_{}", plan.kernels.size(), c_identifier(graph.nodes[nodes.back()].name, ""));
    k.nodes = std::move(nodes);
    std::set<std::string> internal;
    for (size_t j = 0; j + 1 < k.nodes.size(); ++j) internal.insert(graph.nodes[k.nodes[j]].name);
    for (size_t m : k.nodes)
        for (const std::string& in : graph.nodes[m].inputs)
            if (!graph.find_constant(in) && !internal.count(in))
                k.inputs.push_back(lookup(plan.value_slot, in, "slot of value"));
    k.output = output;
    // Workspaces, in the order the members' lowerings add them.
    for (size_t m : k.nodes) {
        const ir::Node& member = graph.nodes[m];
        Slot w;
        if (needs_winograd_workspace(member, graph.type_of(member.inputs[0]).dims)) {
            w.name = member.name + "#winograd_input";
            w.workspace_extents = winograd_workspace_extents(member, graph.type_of(member.inputs[0]).dims);
        } else if (needs_quantized_input(graph, member)) {
            w.name = member.name + "#quantized_input";
            w.dtype = ir::DType::U8;
            w.workspace_extents = quantized_input_extents(member, graph.type_of(member.inputs[0]).dims);
        } else {
            continue;
        }
        plan.slots[w.name] = w;
        k.workspaces.push_back(w.name);
    }
    plan.kernels.push_back(std::move(k));
}

// Step 2. Kernels in node order, the slots they write, and views for nodes that move no data:
// Dropout and Identity share their input's slot; reshapes of 1x1 maps are views; an in-place
// concat is a slot its producers write in slices; a fusion group (consecutive nodes) is one kernel
// writing its last member's slot, and the other members' values never get memory.
void add_kernels_and_views(const ir::Graph& graph, ModelPlan& plan) {
    const Layout layout = graph.layout == ir::ActivationLayout::NHWC ? Layout::ChannelsInnermost : Layout::NCHW;
    std::vector<size_t> group_members;  // earlier nodes of the fusion group being collected
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        const ir::Node& node = graph.nodes[i];
        check_rank(fmt::format("node '{}'", node.name), node.type.dims);
        if (node.op == ir::OpKind::Dropout || node.op == ir::OpKind::Identity) {
            plan.value_slot[node.name] = lookup(plan.value_slot, node.inputs[0], "slot of value");
            continue;
        }
        if (is_reshape_view(graph, plan, node)) {
            add_reshape_view(plan, node);
            continue;
        }
        if (node.op == ir::OpKind::Concat && node.concat().in_place) {
            add_node_slot(plan, node, layout);
            add_concat_slices(plan, node);
            continue;
        }
        if (!node.group.empty() && i + 1 < graph.nodes.size() && graph.nodes[i + 1].group == node.group) {
            group_members.push_back(i);
            continue;
        }
        add_node_slot(plan, node, layout);
        group_members.push_back(i);
        add_kernel(graph, plan, std::move(group_members), node.name);
        group_members.clear();
    }
}

// Step 3. Zero borders: an arena slot read by convolutions gets a border as wide as the widest
// any of them reads (conv_border.h: its padding, and a Winograd conv's overhanging last tile), so
// they read the padding from memory instead of testing bounds. A conv quantising its input pads
// the quantised copy instead.
void add_zero_borders(const ir::Graph& graph, ModelPlan& plan) {
    for (const ir::Node& node : graph.nodes) {
        if (node.op != ir::OpKind::Conv || !plan.value_slot.count(node.inputs[0])) continue;
        if (needs_quantized_input(graph, node)) continue;
        const int border = conv_input_border(node, graph.type_of(node.inputs[0]).dims);
        if (border == 0) continue;
        Slot& in = slot_of(plan, node.inputs[0]);
        if (in.kind == Slot::Kind::Arena && in.dims.size() == 4) in.border = std::max(in.border, border);
    }
}

// Step 4. Graph outputs: a kernel writes straight into the caller's buffer when the memory layouts
// agree (2-D, 1x1 maps, or NCHW activations; no border, no view, not another output's slot);
// otherwise a conversion kernel copies into NCHW order.
void add_outputs(const ir::Graph& graph, ModelPlan& plan) {
    std::set<std::string> claimed;
    for (const std::string& out : graph.outputs) {
        if (graph.find_input(out)) user_error("graph output '{}' is a graph input; nothing to compute", out);
        const std::string slot_name = lookup(plan.value_slot, out, "slot of value");
        Slot& r = lookup(plan.slots, plan.root(slot_name).name, "slot");
        const bool direct = r.kind == Slot::Kind::Arena && r.border == 0 &&
                            (is_one_by_one(r.dims) || r.layout == Layout::NCHW) && !claimed.count(r.name) &&
                            lookup(plan.slots, slot_name, "slot").kind != Slot::Kind::View;
        if (direct) {
            r.kind = Slot::Kind::Output;
            claimed.insert(r.name);
            plan.output_slots.push_back(r.name);
            continue;
        }
        Slot o;
        o.name = "output:" + out;
        o.dims = graph.type_of(out).dims;
        o.layout = Layout::NCHW;
        o.kind = Slot::Kind::Output;
        plan.slots[o.name] = o;
        Kernel k;
        k.name = fmt::format("k{}_to_nchw_{}", plan.kernels.size(), c_identifier(out, ""));
        k.inputs = {slot_name};
        k.output = o.name;
        plan.kernels.push_back(k);
        plan.output_slots.push_back(o.name);
    }
}

// The steps, [first, last] in kernel order, during which a root slot is written or read.
using Lifetimes = std::map<std::string, std::pair<size_t, size_t>>;

Lifetimes kernel_lifetimes(const ModelPlan& plan) {
    Lifetimes life;
    auto touch = [&](const std::string& slot, size_t step) {
        const std::string& r = plan.root(slot).name;
        auto it = life.find(r);
        if (it == life.end()) life[r] = {step, step};
        else it->second.first = std::min(it->second.first, step), it->second.second = std::max(it->second.second, step);
    };
    for (size_t k = 0; k < plan.kernels.size(); ++k) {
        touch(plan.kernels[k].output, k);
        for (const std::string& in : plan.kernels[k].inputs) touch(in, k);
        for (const std::string& w : plan.kernels[k].workspaces) touch(w, k);
    }
    return life;
}

// The shared region: unbordered arena slots, largest first (then by name), each at the lowest
// offset where it overlaps no placed slot whose lifetime overlaps its own. Returns its end.
int64_t place_shared_slots(ModelPlan& plan, const Lifetimes& life) {
    std::vector<std::string> shared;
    for (auto& [name, s] : plan.slots)
        if (s.kind == Slot::Kind::Arena && s.border == 0 && life.count(name)) shared.push_back(name);
    std::sort(shared.begin(), shared.end(), [&](const std::string& a, const std::string& b) {
        const int64_t fa = lookup(plan.slots, a, "slot").bytes(), fb = lookup(plan.slots, b, "slot").bytes();
        return fa != fb ? fa > fb : a < b;
    });
    struct Placed {
        int64_t begin, end;
        size_t first, last;
    };
    std::vector<Placed> placed;
    int64_t shared_end = 0;
    for (const std::string& name : shared) {
        Slot& s = lookup(plan.slots, name, "slot");
        const int64_t bytes = align_up(s.bytes());
        const auto [first, last] = lookup(life, name, "lifetime of slot");
        // Candidate offsets: 0 and the end of every placed block that overlaps in time.
        std::vector<Placed> conflicts;
        for (const Placed& p : placed)
            if (p.first <= last && first <= p.last) conflicts.push_back(p);
        std::sort(conflicts.begin(), conflicts.end(), [](const Placed& a, const Placed& b) { return a.begin < b.begin; });
        int64_t offset = 0;
        for (const Placed& p : conflicts) {
            if (offset + bytes <= p.begin) break;
            offset = std::max(offset, p.end);
        }
        s.offset = offset;
        placed.push_back({offset, offset + bytes, first, last});
        shared_end = std::max(shared_end, offset + bytes);
    }
    return shared_end;
}

// Step 5. Arena placement: the shared region from offset 0, then every bordered slot in memory of
// its own (in name order), which the engines zero once at set-up and kernels write only inside.
void place_in_arena(ModelPlan& plan) {
    const int64_t shared_end = place_shared_slots(plan, kernel_lifetimes(plan));
    plan.dedicated_offset = shared_end;
    int64_t end = shared_end;
    for (auto& [name, s] : plan.slots) {
        if (s.kind != Slot::Kind::Arena || s.border == 0) continue;
        s.offset = end;
        end += align_up(s.bytes());
    }
    plan.dedicated_bytes = end - shared_end;
    plan.arena_bytes = end;
}

}  // namespace

ModelPlan plan_model(const ir::Graph& graph) {
    ModelPlan plan;
    add_input_slots(graph, plan);
    add_kernels_and_views(graph, plan);
    add_zero_borders(graph, plan);
    add_outputs(graph, plan);
    place_in_arena(plan);
    return plan;
}

}  // namespace sqz::codegen
