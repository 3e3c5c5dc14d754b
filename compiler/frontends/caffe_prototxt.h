// Caffe prototxt frontend: reads a Caffe network description (NetParameter in protobuf text
// format) into a graph with unbound weights.
//
// The input may be declared in any of Caffe's three ways: `input` with `input_shape`, `input` with
// four `input_dim` values, or an Input layer. The batch dimension written in the file (often 10)
// is not kept: the graph has batch 1 and per-sample inputs [C,H,W] from the file; the driver sets
// the batch. The graph is named after NetParameter.name, else the file's stem, and keeps the
// default preprocessing (Caffe SqueezeNet's BGR with means 104/117/123).
//
// Layers: Input, Convolution (group 1, dilation 1), ReLU (negative_slope 0), Pooling MAX/AVE
// (Caffe's ceil rounding unless round_mode: FLOOR; AVE divides by the padded window; global_pooling
// AVE is GlobalAvgPool, global MAX a max pool over the whole map), Concat, Dropout, Softmax,
// Eltwise SUM with unit coefficients, Flatten from axis 1. Layers a TEST-phase net excludes (e.g.
// include { phase: TRAIN }) are skipped; data, loss and accuracy layers are refused. Each node is
// named after its Caffe layer; convolution constants are "<layer>.weight" and "<layer>.bias".
// In-place layers (top == bottom) are resolved to the value last written under that top, and the
// graph's outputs are the tops no layer reads after their last write (as Caffe's net outputs).
#pragma once

#include "ir/graph.h"

#include <string>
#include <string_view>

namespace sqz::compiler {

// Reads the file at `path`. Errors name the file, and line:column for syntax errors (including
// fields sqzc's schema does not know) or the line and layer for semantic ones (unsupported layer
// type, group > 1, dilation, dangling bottom, sizes beyond ir::Limits, ...).
ir::Graph load_caffe_prototxt(const std::string& path);
// The same from text already in memory; `file` is used in messages and for the graph's name.
ir::Graph parse_caffe_prototxt(std::string_view text, const std::string& file);

}  // namespace sqz::compiler
