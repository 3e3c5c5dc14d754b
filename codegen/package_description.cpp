// The model description of a package, NAME.cpp, and the kernels' declarations, NAME_kernels.h
// (see package_sources.h). NAME.cpp is plain data for runtime/model_description.h: one buffer
// per kernel argument (a kernel's arguments are consecutive rows: its input slots, its weights,
// its output, its workspaces), the kernels in execution order, each behind a one-line wrapper that unpacks its
// buffers into Halide's signature for it, the stored-tensor table of compressed weights and the
// instruction sets the kernels need. runtime/model.cpp runs it.
#include "codegen/package_sources.h"

#include "codegen/shared_runs.h"
#include "codegen/target.h"
#include "ir/error.h"
#include "ir/lookup.h"
#include "runtime/cpu_features.h"
#include "runtime/model_description.h"

#include <fmt/format.h>

#include <algorithm>

namespace sqz::codegen {
namespace {

struct BufferRow {
    const char* memory = "Arena";  // runtime::Memory's enumerator
    int index = 0;
    int64_t offset = 0;            // bytes
    const char* type = "F32";      // runtime::Element's enumerator
    std::vector<BufferDim> dims;
    std::string comment;
};

const char* element(ir::DType dtype) {
    switch (dtype) {
    case ir::DType::F32: return "F32";
    case ir::DType::U8: return "U8";
    case ir::DType::I8: return "I8";
    case ir::DType::I32: return "I32";
    }
    SQZ_ASSERT(false, "unknown dtype");
}

const char* element(const Halide::Type& t) {
    if (t == Halide::Float(32)) return "F32";
    if (t == Halide::UInt(8)) return "U8";
    if (t == Halide::Int(8)) return "I8";
    if (t == Halide::Int(32)) return "I32";
    SQZ_ASSERT(false, "no package type for a weight of type {}", static_cast<int>(t.code()));
}

int position(const std::vector<std::string>& names, const std::string& name) {
    return static_cast<int>(std::find(names.begin(), names.end(), name) - names.begin());
}

// A slot's row: an output without its border, an input with it (from 0, or below zero with pixel
// (0, 0) at `origin`).
BufferRow slot_row(const ModelPlan& plan, const std::string& slot, bool with_border, bool border_below_zero = false,
                   int origin = 0) {
    const Slot& root = plan.root(slot);
    BufferRow row;
    row.dims = border_below_zero ? plan.halide_dims_border_below_zero(slot, origin) : plan.halide_dims(slot, with_border);
    row.offset = plan.host_offset(slot, with_border);
    row.type = element(lookup(plan.slots, slot, "slot").dtype);
    row.comment = slot;
    if (root.kind == Slot::Kind::Arena) {
        row.offset += root.offset;
    } else if (root.kind == Slot::Kind::Input) {
        row.memory = "Input";
        row.index = position(plan.input_slots, root.name);
    } else {
        row.memory = "Output";
        row.index = position(plan.output_slots, root.name);
    }
    return row;
}

BufferRow weight_row(const PackedWeight& w, int64_t offset) {
    BufferRow row;
    row.memory = "Weights";
    row.offset = offset;
    row.type = element(w.buffer.type());
    int stride = 1;
    for (int d = 0; d < w.buffer.dimensions(); ++d) {
        row.dims.push_back({0, w.buffer.dim(d).extent(), stride});
        stride *= w.buffer.dim(d).extent();
    }
    row.comment = strip_lowering_markers(w.name);
    return row;
}

// Unique input slots of a kernel, in first-use order (the kernel's input parameters).
std::vector<std::string> kernel_input_slots(const Kernel& kernel) {
    std::vector<std::string> out;
    for (const std::string& s : kernel.inputs)
        if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    return out;
}

// A buffer's row; its dims go into (or are found in) the shared pool `dims`.
std::string buffer_line(const BufferRow& r, std::vector<BufferDim>& dims) {
    SQZ_ASSERT(r.dims.size() <= static_cast<size_t>(runtime::kMaxBufferRank), "buffer {} has {} dims, at most {} fit",
               r.comment, r.dims.size(), runtime::kMaxBufferRank);
    // Dims start at 0, but x and y of a 4-D buffer may start at -border.
    const int border = r.dims.size() == 4 ? -r.dims[1].min : 0;
    for (size_t d = 0; d < r.dims.size(); ++d)
        SQZ_ASSERT(r.dims[d].min == (r.dims.size() == 4 && (d == 1 || d == 2) ? -border : 0) && border >= 0 && border < 256,
                   "buffer {}: dimension {} starts at {}", r.comment, d, r.dims[d].min);
    if (r.offset < 0 || r.offset > 0xffffffffll)
        user_error("buffer {} lies {} bytes into its memory; a package's arena and weights must stay under 4 GiB",
                   r.comment, r.offset);
    const size_t first = share_run(dims, r.dims, [](const BufferDim& a, const BufferDim& b) {
        return a.extent == b.extent && a.stride == b.stride;  // (mins are the row's)
    });
    SQZ_ASSERT(first <= 0xffff, "{} buffer dims do not fit the table", first);
    return "    {" + fmt::format("{}, {}, Memory::{}, Element::{}, {}, {}, {}", r.offset, first, r.memory, r.type, r.index,
                                 r.dims.size(), border) +
           "},  // " + comment_text(r.comment) + "\n";
}

std::string stored_tensor_line(const runtime::StoredTensor& t, const std::string& constant) {
    return "    {" + fmt::format("{}, {}, {}, {}, {}, {}, {}", t.stored_offset, t.stored_bytes, t.offset, t.numel,
                                 int(t.expand), int(t.rank), t.first_dim) +
           "},  // " + comment_text(constant) + "\n";
}

// The enumerator of runtime::CpuFeature that cpu_feature_name calls `name`.
const char* cpu_feature_enumerator(const std::string& name) {
    static constexpr const char* kEnumerators[] = {"SSE41",    "AVX",        "AVX2",       "FMA",        "F16C",
                                                   "AVX512F",  "AVX512CD",   "AVX512BW",   "AVX512DQ",   "AVX512VL",
                                                   "AVX512IFMA", "AVX512VBMI", "AVX512VNNI", "AVX512BF16", "AVXVNNI",
                                                   "ARMDotProd"};
    static_assert(std::size(kEnumerators) == static_cast<size_t>(runtime::CpuFeature::Count),
                  "one enumerator per CpuFeature, in enum order");
    for (size_t i = 0; i < std::size(kEnumerators); ++i)
        if (name == runtime::cpu_feature_name(static_cast<runtime::CpuFeature>(i))) return kEnumerators[i];
    SQZ_ASSERT(false, "no CpuFeature is called '{}'", name);
}

// The runtime's decoder of each blob kind (runtime/weight_codec.h).
const char* decoder_function(runtime::BlobKind kind) {
    switch (kind) {
    case runtime::BlobKind::Dense: return "expand_dense_blob";
    case runtime::BlobKind::Codebook: return "expand_codebook_blob";
    case runtime::BlobKind::CodebookHuffman: return "expand_huffman_blob";
    case runtime::BlobKind::CodebookRange: return "expand_range_blob";
    case runtime::BlobKind::FloatRange: return "expand_float_range_blob";
    }
    SQZ_ASSERT(false, "unknown blob kind {}", static_cast<int>(kind));
}

}  // namespace

std::string package_kernels_header(const PackageModel& p) {
    const std::string& N = p.options.name;
    std::string protos;
    for (const EmittedKernel& k : p.kernels)
        if (k.shares.empty()) protos += k.prototype + "\n";
    return fmt::format("// {0}_kernels.h: the kernels of package {0}, generated by Halide's C++ backend. Internal to\n"
                       "// the package: {0}.cpp calls them.\n"
                       "#ifndef {1}_KERNELS_H_INCLUDED\n#define {1}_KERNELS_H_INCLUDED\n\n"
                       "#include \"{0}_halide_names.h\"\n#include \"{0}_halide_runtime.h\"\n\n",
                       N, upper(N)) +
           "namespace " + N + "::kernels {\n\n" + protos + "\n}  // namespace " + N + "::kernels\n\n#endif\n";
}

namespace {

// The buffer table, the kernel table, the kernels' call wrappers and their names, as source lines.
struct KernelTables {
    std::vector<BufferRow> buffers;  // every kernel's arguments in order: input slots, weights, output, workspaces
    std::string wrappers;
    std::vector<std::string> calls;  // the wrappers, in the order the kernel table indexes them
    std::string kernels;
    std::string names;               // string literals, one per kernel
};

KernelTables kernel_tables(const PackageModel& p) {
    const ModelPlan& plan = p.model.plan;
    KernelTables t;
    size_t name_offset = 0;
    for (size_t k = 0; k < plan.kernels.size(); ++k) {
        const Kernel& kernel = plan.kernels[k];
        const LoweredKernel& lowered = p.model.kernels[k];
        const size_t first = t.buffers.size();
        const std::vector<std::string> inputs = kernel_input_slots(kernel);
        for (size_t i = 0; i < inputs.size(); ++i)
            t.buffers.push_back(slot_row(plan, inputs[i], true, lowered.border_below_zero,
                                         i < lowered.input_origins.size() ? lowered.input_origins[i] : 0));
        for (size_t w = 0; w < lowered.weights.size(); ++w)
            t.buffers.push_back(weight_row(lowered.weights[w], p.weights.offsets[k][w]));
        t.buffers.push_back(slot_row(plan, kernel.output, false));
        for (const std::string& w : kernel.workspaces) t.buffers.push_back(slot_row(plan, w, false));
        const size_t count = t.buffers.size() - first;
        // One wrapper per function: kernels that share code (a size build) share its wrapper.
        const std::string& function = lookup(p.kernels, k, "emitted kernel").function();
        if (function == kernel.name) {
            std::string arguments = "b";
            for (size_t a = 1; a < count; ++a) arguments += fmt::format(", b + {}", a);
            t.wrappers += "int call_" + kernel.name + "(void* context, halide_buffer_t* b) { return kernels::" +
                          kernel.name + "(context, " + arguments + "); }\n";
            t.calls.push_back("call_" + kernel.name);
        }
        const size_t call = static_cast<size_t>(std::find(t.calls.begin(), t.calls.end(), "call_" + function) - t.calls.begin());
        std::string nodes;
        for (size_t i : kernel.nodes) nodes += (nodes.empty() ? "" : " + ") + p.graph.nodes[i].name;
        if (nodes.empty()) nodes = kernel.name;
        SQZ_ASSERT(call < t.calls.size() && call <= 255 && count <= 255 && name_offset <= 65535,
                   "kernel {}: call {}, {} buffers, name at {} do not fit the kernel table", kernel.name, call, count,
                   name_offset);
        t.kernels += "    {" + fmt::format("{}, {}, {}, {}", first, name_offset, call, count) + "},  // " +
                     comment_text(nodes) + "\n";
        t.names += "    \"" + c_escape(nodes) + "\\0\"\n";
        name_offset += nodes.size() + 1;
    }
    return t;
}

// describe(), which fills the ModelDescription from the tables above it, field by field.
std::string describe_function(const PackageModel& p, const KernelTables& tables, size_t dims,
                              const RuntimeStoredWeights& stored, bool cpu_features) {
    const std::string& N = p.options.name;
    const ModelPlan& plan = p.model.plan;
    std::string out = "constexpr ModelDescription describe() {\n    ModelDescription m;\n";
    const auto field = [&out](const std::string& name, const auto& value) { out += fmt::format("    m.{} = {};\n", name, value); };
    field("input_sizes", "kInputSizes");
    field("input_count", p.graph.inputs.size());
    field("output_sizes", "kOutputSizes");
    field("output_count", p.graph.outputs.size());
    field("planned_bytes", plan.arena_bytes);
    field("zeroed_from", plan.dedicated_offset);
    out += "    m.scratch_bytes = 0;  // no kernel allocates (sqzc checks it)\n";
    field("arena_bytes", plan.arena_bytes);
    field("buffers", "kBuffers");
    field("buffer_count", tables.buffers.size());
    field("dims", "kDims");
    field("dim_count", dims);
    field("kernels", "kKernels");
    field("kernel_count", plan.kernels.size());
    field("calls", "kCalls");
    field("kernel_names", "kKernelNames");
    if (p.options.weights == WeightsStorage::File) field("default_weights_path", "\"" + c_escape(N + ".weights") + "\"");
    else field("embedded_weights", N + "_weight_data");
    field("stored_weight_bytes", p.weights.stored_bytes().size());
    field("packed_weight_bytes", p.weights.bytes.size());
    if (!stored.tensors.empty()) {
        field("stored.tensors", "kStoredTensors");
        field("stored.count", stored.tensors.size());
        if (!stored.dims.empty()) {
            field("stored.dims", "kStoredDims");
            field("stored.dim_count", stored.dims.size());
        }
        if (!stored.kinds.empty()) {
            field("stored.decoders", "kDecoders");
            field("stored.decoder_count", static_cast<int>(stored.kinds.back()) + 1);
        }
        if (stored.winograd) field("stored.winograd", "winograd_transform_weights");
    }
    if (cpu_features) {
        field("cpu_features", "kCpuFeatures");
        field("cpu_feature_count", required_cpu_features(p.options.target).size());
    }
    return out + "    return m;\n}\n";
}

}  // namespace

std::string package_description_source(const PackageModel& p) {
    const std::string& N = p.options.name;
    const KernelTables tables = kernel_tables(p);
    std::string out = fmt::format(
        "// {0}.cpp: the model of package {0} as data: the buffer every kernel argument is (memory\n"
        "// planned by sqzc at compile time), the kernels in execution order, how the weights are stored\n"
        "// and the instruction sets the kernels need. Generated by sqzc; {0}_model.cpp runs it.\n"
        "#include \"{0}.h\"\n#include \"{0}_kernels.h\"\n#include \"{0}_model_description.h\"\n\n#include <cstdint>\n\n",
        N);
    const RuntimeStoredWeights stored = runtime_stored_weights(p.weights);
    if (stored.winograd) out.insert(out.rfind("\n#include <cstdint>"), fmt::format("#include \"{}_winograd.h\"\n", N));
    if (p.options.weights == WeightsStorage::Embedded)
        out += fmt::format("alignas(64) extern const unsigned char {}_weight_data[];\n\n", N);
    out += "namespace " + N + "::runtime {\nnamespace {\n\n";
    out += "// Each kernel behind one signature: its arguments are consecutive buffers.\n" + tables.wrappers + "\n";

    std::vector<int64_t> input_sizes, output_sizes;
    for (const ir::GraphInput& in : p.graph.inputs) input_sizes.push_back(p.graph.type_of(in.name).numel());
    for (const std::string& name : p.graph.outputs) output_sizes.push_back(p.graph.type_of(name).numel());
    out += "constexpr size_t kInputSizes[] = " + braced(input_sizes) + ";  // floats\n";
    out += "constexpr size_t kOutputSizes[] = " + braced(output_sizes) + ";\n\n";
    out += "// One per kernel argument: byte offset, first dim in kDims, memory, element type, input/output\n"
           "// index, rank, border below zero.\nconstexpr BufferSpec kBuffers[] = {\n";
    std::vector<BufferDim> dims;
    for (const BufferRow& r : tables.buffers) out += buffer_line(r, dims);
    out += "};\n\n// The buffers' dims (extent, stride; innermost first), shared by buffers of the same shape.\n"
           "constexpr DimSpec kDims[] = {\n";
    for (const BufferDim& d : dims) out += fmt::format("    {{{}, {}}},\n", d.extent, d.stride);
    out += "};\n\n// In execution order: the first buffer, the name's offset in kKernelNames, the call in kCalls and\n"
           "// the buffer count.\n";
    out += "constexpr KernelSpec kKernels[] = {\n" + tables.kernels + "};\n";
    out += "constexpr KernelCall kCalls[] = " + braced(tables.calls) + ";\n";
    out += "// The IR nodes each kernel computes, one after another, each ending in a NUL.\n"
           "constexpr char kKernelNames[] =\n" + tables.names + "    \"\";\n";

    const std::vector<std::string> features = required_cpu_features(p.options.target);
    if (!features.empty()) {
        std::vector<std::string> enumerators;
        for (const std::string& f : features) enumerators.push_back("CpuFeature::" + std::string(cpu_feature_enumerator(f)));
        out += "\n// The instruction sets the kernels were compiled for (" + fmt::format("{}", fmt::join(features, ", ")) +
               "),\n// checked with CPUID at create.\n"
               "constexpr CpuFeature kCpuFeatures[] = " + braced(enumerators) + ";\n";
    }
    if (!stored.tensors.empty()) {
        out += fmt::format("\n// The stored weights ({} tensors, {} of them compressed): stored offset and bytes, packed\n"
                           "// offset, values (expanded tensors), expand, rank and first dim in kStoredDims.\n",
                           stored.tensors.size(), p.weights.compressed_tensors);
        out += "constexpr StoredTensor kStoredTensors[] = {\n";
        for (size_t i = 0; i < stored.tensors.size(); ++i)
            out += stored_tensor_line(stored.tensors[i], p.weights.layout[i].constant);
        out += "};\n";
        if (!stored.dims.empty()) {
            out += "// The expanded tensors' packed dims: extent and stride in the values (Winograd: O, I, m).\n"
                   "constexpr StoredDim kStoredDims[] = {\n";
            for (const runtime::StoredDim& d : stored.dims) out += fmt::format("    {{{}, {}}},\n", d.extent, d.stride);
            out += "};\n";
        }
        if (!stored.kinds.empty()) {
            // Only the decoders of the kinds stored: the linker may leave the others out.
            std::vector<std::string> decoders(static_cast<size_t>(stored.kinds.back()) + 1, "nullptr");
            for (runtime::BlobKind k : stored.kinds) decoders[static_cast<size_t>(k)] = decoder_function(k);
            out += "// The layer-blob decoders of the kinds stored, by kind (weight_codec.h).\n"
                   "constexpr LayerDecoder kDecoders[] = " + braced(decoders) + ";\n";
        }
    }
    out += "\n" + describe_function(p, tables, dims.size(), stored, !features.empty()) + "\n}  // namespace\n\n";
    out += "constexpr ModelDescription kPackageModel = describe();\n";
    out += fmt::format("static_assert(kPackageModel.arena_bytes == {0}_ARENA_BYTES && kPackageModel.stored_weight_bytes == "
                       "{0}_WEIGHT_BYTES &&\n"
                       "                  kPackageModel.packed_weight_bytes == {0}_PACKED_WEIGHT_BYTES,\n"
                       "              \"{1}.h states the model's sizes\");\n",
                       upper(N), N);
    return out + "\n}  // namespace " + N + "::runtime\n";
}

}  // namespace sqz::codegen
