// Shared pieces of the libFuzzer targets (tests/fuzz/*_fuzz.cpp, run by scripts/fuzz): the guard
// that accepts sqz::Error as the only failure, the tiny models the weight and input parsers bind
// to, and the checks load_model runs after a frontend (resource limits, weights, verification).
#pragma once

#include "compiler/frontends/caffe_prototxt.h"
#include "compiler/random_weights.h"
#include "compiler/frontends/sqz_description.h"
#include "compiler/model_loader.h"
#include "ir/error.h"
#include "ir/graph.h"
#include "ir/text_form.h"
#include "ir/verifier.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sqz::fuzz {

// The input as text or bytes, without copying.
inline std::string_view as_view(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Runs `body`; a user error (sqz::Error) is the expected way to refuse bad input. Anything else
// (InternalError from SQZ_ASSERT, std::bad_alloc, other exceptions) escapes and libFuzzer reports
// it as a crash, as do sanitizer findings, timeouts and out-of-memory.
template <typename Body>
int guarded(Body&& body) {
    try {
        body();
    } catch (const sqz::Error&) {
    }
    return 0;
}

// Limits small enough that binding random weights stays fast; what the frontends must enforce is
// that nothing is allocated before these are checked.
inline compiler::ResourceLimits fuzz_limits() {
    compiler::ResourceLimits limits;
    limits.max_parameters = 1'000'000;
    limits.max_tensor_elements = 4'000'000;
    return limits;
}

// What load_model does after a frontend: check declared sizes, bind weights if missing, verify,
// and print the graph (the printer sees whatever names and attributes the parser let through).
inline void finish_like_load_model(ir::Graph& graph) {
    compiler::check_resource_limits(graph, fuzz_limits(), "fuzz");
    if (!graph.weights_bound()) compiler::bind_random_weights(graph, 1);
    ir::verify(graph);
    (void)ir::print_graph(graph);
}

// The net the caffemodel and .net targets bind to (tests/corpus/caffe/tiny.prototxt):
// conv1 (4x3x3x3 + 4), ReLU, 2x2 max pool, conv2 (5x4x1x1 + 5), global average pool, softmax.
inline const ir::Graph& tiny_caffe_graph() {
    static const ir::Graph graph = compiler::parse_caffe_prototxt(R"(
name: "tiny"
input: "data"
input_shape { dim: 1 dim: 3 dim: 9 dim: 9 }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 4 kernel_size: 3 } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1"
        pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2"
        convolution_param { num_output: 5 kernel_size: 1 } }
layer { name: "pool2" type: "Pooling" bottom: "conv2" top: "pool2"
        pooling_param { pool: AVE global_pooling: true } }
layer { name: "prob" type: "Softmax" bottom: "pool2" top: "prob" }
)",
                                                                   "tiny.prototxt");
    return graph;
}

// The model the input-file and image targets feed (tests/corpus/sqz/tiny.sqz): input 3x9x9.
inline const ir::Graph& tiny_sqz_graph() {
    static const ir::Graph graph = compiler::parse_sqz(R"(sqz 1
name tiny
input 3x9x9
layers
conv conv1 filters=4 kernel=3 relu
maxpool pool1 kernel=2 stride=2
conv conv2 filters=5 kernel=1
global_avgpool pool2
softmax prob
)",
                                                       "tiny.sqz");
    return graph;
}

}  // namespace sqz::fuzz
