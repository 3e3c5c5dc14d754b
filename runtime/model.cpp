// A model instance (see model.h).
#include "model.h"

#include "cpu_features.h"
#include "halide_runtime.h"
#include "weight_expansion.h"
#include "weights_file.h"

#include <chrono>
#include <cstring>
#include <new>
#include <thread>

// The thread count that options.threads == 0 stands for: a build of the package may fix it
// (-DSQZ_DEFAULT_THREADS=n, as sqzc_add_model's THREADS does); 0 means one per core.
#ifndef SQZ_DEFAULT_THREADS
#define SQZ_DEFAULT_THREADS 0
#endif
static_assert(SQZ_DEFAULT_THREADS >= 0, "SQZ_DEFAULT_THREADS: a thread count, or 0 for one per core");

namespace SQZ_PACKAGE::runtime {
namespace {

constexpr size_t kAlignment = 64;

struct ElementType {
    halide_type_code_t code;
    uint8_t bits;
};

// Indexed by Element.
constexpr ElementType kElementTypes[] = {
    {halide_type_float, 32},  // F32
    {halide_type_uint, 8},    // U8
    {halide_type_int, 8},     // I8
    {halide_type_int, 32},    // I32
};
static_assert(sizeof(kElementTypes) / sizeof(kElementTypes[0]) == static_cast<int>(Element::Count),
              "one Halide type per Element, in enum order");

size_t round_up(size_t bytes) { return (bytes + kAlignment - 1) / kAlignment * kAlignment; }

// 64-byte aligned memory of at least `bytes` (and at least one block); null when out of memory.
unsigned char* allocate_aligned(size_t bytes) {
    return static_cast<unsigned char*>(std::aligned_alloc(kAlignment, round_up(bytes == 0 ? 1 : bytes)));
}

bool cpu_supported(const ModelDescription& d) {
    for (int i = 0; i < d.cpu_feature_count; ++i)
        if (!cpu_has(d.cpu_features[i])) return false;
    return true;
}

}  // namespace

Model::Model(const ModelDescription& description, int threads) : description_(description), pool_(threads) {}

Model::~Model() = default;

Status Model::create(const ModelDescription& description, const Options& options,
                     std::unique_ptr<Model>& out) noexcept {
    out.reset();
    if (!cpu_supported(description)) return Status::Cpu;
    if (options.threads < 0) return Status::Argument;
    if (options.arena && (options.arena_bytes < description.arena_bytes ||
                          reinterpret_cast<uintptr_t>(options.arena) % kAlignment != 0))
        return Status::Argument;
    int threads = options.threads;
    if (threads == 0) threads = SQZ_DEFAULT_THREADS;
    if (threads == 0) threads = static_cast<int>(std::thread::hardware_concurrency());
    if (threads < 1) threads = 1;
    std::unique_ptr<Model> m;
    // The runtime throws nothing itself, so a package may be built with -fno-exceptions (the
    // smallest builds are); there a failure to start the pool's threads aborts instead.
#if defined(__cpp_exceptions)
    try {
        m.reset(new Model(description, threads));  // starts the pool's threads
    } catch (...) {  // no memory, or no threads to be had
        return Status::OutOfMemory;
    }
#else
    m.reset(new (std::nothrow) Model(description, threads));
    if (!m) return Status::OutOfMemory;
#endif
    const Status status = m->init(options);
    if (status == Status::Ok) out = std::move(m);
    return status;
}

Status Model::init(const Options& options) {
    const ModelDescription& d = description_;
    if (options.arena) {
        arena_ = static_cast<unsigned char*>(options.arena);
    } else {
        // One block more than the plan: Halide may read a few bytes past a buffer.
        own_arena_.reset(allocate_aligned(round_up(d.arena_bytes) + kAlignment));
        if (!own_arena_) return Status::OutOfMemory;
        arena_ = own_arena_.get();
    }
    std::memset(arena_ + d.zeroed_from, 0, d.planned_bytes - d.zeroed_from);
    scratch_.reset(arena_ + d.planned_bytes, d.scratch_bytes);
    context_.pool = &pool_;
    context_.scratch = &scratch_;
    kernel_ns_.reset(new (std::nothrow) int64_t[d.kernel_count > 0 ? d.kernel_count : 1]());
    if (!kernel_ns_) return Status::OutOfMemory;
    const Status status = init_weights(options.weights_path);
    if (status != Status::Ok) return status;
    return init_buffers();
}

Status Model::init_weights(const char* path) {
    const ModelDescription& d = description_;
    const unsigned char* stored = static_cast<const unsigned char*>(d.embedded_weights);
    Owned read;
    if (!stored) {
        read.reset(allocate_aligned(d.stored_weight_bytes));
        if (!read) return Status::OutOfMemory;
        const Status status = read_weights_file(path ? path : d.default_weights_path, read.get(), d.stored_weight_bytes);
        if (status != Status::Ok) return status;
        stored = read.get();
    }
    if (d.stored.count == 0) {  // stored as the kernels read them
        own_weights_ = std::move(read);
        weights_ = stored;
        return Status::Ok;
    }
    Owned packed(allocate_aligned(d.packed_weight_bytes));
    const size_t value_count = largest_expansion(d.stored);
    std::unique_ptr<float[]> values(new (std::nothrow) float[value_count > 0 ? value_count : 1]);
    if (!packed || !values) return Status::OutOfMemory;
    const Status status =
        expand_weights(stored, d.stored_weight_bytes, d.stored, packed.get(), d.packed_weight_bytes, values.get(), value_count);
    if (status != Status::Ok) return status;
    own_weights_ = std::move(packed);
    weights_ = own_weights_.get();
    return Status::Ok;
}

Status Model::init_buffers() {
    const ModelDescription& d = description_;
    int dims = 0;
    for (int i = 0; i < d.buffer_count; ++i) dims += d.buffers[i].rank;
    dims_.reset(new (std::nothrow) halide_dimension_t[dims > 0 ? dims : 1]);
    buffers_.reset(new (std::nothrow) halide_buffer_t[d.buffer_count > 0 ? d.buffer_count : 1]);
    if (!dims_ || !buffers_) return Status::OutOfMemory;
    halide_dimension_t* dim = dims_.get();
    for (int i = 0; i < d.buffer_count; ++i) {
        const BufferSpec& s = d.buffers[i];
        halide_buffer_t& b = buffers_[i];
        b = halide_buffer_t();  // every field zero, no device
        const DimSpec* spec = d.dims + s.first_dim;
        for (int k = 0; k < s.rank; ++k)
            dim[k] = halide_dimension_t(s.rank == 4 && (k == 1 || k == 2) ? -int32_t{s.border} : 0, spec[k].extent,
                                        spec[k].stride);
        b.dim = dim;
        b.dimensions = s.rank;
        dim += s.rank;
        const ElementType& type = kElementTypes[static_cast<int>(s.type)];
        b.type.code = type.code;
        b.type.bits = type.bits;
        b.type.lanes = 1;
        if (s.memory == Memory::Arena) b.host = arena_ + s.offset;
        if (s.memory == Memory::Weights) b.host = const_cast<unsigned char*>(weights_) + s.offset;
    }
    return Status::Ok;
}

Status Model::run(const float* const* inputs, float* const* outputs) {
    if (!inputs || !outputs) return Status::Argument;
    std::lock_guard<std::mutex> lock(mutex_);
    const ModelDescription& d = description_;
    for (int i = 0; i < d.buffer_count; ++i) {
        const BufferSpec& s = d.buffers[i];
        if (s.memory == Memory::Input) {
            if (!inputs[s.index]) return Status::Argument;
            buffers_[i].host = reinterpret_cast<uint8_t*>(const_cast<float*>(inputs[s.index])) + s.offset;
        } else if (s.memory == Memory::Output) {
            if (!outputs[s.index]) return Status::Argument;
            buffers_[i].host = reinterpret_cast<uint8_t*>(outputs[s.index]) + s.offset;
        }
    }
    context_.error = 0;
    for (int k = 0; k < d.kernel_count; ++k)
        if (!run_kernel(k)) return Status::Kernel;
    if (profiling_) ++profiled_runs_;
    return Status::Ok;
}

bool Model::run_kernel(int kernel) {
    const KernelSpec& k = description_.kernels[kernel];
    halide_buffer_t* arguments = buffers_.get() + k.first_buffer;
    const KernelCall call = description_.calls[k.call];
    if (!profiling_) return call(&context_, arguments) == 0 && context_.error == 0;
    const auto start = std::chrono::steady_clock::now();
    const int status = call(&context_, arguments);
    kernel_ns_[kernel] +=
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    return status == 0 && context_.error == 0;
}

void Model::set_profiling(bool enabled) {
    std::lock_guard<std::mutex> lock(mutex_);
    profiling_ = enabled;
}

double Model::kernel_ms(int kernel) {
    if (kernel < 0 || kernel >= description_.kernel_count) return 0;
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<double>(kernel_ns_[kernel]) * 1e-6;
}

int Model::profiled_runs() {
    std::lock_guard<std::mutex> lock(mutex_);
    return profiled_runs_;
}

void Model::profile_reset() {
    std::lock_guard<std::mutex> lock(mutex_);
    profiled_runs_ = 0;
    for (int k = 0; k < description_.kernel_count; ++k) kernel_ns_[k] = 0;
}

}  // namespace SQZ_PACKAGE::runtime
