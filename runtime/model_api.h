/* The public API of a package, the same in every package: status codes, the options, the C
 * functions and a C++ class that owns a model. C (C99 or later) and C++ include it.
 *
 * Every name carries the package's prefix. The includer says which: the package header NAME.h
 * defines SQZ_API_PACKAGE (the package's name) and SQZ_API_PACKAGE_UPPER (the same in capitals)
 * and includes this file, so that in package `squeezenet`
 *
 *     SQZ_API(create)            is  squeezenet_create
 *     SQZ_API_CONSTANT(OK)       is  SQUEEZENET_OK
 *     namespace SQZ_API_PACKAGE  is  namespace squeezenet
 *
 * This file removes both macros again at its end, so that the headers of several packages can
 * be included one after another; it has no include guard of its own (NAME.h has one). Inside a
 * package's own sources, which include it without defining them, the prefix is the package's
 * (prefix.h) and stays defined.
 *
 * The model's tensors, sizes and preprocessing are in NAME.h. */
#if !defined(SQZ_API_PACKAGE)  /* a package's own source: its prefix, declared once per file */
#include "prefix.h"
#define SQZ_API_PACKAGE SQZ_PACKAGE
#define SQZ_API_PACKAGE_UPPER SQZ_PACKAGE_UPPER
#define SQZ_API_INSIDE_PACKAGE
#elif defined(SQZ_API_INSIDE_PACKAGE)
#define SQZ_API_DECLARED
#endif
#ifndef SQZ_API_DECLARED

#include <stddef.h>

#define SQZ_API_CONCAT_(a, b) a##_##b
#define SQZ_API_CONCAT(a, b) SQZ_API_CONCAT_(a, b)
#define SQZ_API(name) SQZ_API_CONCAT(SQZ_API_PACKAGE, name)
#define SQZ_API_CONSTANT(name) SQZ_API_CONCAT(SQZ_API_PACKAGE_UPPER, name)

/* Every function below, by its unprefixed name (for tools that bind the API, such as sqzc's
 * source engine, and for the list of names in NAME.h). */
#define SQZ_API_FUNCTIONS(X)                                                                      \
    X(create) X(run) X(run_all) X(threads) X(packed_weights) X(destroy) X(status_string)           \
    X(set_profiling) X(kernel_count) X(kernel_name) X(kernel_ms) X(profiled_runs) X(profile_reset)

#ifdef __cplusplus
extern "C" {
#endif

/* What every function that can fail returns. */
enum {
    SQZ_API_CONSTANT(OK) = 0,
    SQZ_API_CONSTANT(ERROR_ARGUMENT) = 1,       /* a null pointer, or memory too small or misaligned */
    SQZ_API_CONSTANT(ERROR_OUT_OF_MEMORY) = 2,
    SQZ_API_CONSTANT(ERROR_CPU) = 3,            /* this CPU lacks an instruction set the package was compiled for */
    SQZ_API_CONSTANT(ERROR_WEIGHTS) = 4,        /* the weights file is missing, truncated or not this model's, or corrupt */
    SQZ_API_CONSTANT(ERROR_KERNEL) = 5          /* a kernel failed */
};

/* A model instance: create, run any number of times, destroy. */
typedef struct SQZ_API(model) SQZ_API(model);

typedef struct SQZ_API(options) {
    int threads;               /* worker threads in all, including the caller; 0: one per core, or the
                                  package's build default (SQZ_DEFAULT_THREADS) */
    void* arena;               /* optional working memory of <NAME>_ARENA_BYTES, 64-byte aligned */
    size_t arena_bytes;
    const char* weights_path;  /* packages with a weights file: its path; NULL: "<name>.weights" in the
                                  working directory. Unused when the weights are embedded. */
} SQZ_API(options);

/* Creates a model; `options` may be NULL (defaults: every core, memory of its own). */
int SQZ_API(create)(const SQZ_API(options)* options, SQZ_API(model)** model);
/* For a model of one input and one output: runs on one input of <NAME>_INPUT0_SIZE floats into
 * <NAME>_OUTPUT0_SIZE floats. Other models return <NAME>_ERROR_ARGUMENT: use run_all. */
int SQZ_API(run)(SQZ_API(model)* model, const float* input, float* output);
/* One pointer per input and per output, in the order NAME.h lists them. */
int SQZ_API(run_all)(SQZ_API(model)* model, const float* const* inputs, float* const* outputs);
int SQZ_API(threads)(const SQZ_API(model)* model);
/* The weights the kernels read (<NAME>_PACKED_WEIGHT_BYTES, packed), for inspection. */
const void* SQZ_API(packed_weights)(const SQZ_API(model)* model, size_t* bytes);
void SQZ_API(destroy)(SQZ_API(model)* model);
const char* SQZ_API(status_string)(int status);

/* Profiling: when enabled, every run adds each kernel's wall time to a per-kernel total. */
void SQZ_API(set_profiling)(SQZ_API(model)* model, int enabled);
int SQZ_API(kernel_count)(void);
const char* SQZ_API(kernel_name)(int kernel);             /* the IR nodes it computes */
double SQZ_API(kernel_ms)(SQZ_API(model)* model, int kernel);  /* total since the last reset */
int SQZ_API(profiled_runs)(SQZ_API(model)* model);
void SQZ_API(profile_reset)(SQZ_API(model)* model);

#ifdef __cplusplus
}  /* extern "C" */

namespace SQZ_API_PACKAGE {

// The C++ API: owns a model.
class Model {
public:
    Model() = default;
    ~Model() { SQZ_API(destroy)(model_); }
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;
    Model(Model&& o) noexcept : model_(o.model_) { o.model_ = nullptr; }
    Model& operator=(Model&& o) noexcept {
        if (this != &o) {
            SQZ_API(destroy)(model_);
            model_ = o.model_;
            o.model_ = nullptr;
        }
        return *this;
    }

    // Returns <NAME>_OK or an error code; see status_string().
    int init(const SQZ_API(options)& options = SQZ_API(options){}) {
        SQZ_API(destroy)(model_);
        model_ = nullptr;
        return SQZ_API(create)(&options, &model_);
    }
    int run(const float* input, float* output) { return SQZ_API(run)(model_, input, output); }
    int run_all(const float* const* inputs, float* const* outputs) { return SQZ_API(run_all)(model_, inputs, outputs); }
    int threads() const { return SQZ_API(threads)(model_); }
    static const char* status_string(int status) { return SQZ_API(status_string)(status); }

private:
    SQZ_API(model)* model_ = nullptr;
};

}  // namespace SQZ_API_PACKAGE
#endif  /* __cplusplus */

#ifndef SQZ_API_INSIDE_PACKAGE
#undef SQZ_API_PACKAGE
#undef SQZ_API_PACKAGE_UPPER
#endif
#endif  /* SQZ_API_DECLARED */
