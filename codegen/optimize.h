// What code generation optimises for (`--optimize speed|size`). Speed (the default): register
// tiles unrolled, every kernel specialised to its layer's shapes, Winograd where the cost model
// says it is faster. Size: direct convolutions with small rolled tiles, and buffer shapes read at
// run time rather than compiled in, so that layers of the same form (every Fire module's squeeze,
// its expand1x1, its expand3x3) lower to the same code, which a package then holds once
// (package_kernels.h). The JIT and packages take either; size kernels are slower.
#pragma once

#include <string>

namespace sqz::codegen {

enum class Optimize { Speed, Size };

// "speed" or "size"; throws sqz::Error naming them for anything else.
Optimize parse_optimize(const std::string& name);
std::string optimize_name(Optimize optimize);

}  // namespace sqz::codegen
