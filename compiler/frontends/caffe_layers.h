// The Caffe layer types sqzc reads, each turned into IR nodes: Input, Convolution, ReLU, Pooling,
// Concat, Dropout, Softmax, Eltwise (SUM) and Flatten. Everything else is refused by name.
#pragma once

#include "compiler/frontends/caffe_context.h"

namespace sqz::compiler {

// Appends the nodes (or graph inputs) of one included layer and points its tops at them. Throws
// sqz::Error "file:line: layer 'name': ..." for unsupported types and parameters.
void convert_caffe_layer(CaffeContext& context, const CaffeLayer& layer);

// Graph input of per-sample type `dims[1:]` for a Caffe shape [N, C, H, W, ...], checked against
// ir::Limits. `where` prefixes messages ("file:line: input 'data'").
ir::TensorType caffe_input_type(const std::vector<int64_t>& dims, const std::string& where);

}  // namespace sqz::compiler
