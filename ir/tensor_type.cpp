// Element types and tensor types (see tensor_type.h).
#include "ir/tensor_type.h"

#include "ir/error.h"

#include <fmt/format.h>

namespace sqz::ir {

std::string_view dtype_name(DType dtype) {
    switch (dtype) {
    case DType::F32: return "f32";
    case DType::I8: return "i8";
    case DType::U8: return "u8";
    case DType::I32: return "i32";
    }
    SQZ_ASSERT(false, "unknown dtype {}", static_cast<int>(dtype));
}

std::optional<DType> parse_dtype(std::string_view name) {
    for (DType d : {DType::F32, DType::I8, DType::U8, DType::I32})
        if (dtype_name(d) == name) return d;
    return std::nullopt;
}

size_t dtype_bytes(DType dtype) {
    switch (dtype) {
    case DType::F32: return 4;
    case DType::I8: return 1;
    case DType::U8: return 1;
    case DType::I32: return 4;
    }
    SQZ_ASSERT(false, "unknown dtype {}", static_cast<int>(dtype));
}

int64_t TensorType::numel() const {
    auto n = checked_numel(dims);
    SQZ_ASSERT(n.has_value(), "tensor {} exceeds the size limits", to_string(*this));
    return *n;
}

std::optional<int64_t> checked_numel(const Dims& dims) {
    int64_t n = 1;
    for (int64_t d : dims) {
        if (d < 0 || d > Limits::max_dim) return std::nullopt;
        n *= d;
        if (n > Limits::max_elements) return std::nullopt;
    }
    return n;
}

std::string dims_to_string(const Dims& dims) { return fmt::format("[{}]", fmt::join(dims, ",")); }

std::string to_string(const TensorType& type) {
    return fmt::format("{}{}", dtype_name(type.dtype), dims_to_string(type.dims));
}

}  // namespace sqz::ir
