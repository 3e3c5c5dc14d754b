// A compiled model as plain data: what sqzc generates for each package (NAME.cpp defines
// kPackageModel) and the fixed code in model.cpp runs. Everything model-specific is here: the
// memory plan, one Halide buffer per kernel argument, the kernels in execution order, how the
// weights are stored, and the instruction sets the kernels need. The tables are constant data;
// nothing in them changes at run time.
//
// Memory: the arena holds the tensors, shared by lifetime ([0, planned_bytes); the part from
// zeroed_from on holds tensors with zero borders, zeroed once at create), then scratch_bytes for
// allocations inside kernels (halide_malloc). Weights are either embedded (constant data) or read
// from a file at create; stored compressed, they are expanded into the packed form at create.
#pragma once

#include "cpu_features.h"
#include "prefix.h"
#include "weight_expansion.h"

#include <cstddef>
#include <cstdint>

struct halide_buffer_t;

namespace SQZ_PACKAGE::runtime {

constexpr int kMaxBufferRank = 6;

// Where a buffer's memory is.
enum class Memory : uint8_t {
    Arena,    // at `offset` in the model's arena
    Weights,  // at `offset` in the packed weights
    Input,    // at `offset` in the caller's input `index`, set on every run
    Output,   // at `offset` in the caller's output `index`, set on every run
};

// A buffer's element type.
enum class Element : uint8_t { F32, U8, I8, I32, Count };

// A buffer dimension (its min is 0, or -BufferSpec::border).
struct DimSpec {
    int32_t extent, stride;
};

// One Halide buffer: the byte offset of its first element in its memory, its dims (innermost
// first), which are ModelDescription::dims[first_dim, first_dim + rank) (buffers of the same shape
// share them), the memory, its element type, the caller's tensor it is in (inputs and outputs),
// and where its dims start: at 0, but x and y (dims 1 and 2 of a 4-D buffer) at -border when a
// kernel reads a bordered tensor's border below zero.
struct BufferSpec {
    uint32_t offset;  // (a package's arena and weights stay under 4 GiB: sqzc checks it)
    uint16_t first_dim;
    Memory memory;
    Element type;
    uint8_t index;
    uint8_t rank;  // at most kMaxBufferRank
    uint8_t border;
};

// A kernel's entry point behind one signature (Halide gives each kernel its own): the generated
// wrapper passes `buffers[0]`, `buffers[1]`, ... as the kernel's arguments, in order. Returns 0 on
// success.
using KernelCall = int (*)(void* user_context, halide_buffer_t* buffers);

// A kernel in the run: plain numbers (no pointers to relocate at load). Kernels of the same form
// in a size build share one entry point.
struct KernelSpec {
    int32_t first_buffer;  // its arguments: buffers [first_buffer, first_buffer + buffer_count)
    uint16_t name;         // the IR nodes it computes, for profiles: ModelDescription::kernel_names + name
    uint8_t call;          // its entry point: ModelDescription::calls[call]
    uint8_t buffer_count;
};

struct ModelDescription {
    // The caller's tensors, float32: input and output element counts.
    const size_t* input_sizes = nullptr;
    int input_count = 0;
    const size_t* output_sizes = nullptr;
    int output_count = 0;

    // Memory (bytes).
    size_t planned_bytes = 0;   // tensors, shared by lifetime
    size_t zeroed_from = 0;     // [zeroed_from, planned_bytes): tensors with zero borders
    size_t scratch_bytes = 0;   // allocations inside kernels, after the tensors
    size_t arena_bytes = 0;     // planned_bytes + scratch_bytes: what a caller's arena must hold

    const BufferSpec* buffers = nullptr;
    int buffer_count = 0;
    const DimSpec* dims = nullptr;  // the buffers' dims
    int dim_count = 0;
    const KernelSpec* kernels = nullptr;  // in execution order
    int kernel_count = 0;
    const KernelCall* calls = nullptr;    // the entry points the kernels name
    const char* kernel_names = nullptr;   // the kernels' names, each ending in a NUL

    // Weights: the stored bytes are embedded (non-null) or read from a weights file at create
    // (options' path, else default_weights_path). With stored tensors, the stored bytes are
    // expanded into the packed weights; else they are the packed weights.
    const void* embedded_weights = nullptr;  // 64-byte aligned
    const char* default_weights_path = nullptr;
    size_t stored_weight_bytes = 0;
    size_t packed_weight_bytes = 0;
    StoredWeights stored;  // no tensors: stored packed

    // Instruction sets the kernels were compiled for.
    const CpuFeature* cpu_features = nullptr;
    int cpu_feature_count = 0;
};

// The package's model, defined by the generated NAME.cpp; the C API (c_api.cpp) serves it.
extern const ModelDescription kPackageModel;

}  // namespace SQZ_PACKAGE::runtime
