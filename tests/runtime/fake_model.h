// A hand-written model description (runtime/model_description.h) with fake kernels, for the
// tests of the runtime's model code: output[i] = input[i] * scale + shift over 8 floats, in two
// kernels that pass the product through the arena:
//
//   kernel "scale": input (8) , weights[0] = scale      -> arena tensor (8), via halide_do_par_for
//   kernel "shift": arena (8) , weights[16] = shift     -> output (8), borrowing 256 bytes of scratch
//
// The kernels call the Halide runtime functions (halide_glue.cpp) as Halide's kernels do, and fail
// on request: an input[0] of kFailReturn makes "shift" return an error, kFailReport makes it report
// one through halide_error and return 0.
#pragma once

#include "runtime/halide_names.h"
#include "runtime/halide_runtime.h"
#include "runtime/kernel_context.h"
#include "runtime/model_description.h"

#include <cstring>

namespace sqz::test {

using runtime::BufferSpec;
using runtime::Element;
using runtime::KernelSpec;
using runtime::Memory;
using runtime::ModelDescription;

inline constexpr int kFakeSize = 8;
inline constexpr float kFakeScale = 2.0f, kFakeShift = 0.5f;
inline constexpr float kFailReturn = -1000.0f, kFailReport = -2000.0f;

// The packed weights: scale at float 0, shift at float 16 (byte 64).
alignas(64) inline constexpr float kFakeWeights[32] = {kFakeScale, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                       kFakeShift};

inline float* floats(halide_buffer_t& b) { return reinterpret_cast<float*>(b.host); }

inline bool is_f32(const halide_buffer_t& b) { return b.type.code == halide_type_float && b.type.bits == 32 && b.type.lanes == 1; }

struct ScaleClosure {
    halide_buffer_t* b;
};

inline int scale_task(void*, int i, uint8_t* closure) {
    halide_buffer_t* b = reinterpret_cast<ScaleClosure*>(closure)->b;
    floats(b[2])[i] = floats(b[0])[i] * floats(b[1])[0];
    return 0;
}

// Arguments: input, weights (scale), arena tensor.
inline int fake_scale(void* context, halide_buffer_t* b) {
    if (!is_f32(b[0]) || b[0].dimensions != 1 || b[0].dim[0].extent != kFakeSize) return -1;
    ScaleClosure closure{b};
    return halide_do_par_for(context, scale_task, 0, kFakeSize, reinterpret_cast<uint8_t*>(&closure));
}

// Arguments: arena tensor, weights (shift), output.
inline int fake_shift(void* context, halide_buffer_t* b) {
    void* scratch = halide_malloc(context, 256);
    if (!scratch) return halide_error_out_of_memory(context);
    std::memset(scratch, 0, 256);
    halide_free(context, scratch);
    const float first = floats(b[0])[0] / kFakeScale;
    if (first == kFailReturn) return -1;
    if (first == kFailReport) halide_error(context, "the input asked for an error");
    for (int i = 0; i < kFakeSize; ++i) floats(b[2])[i] = floats(b[0])[i] + floats(b[1])[0];
    return 0;
}

inline constexpr size_t kFakeSizes[] = {kFakeSize};

// Dims 0: the 8-float tensors; 1: the one-float weights.
inline constexpr runtime::DimSpec kFakeDims[] = {{kFakeSize, 1}, {1, 1}};

inline constexpr BufferSpec kFakeBuffers[] = {
    {0, 0, Memory::Input, Element::F32, 0, 1, 0},
    {0, 1, Memory::Weights, Element::F32, 0, 1, 0},
    {128, 0, Memory::Arena, Element::F32, 0, 1, 0},
    {128, 0, Memory::Arena, Element::F32, 0, 1, 0},
    {64, 1, Memory::Weights, Element::F32, 0, 1, 0},
    {0, 0, Memory::Output, Element::F32, 0, 1, 0},
};

inline constexpr runtime::KernelCall kFakeCalls[] = {fake_scale, fake_shift};
inline constexpr char kFakeKernelNames[] = "scale\0shift";
inline constexpr KernelSpec kFakeKernels[] = {
    {0, 0, 0, 3},  // "scale"
    {3, 6, 1, 3},  // "shift"
};

// The arena: the tensor at byte 128 (32 bytes), a bordered region [192, 256) zeroed at create,
// then the scratch (kernels get 256 bytes; the arena keeps Arena::kSlack of it unused).
inline constexpr size_t kFakePlanned = 256, kFakeZeroedFrom = 192, kFakeScratch = 1024;

// Embedded weights, x86-64 features this machine has (or none elsewhere).
inline ModelDescription fake_model() {
    static const runtime::CpuFeature features[] = {runtime::CpuFeature::SSE41};
    ModelDescription m;
    m.input_sizes = kFakeSizes;
    m.input_count = 1;
    m.output_sizes = kFakeSizes;
    m.output_count = 1;
    m.planned_bytes = kFakePlanned;
    m.zeroed_from = kFakeZeroedFrom;
    m.scratch_bytes = kFakeScratch;
    m.arena_bytes = kFakePlanned + kFakeScratch;
    m.buffers = kFakeBuffers;
    m.buffer_count = 6;
    m.dims = kFakeDims;
    m.dim_count = 2;
    m.kernels = kFakeKernels;
    m.kernel_count = 2;
    m.calls = kFakeCalls;
    m.kernel_names = kFakeKernelNames;
    m.embedded_weights = kFakeWeights;
    m.stored_weight_bytes = sizeof kFakeWeights;
    m.packed_weight_bytes = sizeof kFakeWeights;
#if defined(__x86_64__)
    m.cpu_features = features;
    m.cpu_feature_count = 1;
#endif
    return m;
}

}  // namespace sqz::test
