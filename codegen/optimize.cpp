// Names of the optimisation goals (see optimize.h).
#include "codegen/optimize.h"

#include "ir/error.h"

namespace sqz::codegen {

Optimize parse_optimize(const std::string& name) {
    if (name == "speed") return Optimize::Speed;
    if (name == "size") return Optimize::Size;
    user_error("unknown optimisation goal '{}' (choose speed or size)", name);
}

std::string optimize_name(Optimize optimize) { return optimize == Optimize::Size ? "size" : "speed"; }

}  // namespace sqz::codegen
