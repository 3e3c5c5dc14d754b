// A small SqueezeNet-shaped model for the sanitizer and determinism tests: a strided conv, a max
// pool, two Fire modules (the second with a simple bypass), a 1x1 conv to 10 classes and global
// average pooling, on a 3x32x32 input. No softmax: the ten scores stay spread out, so comparing
// outputs checks every kernel (a softmax saturates to one-hot or flattens to uniform). Large
// enough to have parallel loops, small enough that its package compiles in seconds even with
// sanitizers.
#pragma once

#include "compiler/random_weights.h"
#include "compiler/frontends/sqz_description.h"
#include "ir/graph.h"

namespace sqz::test {

inline ir::Graph mini_model(uint64_t seed = 7) {
    ir::Graph g = compiler::parse_sqz(R"(sqz 1
name mini
input 3x32x32
layers
conv    conv1 filters=16 kernel=3 stride=2 relu
maxpool pool1 kernel=3 stride=2
fire    fire2 squeeze=8 expand1x1=16 expand3x3=16
fire    fire3 squeeze=8 expand1x1=16 expand3x3=16 bypass=simple
conv    conv4 filters=10 kernel=1
global_avgpool pool4
)",
                                      "mini.sqz");
    compiler::bind_random_weights(g, seed);
    return g;
}

}  // namespace sqz::test
