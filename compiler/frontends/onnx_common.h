// What the ONNX importer and exporter share: the opset range sqzc speaks, the IR version that goes
// with each opset, checked reading and writing of TensorProto values (raw_data or the typed
// fields), and the model metadata that carries preprocessing. Readers check every size against
// ir::Limits and the bytes present before allocating.
#pragma once

#include "ir/graph.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sqz::compiler {

constexpr int kOnnxMinOpset = 7;
constexpr int kOnnxMaxOpset = 17;

// The ModelProto ir_version that ONNX released alongside `opset` (opset 7 -> 3, ..., 17 -> 8).
int64_t onnx_ir_version_for_opset(int opset);

// "FLOAT", "INT64", ... for messages.
std::string_view onnx_elem_type_name(int32_t elem_type);

// The dimensions of a tensor, refused (naming `what`, e.g. "model.onnx: initializer 'w'") when a
// dimension is negative or the element count exceeds ir::Limits.
ir::Dims onnx_tensor_dims(const onnx::TensorProto& tensor, const std::string& what);

// Values of a FLOAT tensor from raw_data (little endian) or float_data; the count must match dims
// and every value must be finite (weights: NaN and infinity are refused).
std::vector<float> read_onnx_floats(const onnx::TensorProto& tensor, const std::string& what);
// Values of an INT64 tensor from raw_data (little endian) or int64_data. At most `max_count`.
std::vector<int64_t> read_onnx_int64s(const onnx::TensorProto& tensor, const std::string& what,
                                      int64_t max_count = 64);
// Values of an INT8, UINT8 or INT32 tensor (quantized weights, biases and zero points) from
// raw_data (little endian) or int32_data, each checked to lie in its type's range.
std::vector<int32_t> read_onnx_integers(const onnx::TensorProto& tensor, const std::string& what);
// The single value of a BOOL tensor (raw_data or int32_data).
bool read_onnx_bool_scalar(const onnx::TensorProto& tensor, const std::string& what);

// Fills `tensor` as a FLOAT tensor, in raw_data (little endian) or float_data.
void write_onnx_floats(onnx::TensorProto& tensor, const std::string& name, const ir::Dims& dims,
                       const std::vector<float>& values, bool raw_data);
// Fills `tensor` as an INT8, UINT8 or INT32 tensor of shape `dims` in raw_data.
void write_onnx_integers(onnx::TensorProto& tensor, const std::string& name, int32_t elem_type, const ir::Dims& dims,
                         const std::vector<int32_t>& values);
// Fills `tensor` as a 1-D INT64 tensor in raw_data or int64_data.
void write_onnx_int64s(onnx::TensorProto& tensor, const std::string& name, const std::vector<int64_t>& values,
                       bool raw_data);

// Preprocessing in ModelProto.metadata_props: keys "preprocess.channel_order" (RGB or BGR),
// "preprocess.pixel_scale" (a number), "preprocess.mean" and "preprocess.std" (three numbers
// separated by commas). Keys that are absent keep the value of `fallback`.
ir::Preprocess read_onnx_preprocess(const onnx::ModelProto& model, const std::string& file,
                                    const ir::Preprocess& fallback);
void write_onnx_preprocess(onnx::ModelProto& model, const ir::Preprocess& preprocess);

}  // namespace sqz::compiler
