// The metaparameter form of .sqz descriptions: SqueezeNet's design space (Iandola et al. 2016,
// section 5), read from the file's keys and --set overrides, checked, and expanded by the paper's
// rules into the layer list that sqz_network.h builds. Every key defaults to SqueezeNet v1.0.
#pragma once

#include "compiler/frontends/sqz_network.h"
#include "compiler/frontends/sqz_syntax.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sqz::compiler {

struct SqzMetaparams {
    std::string name = "squeezenet";
    ir::Dims input{3, 227, 227};
    int64_t classes = 1000;
    int64_t conv1_filters = 96, conv1_kernel = 7, conv1_stride = 2, conv1_pad = 0;
    int64_t pool_kernel = 3, pool_stride = 2, pool_pad = 0;
    std::vector<std::string> pool_after{"conv1", "fire4", "fire8"};
    int64_t fire_modules = 8;
    int64_t base_e = 128, incr_e = 128, freq = 2;
    double pct3x3 = 0.5;
    double sr = 0.125;
    SqzBypass bypass = SqzBypass::None;
    double dropout = 0.5;
    int64_t final_conv_pad = 1;
    bool softmax = true;
};

// Filter counts of Fire module i (0-based; it is named fire<i+2>) by the paper's rules:
//   e_i = base_e + incr_e * floor(i / freq)
//   expand3x3 = round(pct3x3 * e_i), kept within [1, e_i - 1];  expand1x1 = e_i - expand3x3
//   squeeze = max(1, round(SR * e_i))
// where round() goes to the nearest integer, halves up. Requires 2 <= e_i (checked by the reader).
struct SqzFireSizes {
    int64_t squeeze = 0, expand1x1 = 0, expand3x3 = 0;
};
SqzFireSizes sqz_fire_sizes(const SqzMetaparams& m, int64_t i);

// Reads the metaparameters from a metaparameter-form document plus "KEY=VALUE" overrides, and
// expands them into the network. Errors name the key and where it was written.
SqzNetwork sqz_metaparameter_network(const SqzDocument& doc, const std::vector<std::string>& overrides);

// Parses "CxHxW" (each dimension in [1, Limits::max_dim], at most Limits::max_elements in all).
ir::Dims sqz_input_dims(const SqzValue& value);

}  // namespace sqz::compiler
