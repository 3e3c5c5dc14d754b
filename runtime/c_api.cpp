// The package's C API (model_api.h) over runtime::Model, serving the package's model
// (kPackageModel, generated into NAME.cpp). In sqzc's own build the functions are sqz_create and
// so on; sqzc never calls them, so nothing pulls this file out of the static library there, and a
// test that does supplies a model of its own.
#include "model_api.h"

#include "model.h"
#include "model_description.h"
#include "status.h"

#include <memory>

namespace runtime = SQZ_PACKAGE::runtime;
using runtime::Status;

static_assert(SQZ_API_CONSTANT(OK) == static_cast<int>(Status::Ok), "status codes agree");
static_assert(SQZ_API_CONSTANT(ERROR_ARGUMENT) == static_cast<int>(Status::Argument), "status codes agree");
static_assert(SQZ_API_CONSTANT(ERROR_OUT_OF_MEMORY) == static_cast<int>(Status::OutOfMemory), "status codes agree");
static_assert(SQZ_API_CONSTANT(ERROR_CPU) == static_cast<int>(Status::Cpu), "status codes agree");
static_assert(SQZ_API_CONSTANT(ERROR_WEIGHTS) == static_cast<int>(Status::Weights), "status codes agree");
static_assert(SQZ_API_CONSTANT(ERROR_KERNEL) == static_cast<int>(Status::Kernel), "status codes agree");
static_assert(static_cast<int>(Status::Count) == 6, "every status has a C constant");

namespace {

// The C handle is the Model itself: SQZ_API(model) is only ever declared, and a pointer converted
// to it and back is unchanged.
runtime::Model* get(SQZ_API(model)* m) { return reinterpret_cast<runtime::Model*>(m); }
const runtime::Model* get(const SQZ_API(model)* m) { return reinterpret_cast<const runtime::Model*>(m); }

int code(Status status) { return static_cast<int>(status); }

}  // namespace

extern "C" {

int SQZ_API(create)(const SQZ_API(options)* options, SQZ_API(model)** model) {
    if (!model) return code(Status::Argument);
    *model = nullptr;
    std::unique_ptr<runtime::Model> m;
    const Status status = runtime::Model::create(runtime::kPackageModel, options ? *options : SQZ_API(options){}, m);
    if (status == Status::Ok) *model = reinterpret_cast<SQZ_API(model)*>(m.release());
    return code(status);
}

int SQZ_API(run)(SQZ_API(model)* model, const float* input, float* output) {
    if (runtime::kPackageModel.input_count != 1 || runtime::kPackageModel.output_count != 1)
        return code(Status::Argument);
    return SQZ_API(run_all)(model, &input, &output);
}

int SQZ_API(run_all)(SQZ_API(model)* model, const float* const* inputs, float* const* outputs) {
    if (!model) return code(Status::Argument);
    return code(get(model)->run(inputs, outputs));
}

int SQZ_API(threads)(const SQZ_API(model)* model) { return model ? get(model)->threads() : 0; }

const void* SQZ_API(packed_weights)(const SQZ_API(model)* model, size_t* bytes) {
    if (bytes) *bytes = model ? get(model)->description().packed_weight_bytes : 0;
    return model ? get(model)->packed_weights() : nullptr;
}

void SQZ_API(destroy)(SQZ_API(model)* model) { delete get(model); }

const char* SQZ_API(status_string)(int status) { return runtime::status_string(status); }

void SQZ_API(set_profiling)(SQZ_API(model)* model, int enabled) {
    if (model) get(model)->set_profiling(enabled != 0);
}

int SQZ_API(kernel_count)(void) { return runtime::kPackageModel.kernel_count; }

const char* SQZ_API(kernel_name)(int kernel) {
    const runtime::ModelDescription& d = runtime::kPackageModel;
    return kernel >= 0 && kernel < d.kernel_count ? d.kernel_names + d.kernels[kernel].name : "";
}

double SQZ_API(kernel_ms)(SQZ_API(model)* model, int kernel) { return model ? get(model)->kernel_ms(kernel) : 0; }

int SQZ_API(profiled_runs)(SQZ_API(model)* model) { return model ? get(model)->profiled_runs() : 0; }

void SQZ_API(profile_reset)(SQZ_API(model)* model) {
    if (model) get(model)->profile_reset();
}

}  // extern "C"
