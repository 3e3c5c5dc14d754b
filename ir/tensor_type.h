// Element types and tensor types (dtype plus dimensions) of the graph IR.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sqz::ir {

enum class DType : uint8_t { F32, I8, U8, I32 };

std::string_view dtype_name(DType dtype);
std::optional<DType> parse_dtype(std::string_view name);
size_t dtype_bytes(DType dtype);

using Dims = std::vector<int64_t>;

// Limits that every frontend enforces before allocating anything.
struct Limits {
    static constexpr int64_t max_dim = 1'000'000;           // any single dimension
    static constexpr int64_t max_elements = 1'000'000'000;  // any single tensor, and all parameters together
};

struct TensorType {
    DType dtype = DType::F32;
    Dims dims;

    int64_t rank() const { return static_cast<int64_t>(dims.size()); }
    // Number of elements; callers must have checked dims against Limits (the verifier does).
    int64_t numel() const;
    bool operator==(const TensorType& other) const { return dtype == other.dtype && dims == other.dims; }
    bool operator!=(const TensorType& other) const { return !(*this == other); }
};

// "f32[1,3,227,227]"
std::string to_string(const TensorType& type);
// "[1,3,227,227]"
std::string dims_to_string(const Dims& dims);
// Product of dims, or nullopt if a dimension is out of Limits or the product exceeds max_elements.
std::optional<int64_t> checked_numel(const Dims& dims);

}  // namespace sqz::ir
