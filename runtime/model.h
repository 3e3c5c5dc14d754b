// One instance of a compiled model (model_description.h): its thread pool, arena, weights and
// Halide buffers, set up once at create; run() then binds the caller's inputs and outputs and
// calls the kernels in order, with no allocation and no system call. Calls on one instance are
// serialised by its mutex; instances share nothing, so several run in parallel. Profiling, when
// switched on, adds each kernel's wall time to a per-kernel total. The package's C API
// (c_api.cpp) is a thin layer over this class.
#pragma once

#include "arena.h"
#include "kernel_context.h"
#include "model_api.h"
#include "model_description.h"
#include "prefix.h"
#include "status.h"
#include "thread_pool.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>

struct halide_buffer_t;
struct halide_dimension_t;

namespace SQZ_PACKAGE::runtime {

// The options of the C API (model_api.h): threads (0: one per core), the caller's arena (null:
// the model allocates its own), the weights file's path (null: the description's default).
using Options = SQZ_API(options);

class Model {
public:
    // Checks the CPU and the options, then sets the instance up: thread pool, arena (the
    // caller's or its own), weights (read and checked, expanded when stored compressed) and
    // buffers. On success `out` holds the instance; on failure it is empty.
    static Status create(const ModelDescription& description, const Options& options,
                         std::unique_ptr<Model>& out) noexcept;
    ~Model();
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    // One pointer per input and per output, in the description's order.
    Status run(const float* const* inputs, float* const* outputs);

    int threads() const { return pool_.threads(); }
    const ModelDescription& description() const { return description_; }
    const void* packed_weights() const { return weights_; }

    void set_profiling(bool enabled);
    double kernel_ms(int kernel);  // total since the last reset; 0 for a kernel that does not exist
    int profiled_runs();
    void profile_reset();

private:
    struct Free {
        void operator()(void* p) const { std::free(p); }
    };
    using Owned = std::unique_ptr<unsigned char, Free>;  // from std::aligned_alloc

    Model(const ModelDescription& description, int threads);
    Status init(const Options& options);
    Status init_weights(const char* path);
    Status init_buffers();
    bool run_kernel(int kernel);  // false if it failed

    const ModelDescription description_;  // a copy: the tables it points to are constant data
    ThreadPool pool_;
    Arena scratch_;
    KernelContext context_;
    Owned own_arena_;
    unsigned char* arena_ = nullptr;
    Owned own_weights_;
    const unsigned char* weights_ = nullptr;  // packed, as the kernels read them
    std::unique_ptr<halide_dimension_t[]> dims_;
    std::unique_ptr<halide_buffer_t[]> buffers_;
    std::unique_ptr<int64_t[]> kernel_ns_;
    bool profiling_ = false;
    int profiled_runs_ = 0;
    std::mutex mutex_;
};

}  // namespace SQZ_PACKAGE::runtime
