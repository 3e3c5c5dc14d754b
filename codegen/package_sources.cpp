// Generated package sources (see package_sources.h). The generated code is meant to be read:
// each file opens with a comment, and the model file lists its kernels in execution order.
#include "codegen/package_sources.h"

#include "codegen/runtime_sources.h"
#include "ir/error.h"
#include "ir/stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <regex>
#include <set>

namespace sqz::codegen {
namespace {

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string dims_list(const ir::Dims& d) { return fmt::format("{}", fmt::join(d, ", ")); }

int64_t numel(const ir::Dims& d) {
    int64_t n = 1;
    for (int64_t v : d) n *= v;
    return n;
}

// A C string literal's contents: quotes, backslashes and non-printable bytes escaped (octal).
std::string c_escape(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') out += std::string("\\") + static_cast<char>(c);
        else if (c < 0x20 || c >= 0x7f) out += fmt::format("\\{:03o}", c);
        else out.push_back(static_cast<char>(c));
    }
    return out;
}

// Text safe inside a // comment: one line, printable ASCII.
std::string comment_text(const std::string& text) {
    std::string out;
    for (unsigned char c : text) out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
    return out;
}

// Exact decimal for a double (shortest round-trip form).
std::string exact(double v) { return fmt::format("{}", v); }

// Floats as hex bit patterns, 8 a line.
std::string hex_words(const std::vector<float>& values) {
    std::string out;
    for (size_t i = 0; i < values.size(); ++i) {
        uint32_t bits = 0;
        std::memcpy(&bits, &values[i], 4);
        out += fmt::format("0x{:08x}u,{}", bits, i % 8 == 7 ? "\n" : " ");
    }
    return out;
}

// Unique input slots of a kernel, in first-use order (the kernel's input parameters).
std::vector<std::string> kernel_input_slots(const Kernel& kernel) {
    std::vector<std::string> out;
    for (const std::string& s : kernel.inputs)
        if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    return out;
}

struct BufferRow {
    std::string memory;   // kArena, kWeights, kInput, kOutput
    int index = 0;
    int64_t offset = 0;   // bytes
    std::string type;     // kF32, kU8, kI8, kI32
    std::vector<BufferDim> dims;
    std::string comment;
};

std::string type_constant(ir::DType dtype) {
    switch (dtype) {
    case ir::DType::F32: return "kF32";
    case ir::DType::U8: return "kU8";
    case ir::DType::I8: return "kI8";
    case ir::DType::I32: return "kI32";
    }
    SQZ_ASSERT(false, "unknown dtype");
}

std::string type_constant(const Halide::Type& t) {
    if (t == Halide::Float(32)) return "kF32";
    if (t == Halide::UInt(8)) return "kU8";
    if (t == Halide::Int(8)) return "kI8";
    if (t == Halide::Int(32)) return "kI32";
    SQZ_ASSERT(false, "no package type for a weight of type {}", static_cast<int>(t.code()));
}

BufferRow slot_row(const ModelPlan& plan, const std::string& slot, bool with_border) {
    const Slot& root = plan.root(slot);
    BufferRow row;
    row.dims = plan.halide_dims(slot, with_border);
    row.offset = plan.host_offset(slot, with_border);
    row.type = type_constant(plan.slots.at(slot).dtype);
    row.comment = slot;
    if (root.kind == Slot::Kind::Arena) {
        row.memory = "kArena";
        row.offset += root.offset;
    } else if (root.kind == Slot::Kind::Input) {
        row.memory = "kInput";
        row.index = static_cast<int>(std::find(plan.input_slots.begin(), plan.input_slots.end(), root.name) -
                                     plan.input_slots.begin());
    } else {
        row.memory = "kOutput";
        row.index = static_cast<int>(std::find(plan.output_slots.begin(), plan.output_slots.end(), root.name) -
                                     plan.output_slots.begin());
    }
    return row;
}

std::string preprocess_comment(const ir::Preprocess& p) {
    return fmt::format("value = (pixel * {} - mean[c]) / std[c], channels in {} order, mean {}/{}/{}, std {}/{}/{}",
                       exact(p.pixel_scale), p.channel_order == ir::Preprocess::Order::BGR ? "BGR" : "RGB",
                       exact(p.mean[0]), exact(p.mean[1]), exact(p.mean[2]), exact(p.std[0]), exact(p.std[1]),
                       exact(p.std[2]));
}

}  // namespace

std::string package_header(const PackageModel& p) {
    const std::string& N = p.options.name;
    const std::string G = upper(N);
    const ir::Graph& g = p.graph;
    const ModelPlan& plan = p.model.plan;
    const ir::GraphStats stats = ir::graph_stats(g);
    const bool single = plan.input_slots.size() == 1 && plan.output_slots.size() == 1;
    const bool file_weights = p.options.weights == WeightsStorage::File;

    std::string io_doc, c_sizes, cpp_shapes;
    for (size_t i = 0; i < g.inputs.size(); ++i) {
        const ir::Dims d = g.type_of(g.inputs[i].name).dims;
        io_doc += fmt::format("//   input {}  '{}': float32 NCHW [{}]\n", i, comment_text(g.inputs[i].name), dims_list(d));
        c_sizes += fmt::format("#define {}_INPUT{}_SIZE {}  /* floats */\n", G, i, numel(d));
        cpp_shapes += fmt::format("inline constexpr int64_t kInput{}Shape[] = {{{}}};  // NCHW\n", i, dims_list(d));
        cpp_shapes += fmt::format("inline constexpr size_t kInput{}Size = {};\n", i, numel(d));
    }
    for (size_t i = 0; i < g.outputs.size(); ++i) {
        const ir::Dims d = g.type_of(g.outputs[i]).dims;
        io_doc += fmt::format("//   output {} '{}': float32 [{}], row-major\n", i, comment_text(g.outputs[i]), dims_list(d));
        c_sizes += fmt::format("#define {}_OUTPUT{}_SIZE {}  /* floats */\n", G, i, numel(d));
        cpp_shapes += fmt::format("inline constexpr int64_t kOutput{}Shape[] = {{{}}};\n", i, dims_list(d));
        cpp_shapes += fmt::format("inline constexpr size_t kOutput{}Size = {};\n", i, numel(d));
    }
    const int64_t arena = plan.arena_bytes + p.scratch_bytes;
    const ir::Preprocess& pre = g.preprocess;

    std::string out = fmt::format(R"SRC(// {N}.h: the model '{graph}' ({source}) compiled by sqzc for {target}.
// {params} parameters, {macs} multiply-accumulates per run.
//
// Tensors:
{io_doc}//
// Images become the input by {pre}.
//
// Use: create a model once (it allocates {arena} bytes of working memory, or uses memory you
// give it), run it as often as you like (no allocation, no system call), destroy it. A model runs
// one inference at a time: concurrent calls on one model are serialised; use one model per thread
// for parallel inference. Several models, also of different packages, live in one program.
// Every function returns a status: {G}_OK (0) or an error code.
#ifndef {G}_H_INCLUDED
#define {G}_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

{c_sizes}#define {G}_ARENA_BYTES ((size_t){arena})   /* working memory, if you supply it (64-byte aligned) */
#define {G}_WEIGHT_BYTES ((size_t){weight_bytes})  /* stored weights, {format} ({storage}) */
#define {G}_PACKED_WEIGHT_BYTES ((size_t){packed_bytes})  /* the weights packed for the kernels{expanded} */

#ifdef __cplusplus
extern "C" {{
#endif

enum {{
    {G}_OK = 0,
    {G}_ERROR_ARGUMENT = 1,     /* a null pointer, or memory too small or misaligned */
    {G}_ERROR_OUT_OF_MEMORY = 2,
    {G}_ERROR_CPU = 3,          /* this CPU lacks an instruction set the package was compiled for */
    {G}_ERROR_WEIGHTS = 4,      /* the weights file is missing, truncated or not this model's, or corrupt */
    {G}_ERROR_KERNEL = 5        /* a kernel failed */
}};

typedef struct {N}_model {N}_model;

typedef struct {N}_options {{
    int threads;          /* worker threads in all, including the caller; 0: one per core */
    void* arena;          /* optional working memory of {G}_ARENA_BYTES, 64-byte aligned */
    size_t arena_bytes;
    const char* weights_path;  /* {weights_doc} */
}} {N}_options;

/* Creates a model; `options` may be NULL (defaults). */
int {N}_create(const {N}_options* options, {N}_model** model);
{run_single}/* One pointer per input and per output, in the order listed above. */
int {N}_run_all({N}_model* model, const float* const* inputs, float* const* outputs);
int {N}_threads(const {N}_model* model);
/* The weights the kernels read ({G}_PACKED_WEIGHT_BYTES, packed), for inspection. */
const void* {N}_packed_weights(const {N}_model* model, size_t* bytes);
void {N}_destroy({N}_model* model);
const char* {N}_status_string(int status);

/* Profiling: when enabled, every run adds each kernel's wall time to a per-kernel total. */
void {N}_set_profiling({N}_model* model, int enabled);
int {N}_kernel_count(void);
const char* {N}_kernel_name(int kernel);           /* the IR nodes it computes */
double {N}_kernel_ms({N}_model* model, int kernel);  /* total since the last reset */
int {N}_profiled_runs({N}_model* model);
void {N}_profile_reset({N}_model* model);

#ifdef __cplusplus
}}  /* extern "C" */

namespace {N} {{

{cpp_shapes}inline constexpr size_t kArenaBytes = {G}_ARENA_BYTES;
inline constexpr size_t kWeightBytes = {G}_WEIGHT_BYTES;
inline constexpr int64_t kParameters = {params};
inline constexpr int64_t kMacs = {macs};

// Preprocessing the model expects: value = (pixel * kPixelScale - kMean[c]) / kStd[c].
inline constexpr bool kChannelsBgr = {bgr};
inline constexpr double kPixelScale = {scale};
inline constexpr double kMean[3] = {{{m0}, {m1}, {m2}}};
inline constexpr double kStd[3] = {{{s0}, {s1}, {s2}}};

// The C++ API: owns a {N}_model.
class Model {{
public:
    Model() = default;
    ~Model() {{ {N}_destroy(model_); }}
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;
    Model(Model&& o) noexcept : model_(o.model_) {{ o.model_ = nullptr; }}
    Model& operator=(Model&& o) noexcept {{
        if (this != &o) {{ {N}_destroy(model_); model_ = o.model_; o.model_ = nullptr; }}
        return *this;
    }}

    // Returns {G}_OK or an error code; see status_string().
    int init(const {N}_options& options = {N}_options{{}}) {{
        {N}_destroy(model_);
        model_ = nullptr;
        return {N}_create(&options, &model_);
    }}
{run_single_cpp}    int run_all(const float* const* inputs, float* const* outputs) {{ return {N}_run_all(model_, inputs, outputs); }}
    int threads() const {{ return {N}_threads(model_); }}
    static const char* status_string(int status) {{ return {N}_status_string(status); }}

private:
    {N}_model* model_ = nullptr;
}};

}}  // namespace {N}
#endif  /* __cplusplus */

#endif  /* {G}_H_INCLUDED */
)SRC",
        fmt::arg("N", N), fmt::arg("G", G), fmt::arg("graph", comment_text(g.name)),
        fmt::arg("source", comment_text(p.options.source_description)), fmt::arg("target", p.options.target.to_string()),
        fmt::arg("params", stats.params), fmt::arg("macs", stats.macs), fmt::arg("io_doc", io_doc),
        fmt::arg("pre", preprocess_comment(pre)), fmt::arg("arena", arena), fmt::arg("c_sizes", c_sizes),
        fmt::arg("weight_bytes", p.weights.stored_bytes().size()), fmt::arg("packed_bytes", p.weights.bytes.size()),
        fmt::arg("format", p.options.weights_format),
        fmt::arg("expanded", p.weights.compressed() ? ", expanded from the stored form at create" : ""),
        fmt::arg("storage", file_weights ? std::string("read from ") + N + ".weights at create" : "embedded, read-only"),
        fmt::arg("weights_doc", file_weights ? std::string("the weights file; NULL: \"") + N + ".weights\""
                                             : std::string("unused: the weights are embedded")),
        fmt::arg("run_single", single ? fmt::format("/* Runs on one input of {0}_INPUT0_SIZE floats into {0}_OUTPUT0_SIZE floats. */\n"
                                                    "int {1}_run({1}_model* model, const float* input, float* output);\n",
                                                    G, N)
                                      : ""),
        fmt::arg("run_single_cpp",
                 single ? fmt::format("    int run(const float* input, float* output) {{ return {}_run(model_, input, output); }}\n", N)
                        : ""),
        fmt::arg("cpp_shapes", cpp_shapes), fmt::arg("bgr", pre.channel_order == ir::Preprocess::Order::BGR),
        fmt::arg("scale", exact(pre.pixel_scale)), fmt::arg("m0", exact(pre.mean[0])), fmt::arg("m1", exact(pre.mean[1])),
        fmt::arg("m2", exact(pre.mean[2])), fmt::arg("s0", exact(pre.std[0])), fmt::arg("s1", exact(pre.std[1])),
        fmt::arg("s2", exact(pre.std[2])));
    return out;
}

std::string package_kernels_header(const PackageModel& p) {
    const std::string& N = p.options.name;
    std::string protos;
    for (const EmittedKernel& k : p.kernels) protos += k.prototype + "\n";
    return fmt::format(
        "// {0}_kernels.h: the kernels of package {0}, generated by Halide's C++ backend, and the Halide\n"
        "// runtime types they take (halide_buffer_t). Internal to the package.\n"
        "#ifndef {1}_KERNELS_H_INCLUDED\n#define {1}_KERNELS_H_INCLUDED\n\n"
        "#include <stddef.h>\n#include <stdint.h>\n\n{2}\n"
        "namespace {0} {{\nnamespace kernels {{\n\n{3}\n}}  // namespace kernels\n}}  // namespace {0}\n\n#endif\n",
        N, upper(N), runtime_declarations(p.kernels.at(0).source), protos);
}

std::string package_model_source(const PackageModel& p) {
    const std::string& N = p.options.name;
    const std::string G = upper(N);
    const ModelPlan& plan = p.model.plan;
    const bool file_weights = p.options.weights == WeightsStorage::File;

    // Every kernel argument as a buffer row; kernels name their rows by index.
    std::vector<BufferRow> rows;
    std::string calls, kernel_names;
    for (size_t k = 0; k < plan.kernels.size(); ++k) {
        const Kernel& kernel = plan.kernels[k];
        std::vector<size_t> args;
        for (const std::string& slot : kernel_input_slots(kernel)) {
            args.push_back(rows.size());
            rows.push_back(slot_row(plan, slot, true));
        }
        const LoweredKernel& lk = p.model.kernels[k];
        for (size_t w = 0; w < lk.weights.size(); ++w) {
            BufferRow row;
            row.memory = "kWeights";
            row.offset = p.weights.offsets[k][w];
            const Halide::Buffer<>& b = lk.weights[w].buffer;
            row.type = type_constant(b.type());
            int stride = 1;
            for (int d = 0; d < b.dimensions(); ++d) {
                row.dims.push_back({0, b.dim(d).extent(), stride});
                stride *= b.dim(d).extent();
            }
            row.comment = strip_lowering_markers(lk.weights[w].name);
            args.push_back(rows.size());
            rows.push_back(row);
        }
        args.push_back(rows.size());
        rows.push_back(slot_row(plan, kernel.output, false));
        std::string call_args;
        for (size_t a : args) call_args += fmt::format(", &m->buffers[{}]", a);
        calls += fmt::format("    if (!run_kernel(m, {}, [m] {{ return kernels::{}(&m->context{}); }})) return {}_ERROR_KERNEL;\n",
                             k, kernel.name, call_args, G);
        std::string nodes;
        for (size_t i : kernel.nodes) nodes += (nodes.empty() ? "" : " + ") + p.graph.nodes[i].name;
        if (nodes.empty()) nodes = kernel.name;
        kernel_names += fmt::format("    \"{}\",\n", c_escape(nodes));
    }
    std::string table;
    for (const BufferRow& r : rows) {
        std::string dims;
        for (const BufferDim& d : r.dims) dims += fmt::format("{{{}, {}, {}}}, ", d.min, d.extent, d.stride);
        table += fmt::format("    {{{}, {}, {}, {}, {}, {{{}}}}},  // {}\n", r.memory, r.type, r.index, r.offset,
                             r.dims.size(), dims, comment_text(r.comment));
    }
    std::string cpu_check;
    for (const std::string& f : required_cpu_features(p.options.target))
        cpu_check += fmt::format("    if (!{}::runtime::cpu_has(\"{}\")) return false;\n", N, f);

    const std::string weights_decl =
        file_weights ? "" : fmt::format("extern const uint32_t {}_weight_data[];\n", N);
    const std::string weights_init =
        file_weights
            ? fmt::format("    const int status = load_weights(options && options->weights_path ? options->weights_path : \"{}.weights\", *m);\n"
                          "    if (status != {}_OK) {{\n        delete m;\n        return status;\n    }}\n",
                          N, G)
            : fmt::format("    m->weights = reinterpret_cast<const uint8_t*>({}_weight_data);\n", N);
    const std::string loader = !file_weights ? "" : fmt::format(R"SRC(
// Reads <name>.weights: "SQZW", version 1, byte count, FNV-1a 64 checksum, the bytes.
int load_weights(const char* path, {N}_model& m) {{
    FILE* f = std::fopen(path, "rb");
    if (!f) return {G}_ERROR_WEIGHTS;
    unsigned char header[24];
    uint64_t count = 0, checksum = 0;
    bool ok = std::fread(header, 1, sizeof header, f) == sizeof header && std::memcmp(header, "SQZW", 4) == 0 &&
              header[4] == 1 && header[5] == 0 && header[6] == 0 && header[7] == 0;
    for (int b = 0; b < 8; ++b) {{
        count |= static_cast<uint64_t>(header[8 + b]) << (8 * b);
        checksum |= static_cast<uint64_t>(header[16 + b]) << (8 * b);
    }}
    ok = ok && count == kWeightBytes;
    if (ok) {{
        m.owned_weights = static_cast<uint8_t*>(std::aligned_alloc(64, kWeightBytes));
        ok = m.owned_weights && std::fread(m.owned_weights, 1, kWeightBytes, f) == kWeightBytes && std::fgetc(f) == EOF;
    }}
    std::fclose(f);
    if (!ok) return {G}_ERROR_WEIGHTS;
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < kWeightBytes; ++i) hash = (hash ^ m.owned_weights[i]) * 0x100000001b3ULL;
    if (hash != checksum) return {G}_ERROR_WEIGHTS;
    m.weights = m.owned_weights;
    return {G}_OK;
}}
)SRC", fmt::arg("N", N), fmt::arg("G", G));

    const std::string expander = expand_weights_source(N, p.weights);
    const std::string expand_call =
        p.weights.compressed() ? fmt::format("    if (const int status = expand_weights(*m); status != {}_OK) {{\n"
                                             "        delete m;\n        return status;\n    }}\n",
                                             G)
                               : "";

    std::string single_run;
    if (plan.input_slots.size() == 1 && plan.output_slots.size() == 1)
        single_run = fmt::format("int {0}_run({0}_model* model, const float* input, float* output) {{\n"
                                 "    return {0}_run_all(model, &input, &output);\n}}\n\n", N);

    return fmt::format(R"SRC(// {N}.cpp: the model of package {N}: its working memory, the buffers every kernel reads and
// writes (planned by sqzc at compile time), and the kernels in execution order. Generated by sqzc.
#include "{N}.h"
#include "{N}_cpu_features.h"
#include "{N}_kernel_context.h"
#include "{N}_kernels.h"
#include "{N}_weight_codec.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>

{weights_decl}
namespace {{

enum : uint8_t {{ kArena, kWeights, kInput, kOutput }};
enum : uint8_t {{ kF32, kU8, kI8, kI32 }};

struct DimSpec {{
    int32_t min, extent, stride;
}};

// One Halide buffer: where its memory is (arena, weights, the caller's input or output), its
// element type, its first element's byte offset there, and its dims (innermost first).
struct BufferSpec {{
    uint8_t memory;
    uint8_t type;
    uint8_t index;
    int64_t offset;
    int32_t rank;
    DimSpec dim[5];
}};

constexpr BufferSpec kBuffers[] = {{
{table}}};
constexpr int kBufferCount = {buffer_count};
constexpr size_t kPlannedBytes = {planned};      // tensors, shared by lifetime
constexpr size_t kZeroedFrom = {zeroed_from};    // tensors with zero borders, zeroed once
constexpr size_t kScratchBytes = {scratch};      // allocations inside kernels
constexpr size_t kWeightBytes = {weight_bytes};
constexpr int kKernelCount = {kernel_count};
const char* const kKernelNames[kKernelCount] = {{
{kernel_names}}};
static_assert(kPlannedBytes + kScratchBytes == {G}_ARENA_BYTES, "arena layout");

// The instruction sets the kernels were compiled for (CPUID, runtime/cpu_features.h).
bool cpu_supported() {{
{cpu_check}    return true;
}}

}}  // namespace

struct {N}_model {{
    explicit {N}_model(int threads) : pool(threads) {{}}
    ~{N}_model() {{
        if (owns_arena) std::free(arena);
        std::free(owned_weights);
    }}

    {N}::runtime::ThreadPool pool;
    {N}::runtime::Arena scratch;
    {N}::runtime::KernelContext context;
    unsigned char* arena = nullptr;
    bool owns_arena = false;
    const uint8_t* weights = nullptr;
    uint8_t* owned_weights = nullptr;
    halide_dimension_t dims[kBufferCount][5];
    halide_buffer_t buffers[kBufferCount];
    bool profiling = false;
    int profiled_runs = 0;
    int64_t kernel_ns[kKernelCount] = {{}};
    std::mutex mutex;
}};

namespace {{
{loader}{expander}
// Runs one kernel; returns false if it failed. When profiling, adds its wall time.
template <typename Call>
bool run_kernel({N}_model* m, int index, Call call) {{
    if (!m->profiling) return call() == 0 && m->context.error == 0;
    const auto start = std::chrono::steady_clock::now();
    const int status = call();
    m->kernel_ns[index] += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    return status == 0 && m->context.error == 0;
}}

int run_kernels({N}_model* m) {{
    using namespace {N};
{calls}    if (m->profiling) ++m->profiled_runs;
    return {G}_OK;
}}

}}  // namespace

extern "C" {{

int {N}_create(const {N}_options* options, {N}_model** out) {{
    if (!out) return {G}_ERROR_ARGUMENT;
    *out = nullptr;
    if (!cpu_supported()) return {G}_ERROR_CPU;
    int threads = options ? options->threads : 0;
    if (threads < 0) return {G}_ERROR_ARGUMENT;
    if (threads == 0) threads = static_cast<int>(std::thread::hardware_concurrency());
    if (threads < 1) threads = 1;
    {N}_model* m = new (std::nothrow) {N}_model(threads);
    if (!m) return {G}_ERROR_OUT_OF_MEMORY;
    if (options && options->arena) {{
        if (options->arena_bytes < {G}_ARENA_BYTES || reinterpret_cast<uintptr_t>(options->arena) % 64 != 0) {{
            delete m;
            return {G}_ERROR_ARGUMENT;
        }}
        m->arena = static_cast<unsigned char*>(options->arena);
    }} else {{
        m->arena = static_cast<unsigned char*>(std::aligned_alloc(64, ({G}_ARENA_BYTES + 63) / 64 * 64 + 64));
        m->owns_arena = true;
        if (!m->arena) {{
            delete m;
            return {G}_ERROR_OUT_OF_MEMORY;
        }}
    }}
    std::memset(m->arena + kZeroedFrom, 0, kPlannedBytes - kZeroedFrom);
    m->scratch.reset(m->arena + kPlannedBytes, kScratchBytes);
    m->context.pool = &m->pool;
    m->context.scratch = &m->scratch;
{weights_init}{expand_call}    for (int i = 0; i < kBufferCount; ++i) {{
        const BufferSpec& s = kBuffers[i];
        halide_buffer_t& b = m->buffers[i];
        std::memset(&b, 0, sizeof b);
        for (int d = 0; d < s.rank; ++d) {{
            m->dims[i][d].min = s.dim[d].min;
            m->dims[i][d].extent = s.dim[d].extent;
            m->dims[i][d].stride = s.dim[d].stride;
            m->dims[i][d].flags = 0;
        }}
        b.dim = m->dims[i];
        b.dimensions = s.rank;
        static const halide_type_code_t codes[] = {{halide_type_float, halide_type_uint, halide_type_int, halide_type_int}};
        static const uint8_t bits[] = {{32, 8, 8, 32}};
        b.type.code = codes[s.type];
        b.type.bits = bits[s.type];
        b.type.lanes = 1;
        if (s.memory == kArena) b.host = m->arena + s.offset;
        if (s.memory == kWeights) b.host = const_cast<uint8_t*>(m->weights + s.offset);
    }}
    *out = m;
    return {G}_OK;
}}

int {N}_run_all({N}_model* m, const float* const* inputs, float* const* outputs) {{
    if (!m || !inputs || !outputs) return {G}_ERROR_ARGUMENT;
    std::lock_guard<std::mutex> lock(m->mutex);
    for (int i = 0; i < kBufferCount; ++i) {{
        const BufferSpec& s = kBuffers[i];
        if (s.memory == kInput) {{
            if (!inputs[s.index]) return {G}_ERROR_ARGUMENT;
            m->buffers[i].host = reinterpret_cast<uint8_t*>(const_cast<float*>(inputs[s.index])) + s.offset;
        }} else if (s.memory == kOutput) {{
            if (!outputs[s.index]) return {G}_ERROR_ARGUMENT;
            m->buffers[i].host = reinterpret_cast<uint8_t*>(outputs[s.index]) + s.offset;
        }}
    }}
    m->context.error = 0;
    return run_kernels(m);
}}

{single_run}int {N}_threads(const {N}_model* m) {{ return m ? m->pool.threads() : 0; }}

const void* {N}_packed_weights(const {N}_model* m, size_t* bytes) {{
    if (bytes) *bytes = m ? {G}_PACKED_WEIGHT_BYTES : 0;
    return m ? m->weights : nullptr;
}}

void {N}_set_profiling({N}_model* m, int enabled) {{
    if (!m) return;
    std::lock_guard<std::mutex> lock(m->mutex);
    m->profiling = enabled != 0;
}}

int {N}_kernel_count(void) {{ return kKernelCount; }}

const char* {N}_kernel_name(int kernel) {{ return kernel >= 0 && kernel < kKernelCount ? kKernelNames[kernel] : ""; }}

double {N}_kernel_ms({N}_model* m, int kernel) {{
    if (!m || kernel < 0 || kernel >= kKernelCount) return 0;
    std::lock_guard<std::mutex> lock(m->mutex);
    return static_cast<double>(m->kernel_ns[kernel]) * 1e-6;
}}

int {N}_profiled_runs({N}_model* m) {{
    if (!m) return 0;
    std::lock_guard<std::mutex> lock(m->mutex);
    return m->profiled_runs;
}}

void {N}_profile_reset({N}_model* m) {{
    if (!m) return;
    std::lock_guard<std::mutex> lock(m->mutex);
    m->profiled_runs = 0;
    for (int64_t& ns : m->kernel_ns) ns = 0;
}}

void {N}_destroy({N}_model* m) {{ delete m; }}

const char* {N}_status_string(int status) {{
    switch (status) {{
    case {G}_OK: return "ok";
    case {G}_ERROR_ARGUMENT: return "invalid argument (null pointer, or memory too small or misaligned)";
    case {G}_ERROR_OUT_OF_MEMORY: return "out of memory";
    case {G}_ERROR_CPU: return "this CPU lacks an instruction set the package was compiled for";
    case {G}_ERROR_WEIGHTS: return "the weights file is missing, truncated or not this model's, or the stored weights are corrupt";
    case {G}_ERROR_KERNEL: return "a kernel failed";
    default: return "unknown status";
    }}
}}

}}  // extern "C"
)SRC",
        fmt::arg("N", N), fmt::arg("G", G), fmt::arg("weights_decl", weights_decl), fmt::arg("table", table),
        fmt::arg("buffer_count", rows.size()), fmt::arg("planned", plan.arena_bytes),
        fmt::arg("zeroed_from", plan.dedicated_offset), fmt::arg("scratch", p.scratch_bytes),
        fmt::arg("weight_bytes", p.weights.stored_bytes().size()), fmt::arg("cpu_check", cpu_check),
        fmt::arg("loader", loader), fmt::arg("calls", calls), fmt::arg("weights_init", weights_init),
        fmt::arg("expander", expander), fmt::arg("expand_call", expand_call),
        fmt::arg("single_run", single_run), fmt::arg("kernel_count", plan.kernels.size()),
        fmt::arg("kernel_names", kernel_names));
}

std::string package_selftest_data(const PackageModel& p) {
    const std::string& N = p.options.name;
    std::string out = fmt::format("// Stored input and expected output (sqzc's float64 reference) for {0}_selftest.cpp.\n"
                                  "#include <cstdint>\n\n",
                                  N);
    for (size_t i = 0; i < p.selftest_inputs.size(); ++i)
        out += fmt::format("alignas(64) extern const uint32_t {0}_selftest_input{1}[{2}];\n"
                           "alignas(64) const uint32_t {0}_selftest_input{1}[{2}] = {{\n{3}}};\n\n",
                           N, i, p.selftest_inputs[i].data.size(), hex_words(p.selftest_inputs[i].data));
    for (size_t i = 0; i < p.selftest_outputs.size(); ++i)
        out += fmt::format("alignas(64) extern const uint32_t {0}_selftest_expected{1}[{2}];\n"
                           "alignas(64) const uint32_t {0}_selftest_expected{1}[{2}] = {{\n{3}}};\n\n",
                           N, i, p.selftest_outputs[i].data.size(), hex_words(p.selftest_outputs[i].data));
    return out;
}

std::string package_selftest_source(const PackageModel& p) {
    const std::string& N = p.options.name;
    const std::string G = upper(N);
    std::string decls, inputs, outputs, checks;
    for (size_t i = 0; i < p.selftest_inputs.size(); ++i) {
        decls += fmt::format("extern const uint32_t {}_selftest_input{}[];\n", N, i);
        inputs += fmt::format("reinterpret_cast<const float*>({}_selftest_input{}), ", N, i);
    }
    for (size_t i = 0; i < p.selftest_outputs.size(); ++i) {
        decls += fmt::format("extern const uint32_t {}_selftest_expected{}[];\n", N, i);
        outputs += fmt::format("out{}.data(), ", i);
        checks += fmt::format(
            "    std::vector<float> out{0}({1}_OUTPUT{0}_SIZE);\n", i, G);
    }
    std::string compare;
    for (size_t i = 0; i < p.selftest_outputs.size(); ++i)
        compare += fmt::format("    worst = std::max(worst, error(out{0}.data(), reinterpret_cast<const float*>({1}_selftest_expected{0}), {2}_OUTPUT{0}_SIZE));\n",
                               i, N, G);
    return fmt::format(R"SRC(// {N}_selftest.cpp: runs model {N} on the stored input and checks the stored output (computed
// by sqzc's float64 reference interpreter) to a relative error of 1e-4. Usage:
//   {N}_selftest [--threads N] [--weights FILE] [--runs K]
// Exit status 0 when the check passes. Not part of the library: leave this file and
// {N}_selftest_data.cpp out when you build the model into your own program.
#include "{N}.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

{decls}
namespace {{

// max |a - b| / max |b|
double error(const float* a, const float* b, size_t n) {{
    double diff = 0, ref = 0;
    for (size_t i = 0; i < n; ++i) {{
        const double d = std::fabs(static_cast<double>(a[i]) - b[i]);
        if (std::isnan(d)) return INFINITY;
        diff = std::max(diff, d);
        ref = std::max(ref, std::fabs(static_cast<double>(b[i])));
    }}
    return ref > 0 ? diff / ref : diff;
}}

}}  // namespace

int main(int argc, char** argv) {{
    {N}_options options{{}};
    int runs = 1;
    for (int i = 1; i + 1 < argc; i += 2) {{
        if (!std::strcmp(argv[i], "--threads")) options.threads = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--weights")) options.weights_path = argv[i + 1];
        else if (!std::strcmp(argv[i], "--runs")) runs = std::max(1, std::atoi(argv[i + 1]));
    }}
    {N}_model* model = nullptr;
    int status = {N}_create(&options, &model);
    if (status != {G}_OK) {{
        std::fprintf(stderr, "{N}_selftest: create failed: %s\n", {N}_status_string(status));
        return 2;
    }}
    const float* inputs[] = {{{inputs}}};
{checks}    float* outputs[] = {{{outputs}}};
    std::vector<double> ms;
    for (int r = 0; r < runs; ++r) {{
        const auto start = std::chrono::steady_clock::now();
        status = {N}_run_all(model, inputs, outputs);
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        if (status != {G}_OK) {{
            std::fprintf(stderr, "{N}_selftest: run failed: %s\n", {N}_status_string(status));
            {N}_destroy(model);
            return 2;
        }}
    }}
    double worst = 0;
{compare}    std::sort(ms.begin(), ms.end());
    const bool ok = worst <= 1e-4;
    std::printf("{N}_selftest: %s, max |a-b|/max|ref| = %.3g, %d thread(s), median %.3f ms over %d run(s)\n",
                ok ? "passed" : "FAILED", worst, {N}_threads(model), ms[ms.size() / 2], runs);
    {N}_destroy(model);
    return ok ? 0 : 1;
}}
)SRC",
                       fmt::arg("N", N), fmt::arg("G", G), fmt::arg("decls", decls), fmt::arg("inputs", inputs),
                       fmt::arg("outputs", outputs), fmt::arg("checks", checks), fmt::arg("compare", compare));
}

std::string package_cmake(const PackageModel& p, const std::vector<std::string>& library_sources) {
    const std::string& N = p.options.name;
    std::string sources;
    for (const std::string& s : library_sources) sources += "    " + s + "\n";
    return fmt::format(R"SRC(# Package {N}, generated by sqzc: a static library `{N}` (include {N}.h) and the self-test
# `{N}_selftest`. Needs only a C++17 compiler and threads.
cmake_minimum_required(VERSION 3.13)
project({N} LANGUAGES CXX)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()
find_package(Threads REQUIRED)

add_library({N} STATIC
{sources})
target_compile_features({N} PUBLIC cxx_std_17)
target_include_directories({N} PUBLIC ${{CMAKE_CURRENT_SOURCE_DIR}})
target_link_libraries({N} PUBLIC Threads::Threads)

add_executable({N}_selftest {N}_selftest.cpp {N}_selftest_data.cpp)
target_link_libraries({N}_selftest PRIVATE {N})
)SRC",
                       fmt::arg("N", N), fmt::arg("sources", sources));
}

std::string package_readme(const PackageModel& p) {
    const std::string& N = p.options.name;
    const bool file_weights = p.options.weights == WeightsStorage::File;
    return fmt::format(R"SRC(# Package `{N}`

The model '{graph}' ({source}), compiled by sqzc for `{target}`.

- `{N}.h`: the API (C functions `{N}_create`, `{N}_run`, `{N}_destroy`; C++ class `{N}::Model`),
  tensor shapes, memory sizes and the preprocessing the model expects.
- `{N}.cpp`: the model: its memory plan and the kernels in execution order.
- `{N}_k*.cpp`: the kernels, generated by Halide's C++ backend.
- `{N}_{weights_file}`: the weights{weights_note}; stored {format}.
- `{N}_thread_pool.*`, `{N}_arena.*`, `{N}_kernel_context.h`, `{N}_halide_glue.cpp`, `{N}_weight_codec.*`:
  the runtime (the weight codec expands compressed weights at create).
- `{N}_selftest.cpp`, `{N}_selftest_data.cpp`: a self-test (stored input, expected output).

Build and run the self-test with nothing but a C++17 compiler:

    c++ -std=c++17 -O2 *.cpp -lpthread -o {N}_selftest && ./{N}_selftest{weights_arg}

or with CMake (`add_subdirectory` this folder and link the `{N}` target). To use the model in your
program, compile every `.cpp` here except the two self-test files.
)SRC",
                       fmt::arg("N", N), fmt::arg("graph", comment_text(p.graph.name)),
                       fmt::arg("source", comment_text(p.options.source_description)),
                       fmt::arg("target", p.options.target.to_string()),
                       fmt::arg("weights_file", file_weights ? std::string("(") + N + ".weights)" : std::string("weights.cpp")),
                       fmt::arg("weights_note", file_weights ? ", read at create from the file you name (default: "
                                                                 + N + ".weights in the working directory)"
                                                             : ", as constant data"),
                       fmt::arg("weights_arg", file_weights ? " --weights " + N + ".weights" : ""),
                       fmt::arg("format", p.weights.compressed()
                                              ? fmt::format("as {} ({} of {} tensors compressed, expanded at create)",
                                                            p.options.weights_format, p.weights.compressed_tensors,
                                                            p.weights.layout.size())
                                              : std::string("dense (packed float32)")));
}

std::vector<std::pair<std::string, std::string>> package_runtime_files(const std::string& prefix) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [name, text] : runtime_sources()) {
        std::string t = text;
        // Own namespace and file names, so several packages coexist in one program and folder.
        t = std::regex_replace(t, std::regex(R"(namespace sqz::runtime)"), "namespace " + prefix + "::runtime");
        t = std::regex_replace(t, std::regex(R"(sqz::runtime::)"), prefix + "::runtime::");
        t = std::regex_replace(t, std::regex(R"re(#include "([a-z0-9_]+\.h)")re"), "#include \"" + prefix + "_$1\"");
        if (name == "halide_glue.cpp") t = "#define SQZ_HALIDE_PREFIX " + prefix + "_\n" + t;
        out.emplace_back(prefix + "_" + name, t);
    }
    return out;
}

}  // namespace sqz::codegen
