// The memory plan (codegen/model_plan.h), checked through its invariants on every example model,
// as the compile and JIT commands prepare them (the optimisation passes; also with passes off and
// in int8): slots whose kernel lifetimes overlap never share arena bytes; bordered slots have
// memory of their own after the shared region (the part of the arena the engines zero once at
// set-up), a border as wide as the widest padding of the convolutions that read them, and kernels
// that write only their interior, so the border stays zero; kernels write every slot's interior
// exactly once, and in-place concat slices tile their base; kernels write the caller's output
// buffers directly only where every element lands at its NCHW index. The arena sizes of
// SqueezeNet v1.0 and v1.1 are pinned.
#include "codegen/model_plan.h"
#include "compiler/driver.h"
#include "compiler/random_weights.h"
#include "compiler/model_loader.h"
#include "ir/conv_algorithm.h"
#include "ir/text_form.h"
#include "tests/support.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

using namespace sqz;
using codegen::BufferDim;
using codegen::Kernel;
using codegen::ModelPlan;
using codegen::Slot;

namespace {

const char* const kExamples[] = {"squeezenet_v1.0.sqz", "squeezenet_v1.0_explicit.sqz", "squeezenet_v1.0_simple_bypass.sqz",
                                 "squeezenet_v1.0_complex_bypass.sqz", "squeezenet_v1.1.sqz"};

// An example model after the passes, as `sqzc compile` and the JIT engine prepare it.
ir::Graph prepared(const std::string& example, const compiler::CompileOptions& options = {}) {
    compiler::ModelOptions model;
    model.model_path = (test::source_dir() / "examples" / example).string();
    return compiler::prepare(compiler::load_model(model), options);
}

struct Config {
    const char* name;
    compiler::CompileOptions options;
};

std::vector<Config> configs() {
    compiler::CompileOptions direct, none, nchw, int8, f2, f6;
    direct.passes.conv_algorithm = "direct";
    none.passes.disabled = {"all"};
    nchw.passes.disabled = {"choose-layout"};
    int8.precision = compiler::Precision::Int8;
    f2.passes.conv_algorithm = "winograd-f2";
    f6.passes.conv_algorithm = "winograd-f6";
    return {{"passes", {}},    {"passes, direct convs", direct}, {"no passes", none},     {"NCHW", nchw},
            {"int8", int8},    {"Winograd F(2,3)", f2},           {"Winograd F(6,3)", f6}};
}

// The whole plan as text, for failure messages and for comparing two plans.
std::string describe(const ModelPlan& plan) {
    std::string out = fmt::format("arena {} (dedicated {} + {})\n", plan.arena_bytes, plan.dedicated_offset,
                                  plan.dedicated_bytes);
    for (const auto& [name, s] : plan.slots)
        out += fmt::format("slot {} dims {} dtype {} layout {} kind {} border {} view {} base '{}' channel {} offset {}\n",
                           name, ir::dims_to_string(s.dims), ir::dtype_name(s.dtype), static_cast<int>(s.layout),
                           static_cast<int>(s.kind), s.border, static_cast<int>(s.view_kind), s.base, s.base_channel,
                           s.offset);
    for (const auto& [value, slot] : plan.value_slot) out += fmt::format("value {} -> {}\n", value, slot);
    for (const Kernel& k : plan.kernels)
        out += fmt::format("kernel {} nodes [{}] inputs [{}] output {}\n", k.name, fmt::join(k.nodes, " "),
                           fmt::join(k.inputs, " "), k.output);
    out += fmt::format("inputs [{}] outputs [{}]\n", fmt::join(plan.input_slots, " "), fmt::join(plan.output_slots, " "));
    return out;
}

// The first and last kernel that writes or reads each root slot.
std::map<std::string, std::pair<size_t, size_t>> lifetimes(const ModelPlan& plan) {
    std::map<std::string, std::pair<size_t, size_t>> life;
    for (size_t k = 0; k < plan.kernels.size(); ++k) {
        std::vector<std::string> touched = plan.kernels[k].inputs;
        touched.push_back(plan.kernels[k].output);
        touched.insert(touched.end(), plan.kernels[k].workspaces.begin(), plan.kernels[k].workspaces.end());
        for (const std::string& slot : touched) {
            const std::string& root = plan.root(slot).name;
            auto [it, fresh] = life.emplace(root, std::make_pair(k, k));
            if (!fresh) it->second = {std::min(it->second.first, k), std::max(it->second.second, k)};
        }
    }
    return life;
}

// Calls f(index, coordinates) for every element of the buffer (host_offset(name, with_border),
// halide_dims(name, with_border)), with its element index within its root's memory.
template <typename F>
void for_each_element(const ModelPlan& plan, const std::string& name, bool with_border, F f) {
    const std::vector<BufferDim> dims = plan.halide_dims(name, with_border);
    const int64_t first = plan.host_offset(name, with_border) / static_cast<int64_t>(ir::dtype_bytes(plan.root(name).dtype));
    std::vector<int> at(dims.size(), 0);
    while (true) {
        int64_t index = first;
        for (size_t d = 0; d < dims.size(); ++d) index += static_cast<int64_t>(at[d]) * dims[d].stride;
        f(index, at);
        size_t d = 0;
        while (d < dims.size() && ++at[d] == dims[d].extent) at[d++] = 0;
        if (d == dims.size()) return;
    }
}

// Whether element `index` of a dense slot (with its border) is a border pixel.
bool in_border(const Slot& s, int64_t index) {
    if (s.border == 0 || s.dims.size() != 4) return false;
    const int64_t c = s.dims[1], h = s.dims[2] + 2 * s.border, w = s.dims[3] + 2 * s.border;
    const bool innermost = s.layout == codegen::Layout::ChannelsInnermost;
    const int64_t x = innermost ? index / c % w : index % w;
    const int64_t y = innermost ? index / (c * w) % h : index / w % h;
    return x < s.border || y < s.border || x >= w - s.border || y >= h - s.border;
}

// How far past its input map's edges a conv reads: its padding; for Winograd F(m x m, 3 x 3),
// also the overhang of the last tile, which starts at m (tiles - 1) - pad and reads m + 2 pixels.
int conv_reach(const ir::Node& node, const ir::Dims& in) {
    const ir::Window& w = node.conv().window;
    int64_t reach = std::max({w.pad_top, w.pad_left, w.pad_bottom, w.pad_right});
    const int m = ir::winograd_tile(node.conv().algorithm);
    if (m > 0) {
        const int64_t out_h = node.type.dims[2], out_w = node.type.dims[3];
        const int64_t last_y = m * ((out_h + m - 1) / m - 1) - w.pad_top + m + 1;
        const int64_t last_x = m * ((out_w + m - 1) / m - 1) - w.pad_left + m + 1;
        reach = std::max({reach, last_y - (in[2] - 1), last_x - (in[3] - 1)});
    }
    return static_cast<int>(reach);
}

// Slots whose lifetimes overlap never share bytes; bordered slots share with nothing and lie in
// the dedicated region after the shared one; every arena slot is used by some kernel.
void check_arena(const ModelPlan& plan) {
    const auto life = lifetimes(plan);
    std::vector<const Slot*> arena;
    for (const auto& [name, s] : plan.slots)
        if (s.kind == Slot::Kind::Arena) arena.push_back(&s);
    for (const Slot* s : arena) {
        INFO("slot " << s->name);
        REQUIRE(life.count(s->name));
        CHECK(s->offset % 64 == 0);
        if (s->border > 0) {
            CHECK(s->offset >= plan.dedicated_offset);
            CHECK(s->offset + s->bytes() <= plan.dedicated_offset + plan.dedicated_bytes);
        } else {
            CHECK(s->offset + s->bytes() <= plan.dedicated_offset);
        }
    }
    CHECK(plan.dedicated_offset + plan.dedicated_bytes == plan.arena_bytes);
    for (size_t i = 0; i < arena.size(); ++i)
        for (size_t j = i + 1; j < arena.size(); ++j) {
            const Slot &a = *arena[i], &b = *arena[j];
            const bool share_bytes = a.offset < b.offset + b.bytes() && b.offset < a.offset + a.bytes();
            if (!share_bytes) continue;
            const auto [a_first, a_last] = life.at(a.name);
            const auto [b_first, b_last] = life.at(b.name);
            INFO("slots " << a.name << " [" << a_first << ", " << a_last << "] and " << b.name << " [" << b_first << ", "
                          << b_last << "] share bytes");
            CHECK((a_last < b_first || b_last < a_first));
            CHECK(a.border + b.border == 0);
        }
}

// Whether a conv quantises a float input itself (an int8 conv on the image).
bool quantises_input(const ir::Graph& graph, const ir::Node& node) {
    return node.op == ir::OpKind::Conv && node.conv().quant.int8_input &&
           graph.type_of(node.inputs[0]).dtype == ir::DType::F32;
}

// Whether a Winograd conv's transformed input for one row of tiles, channels x tiles x (m + 2)^2
// floats, is over the 64 KB its kernel keeps on the stack.
bool winograd_row_too_wide(const ir::Graph& graph, const ir::Node& node) {
    if (node.op != ir::OpKind::Conv || node.conv().algorithm == ir::ConvAlgorithm::Direct) return false;
    const int64_t m = ir::winograd_tile(node.conv().algorithm);
    const int64_t tiles_x = (node.type.dims[3] + m - 1) / m;
    return graph.type_of(node.inputs[0]).dims[1] * tiles_x * (m + 2) * (m + 2) * 4 > 64 * 1024;
}

// Exactly the kernels of Winograd convs with rows too wide for the stack and of int8 convs
// quantising a float input have a workspace, one per such member in member order, used by no
// other kernel (check_arena checks that it shares memory with no slot live at the same time): a
// Winograd conv's transformed input, dense, of channels x tiles x tiles x (m + 2)^2 x batch
// floats; the quantised input, u8, of channels rounded up to four x padded width x padded height
// x batch.
void check_workspaces(const ir::Graph& graph, const ModelPlan& plan) {
    std::set<std::string> seen;
    for (const codegen::Kernel& k : plan.kernels) {
        INFO("kernel " << k.name);
        std::vector<const ir::Node*> owners;
        for (size_t m : k.nodes) {
            const ir::Node& node = graph.nodes[m];
            if (winograd_row_too_wide(graph, node) || quantises_input(graph, node)) owners.push_back(&node);
        }
        REQUIRE(k.workspaces.size() == owners.size());
        for (size_t i = 0; i < owners.size(); ++i) {
            const std::string& w = k.workspaces[i];
            CHECK(seen.insert(w).second);
            const Slot& s = plan.slots.at(w);
            CHECK(s.kind == Slot::Kind::Arena);
            CHECK(s.border == 0);
            const ir::Node& conv = *owners[i];
            const ir::Dims in = graph.type_of(conv.inputs[0]).dims;
            if (quantises_input(graph, conv)) {
                const ir::Window& win = conv.conv().window;
                CHECK(s.dtype == ir::DType::U8);
                CHECK(s.elements() == (in[1] + 3) / 4 * 4 * (in[3] + win.pad_left + win.pad_right) *
                                          (in[2] + win.pad_top + win.pad_bottom) * in[0]);
                CHECK(plan.halide_dims(w, false).size() == 4);
                continue;
            }
            const int m = ir::winograd_tile(conv.conv().algorithm);
            const int64_t tiles_x = (conv.type.dims[3] + m - 1) / m, tiles_y = (conv.type.dims[2] + m - 1) / m;
            CHECK(s.elements() == in[1] * tiles_x * tiles_y * (m + 2) * (m + 2) * in[0]);
            CHECK(plan.halide_dims(w, false).size() == 6);
        }
    }
    for (const auto& [name, s] : plan.slots)
        if (!s.workspace_extents.empty()) CHECK(seen.count(name));
}

// Every slot's border is the widest reach past its edges of the convolutions reading it directly
// (arena slots only: the caller's buffers have none, a fused group's inner values have no slot).
void check_borders(const ir::Graph& graph, const ModelPlan& plan) {
    std::map<std::string, int> widest;
    for (const ir::Node& node : graph.nodes) {
        if (node.op != ir::OpKind::Conv || !plan.value_slot.count(node.inputs[0])) continue;
        if (quantises_input(graph, node)) continue;  // it pads its quantised copy
        const int reach = conv_reach(node, graph.type_of(node.inputs[0]).dims);
        const Slot& in = plan.slots.at(plan.value_slot.at(node.inputs[0]));
        if (reach > 0 && in.kind == Slot::Kind::Arena) widest[in.name] = std::max(widest[in.name], reach);
    }
    for (const auto& [name, s] : plan.slots) {
        INFO("slot " << name);
        CHECK(s.border == (widest.count(name) ? widest.at(name) : 0));
        if (s.border == 0) continue;
        // A padded conv reads the slot from its first border pixel.
        CHECK(plan.host_offset(name, true) == 0);
        const std::vector<BufferDim> with = plan.halide_dims(name, true);
        CHECK(with[1].extent == s.dims[3] + 2 * s.border);
        CHECK(with[2].extent == s.dims[2] + 2 * s.border);
        // Shape-generic kernels read the same memory with the border below zero, pixel (0, 0) at
        // their padding: only the mins of x and y differ.
        for (int origin : {0, 1}) {
            std::vector<BufferDim> below = plan.halide_dims_border_below_zero(name, origin);
            REQUIRE(below.size() == with.size());
            CHECK(below[1].min == origin - s.border);
            CHECK(below[2].min == origin - s.border);
            below[1].min = below[2].min = 0;
            CHECK(below == with);
        }
    }
}

// Kernels write each root slot's interior exactly once (views and concat slices included) and
// never its border, which therefore stays as the set-up zeroed it; what kernels read lies inside
// the memory of the slot they read.
void check_writes(const ModelPlan& plan) {
    std::map<std::string, std::vector<uint8_t>> written;  // root -> times each element was written
    for (const auto& [name, s] : plan.slots)
        if (s.kind == Slot::Kind::Arena || s.kind == Slot::Kind::Output)
            written[name].assign(static_cast<size_t>(s.elements()), 0);
    for (const Kernel& k : plan.kernels) {
        const Slot& root = plan.root(k.output);
        INFO("kernel " << k.name << " writes " << k.output << " in " << root.name);
        std::vector<uint8_t>& w = written.at(root.name);
        int64_t outside = 0, border = 0;
        for_each_element(plan, k.output, false, [&](int64_t i, const std::vector<int>&) {
            if (i < 0 || i >= static_cast<int64_t>(w.size())) return void(++outside);
            border += in_border(root, i);
            ++w[static_cast<size_t>(i)];
        });
        CHECK(outside == 0);
        CHECK(border == 0);
        for (const std::string& ws : k.workspaces) {  // written whole by its kernel, as an output
            std::vector<uint8_t>& wsw = written.at(plan.root(ws).name);
            for_each_element(plan, ws, false, [&](int64_t i, const std::vector<int>&) {
                if (i < 0 || i >= static_cast<int64_t>(wsw.size())) return void(++outside);
                ++wsw[static_cast<size_t>(i)];
            });
        }
        CHECK(outside == 0);
        for (const std::string& in : k.inputs) {
            const Slot& r = plan.root(in);
            INFO("reads " << in << " in " << r.name);
            int64_t low = INT64_MAX, high = INT64_MIN;
            for_each_element(plan, in, true, [&](int64_t i, const std::vector<int>&) { low = std::min(low, i), high = std::max(high, i); });
            CHECK(low >= 0);
            CHECK(high < r.elements());
        }
    }
    for (const auto& [name, w] : written) {
        const Slot& s = plan.slots.at(name);
        int64_t once = 0, twice = 0, border = 0;
        for (size_t i = 0; i < w.size(); ++i) {
            border += in_border(s, static_cast<int64_t>(i));
            once += w[i] == 1;
            twice += w[i] > 1;
        }
        INFO("slot " << name);
        CHECK(twice == 0);
        CHECK(once + border == static_cast<int64_t>(w.size()));
    }
}

// An in-place concat has no kernel; its inputs are channel slices of its slot, in input order,
// one after another from channel 0 to the last.
void check_concat_slices(const ir::Graph& graph, const ModelPlan& plan) {
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        const ir::Node& node = graph.nodes[i];
        if (node.op != ir::OpKind::Concat || !node.concat().in_place) continue;
        INFO("concat " << node.name);
        REQUIRE(plan.value_slot.at(node.name) == node.name);
        const Slot& base = plan.slots.at(node.name);
        CHECK(base.kind != Slot::Kind::View);
        for (const Kernel& k : plan.kernels) CHECK(std::count(k.nodes.begin(), k.nodes.end(), i) == 0);
        int64_t channel = 0;
        for (const std::string& in : node.inputs) {
            const Slot& slice = plan.slots.at(plan.value_slot.at(in));
            INFO("input " << in);
            CHECK(slice.kind == Slot::Kind::View);
            CHECK(slice.view_kind == Slot::ViewKind::ChannelSlice);
            CHECK(slice.base == node.name);
            CHECK(slice.base_channel == channel);
            CHECK(slice.dims[2] == base.dims[2]);
            CHECK(slice.dims[3] == base.dims[3]);
            CHECK(std::count_if(plan.kernels.begin(), plan.kernels.end(),
                                [&](const Kernel& k) { return k.output == slice.name; }) == 1);
            channel += slice.dims[1];
        }
        CHECK(channel == base.dims[1]);
        int64_t slices = 0;
        for (const auto& [name, s] : plan.slots) slices += s.kind == Slot::Kind::View && s.base == node.name;
        CHECK(slices == static_cast<int64_t>(node.inputs.size()));
    }
}

// Graph outputs live in the caller's NCHW buffers: a kernel of the graph writes one directly only
// when every element then lands at its row-major NCHW index; otherwise a conversion kernel copies.
void check_outputs(const ir::Graph& graph, const ModelPlan& plan) {
    REQUIRE(plan.output_slots.size() == graph.outputs.size());
    for (size_t o = 0; o < graph.outputs.size(); ++o) {
        const std::string& slot = plan.output_slots[o];
        const Slot& s = plan.slots.at(slot);
        INFO("output " << graph.outputs[o] << " in " << slot);
        CHECK(s.kind == Slot::Kind::Output);
        CHECK(s.dims == graph.type_of(graph.outputs[o]).dims);
        std::vector<const Kernel*> writers;  // (an in-place concat's producers write its slices)
        for (const Kernel& k : plan.kernels)
            if (plan.root(k.output).name == slot) writers.push_back(&k);
        REQUIRE(!writers.empty());
        if (slot == "output:" + graph.outputs[o]) {
            REQUIRE(writers.size() == 1);
            CHECK(writers[0]->nodes.empty());
            CHECK(writers[0]->inputs == std::vector<std::string>{plan.value_slot.at(graph.outputs[o])});
            CHECK(s.layout == codegen::Layout::NCHW);
            continue;
        }
        CHECK(plan.value_slot.at(graph.outputs[o]) == slot);
        CHECK(s.border == 0);
        // Element (c, x, y, n) of the buffer (Halide order) at n*CHW + c*HW + y*W + x, or (c, n) at n*C + c.
        const ir::Dims& d = s.dims;
        int64_t misplaced = 0;
        for_each_element(plan, slot, false, [&](int64_t i, const std::vector<int>& at) {
            const int64_t nchw = d.size() == 2 ? at[1] * d[1] + at[0] : ((at[3] * d[1] + at[0]) * d[2] + at[2]) * d[3] + at[1];
            misplaced += i != nchw;
        });
        CHECK(misplaced == 0);
    }
}

void check_plan(const ir::Graph& graph, const ModelPlan& plan) {
    INFO(describe(plan));
    check_arena(plan);
    check_borders(graph, plan);
    check_writes(plan);
    check_concat_slices(graph, plan);
    check_outputs(graph, plan);
    check_workspaces(graph, plan);
}

}  // namespace

TEST_CASE("memory plans of the example models keep their invariants", "[codegen][plan]") {
    for (const char* example : kExamples)
        for (const Config& c : configs()) {
            INFO(example << ", " << c.name);
            const ir::Graph graph = prepared(example, c.options);
            check_plan(graph, codegen::plan_model(graph));
        }
}

TEST_CASE("a graph with outputs of every kind keeps the plan's invariants", "[codegen][plan]") {
    // Outputs: a channels-innermost map (converted), an in-place concat's slot (its slices are the
    // producers' outputs), a 1x1 map and its flattened view, a graph output read by a later node.
    ir::Graph graph = ir::parse_graph(R"(sqzir 1
graph g batch=2
input x : f32[3,9,9]
const w1 : f32[8,3,3,3]
const w2 : f32[4,8,1,1]
const w3 : f32[4,8,3,3]
const w4 : f32[6,8,1,1]
node a = conv(x, w1) [out=8 kernel=3x3 stride=1x1 pads=1,1,1,1 relu] : f32[2,8,9,9]
node e1 = conv(a, w2) [out=4 kernel=1x1 stride=1x1 pads=0,0,0,0 relu] : f32[2,4,9,9]
node e3 = conv(a, w3) [out=4 kernel=3x3 stride=1x1 pads=1,1,1,1 relu] : f32[2,4,9,9]
node cat = concat(e1, e3) [axis=1] : f32[2,8,9,9]
node p = maxpool(cat) [kernel=3x3 stride=2x2 pads=0,0,0,0 ceil] : f32[2,8,4,4]
node b = conv(p, w4) [out=6 kernel=1x1 stride=1x1 pads=0,0,0,0] : f32[2,6,4,4]
node g = global_avgpool(b) : f32[2,6,1,1]
node f = flatten(g) : f32[2,6]
output a
output cat
output g
output f
)", "outputs.sqzir");
    compiler::bind_random_weights(graph, 3);
    for (const Config& c : configs()) {
        if (c.options.precision == compiler::Precision::Int8) continue;
        INFO(c.name);
        const ir::Graph g = compiler::prepare(graph, c.options);
        const ModelPlan plan = codegen::plan_model(g);
        check_plan(g, plan);
        // With the passes, activations are channels-innermost: the 9x9 maps need conversion kernels.
        if (g.layout == ir::ActivationLayout::NHWC) {
            CHECK(plan.output_slots[0] == "output:a");
            CHECK(plan.output_slots[1] == "output:cat");
        }
    }
}

TEST_CASE("the arenas of SqueezeNet v1.0 and v1.1 keep their sizes", "[codegen][plan]") {
    // With direct convolutions: computed by plan_model before it was split into steps. With
    // Winograd F(4,3), the 3x3 convs' inputs have wider borders (the last tile overhangs); their
    // kernels keep each row's transformed input on the stack, so they have no workspace and the
    // shared region is the direct convs' (it was 156 KB and 50 KB larger with the whole map's V in
    // a workspace). A change here changes the memory of every compiled model and should be
    // deliberate.
    const struct {
        const char* example;
        const char* algorithm;
        int64_t arena, shared, bordered;
        size_t kernels;
    } models[] = {
        {"squeezenet_v1.0.sqz", "direct", 5840128, 3844096, 1996032, 30},
        {"squeezenet_v1.1.sqz", "direct", 2897408, 2007040, 890368, 30},
        {"squeezenet_v1.0.sqz", "winograd-f4", 6046976, 3844096, 2202880, 30},
        {"squeezenet_v1.1.sqz", "winograd-f4", 3026432, 2007040, 1019392, 30},
    };
    for (const auto& m : models) {
        INFO(m.example << ", " << m.algorithm);
        compiler::CompileOptions options;
        options.passes.conv_algorithm = m.algorithm;
        const ModelPlan plan = codegen::plan_model(prepared(m.example, options));
        CHECK(plan.arena_bytes == m.arena);
        CHECK(plan.dedicated_offset == m.shared);
        CHECK(plan.dedicated_bytes == m.bordered);
        CHECK(plan.kernels.size() == m.kernels);
        // The classifier's softmax writes the caller's buffer itself: no conversion kernel.
        CHECK(plan.output_slots == std::vector<std::string>{"prob"});
    }
}
