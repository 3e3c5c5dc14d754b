// ONNX tensors and versions shared by the importer and the exporter (see onnx_common.h).
#include "compiler/frontends/onnx_common.h"

#include "ir/error.h"
#include "ir/verifier.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstring>

namespace sqz::compiler {
namespace {

uint64_t load_le(const char* bytes, int width) {
    uint64_t v = 0;
    for (int i = 0; i < width; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
    return v;
}

void store_le(char* bytes, uint64_t v, int width) {
    for (int i = 0; i < width; ++i) bytes[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

void require_type(const onnx::TensorProto& tensor, int32_t expected, const std::string& what) {
    if (tensor.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
        user_error("{}: data stored outside the model file (external data) is not supported", what);
    if (tensor.data_type() != expected)
        user_error("{} has element type {}, expected {}", what, onnx_elem_type_name(tensor.data_type()),
                   onnx_elem_type_name(expected));
}

// The element count of `tensor`, checked against the values present in raw_data (`width` bytes
// each) or in the typed field holding `typed_count` values.
int64_t checked_count(const onnx::TensorProto& tensor, const std::string& what, int width, int typed_count,
                      const char* typed_field) {
    ir::Dims dims = onnx_tensor_dims(tensor, what);
    auto numel = ir::checked_numel(dims);
    SQZ_ASSERT(numel.has_value(), "dims were checked");
    if (tensor.has_raw_data()) {
        uint64_t expected = static_cast<uint64_t>(*numel) * static_cast<uint64_t>(width);
        if (tensor.raw_data().size() != expected)
            user_error("{} of shape {} needs {} bytes of raw_data, but {} are present", what, ir::dims_to_string(dims),
                       expected, tensor.raw_data().size());
    } else if (typed_count != *numel) {
        user_error("{} of shape {} needs {} values, but {} holds {}", what, ir::dims_to_string(dims), *numel,
                   typed_field, typed_count);
    }
    return *numel;
}

}  // namespace

int64_t onnx_ir_version_for_opset(int opset) {
    SQZ_ASSERT(opset >= kOnnxMinOpset && opset <= kOnnxMaxOpset, "opset {} out of range", opset);
    // ONNX releases 1.2 (opset 7) to 1.12 (opset 17) and the IR version each introduced.
    static const int64_t kIrVersion[] = {3, 3, 4, 5, 6, 7, 7, 7, 8, 8, 8};
    return kIrVersion[opset - kOnnxMinOpset];
}

std::string_view onnx_elem_type_name(int32_t elem_type) {
    if (!onnx::TensorProto_DataType_IsValid(elem_type)) return "(invalid)";
    return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(elem_type));
}

ir::Dims onnx_tensor_dims(const onnx::TensorProto& tensor, const std::string& what) {
    ir::Dims dims(tensor.dims().begin(), tensor.dims().end());
    for (int64_t d : dims)
        if (d < 0 || d > ir::Limits::max_dim)
            user_error("{} has dimension {} in {}; dimensions must lie in [0, {}]", what, d, ir::dims_to_string(dims),
                       ir::Limits::max_dim);
    if (!ir::checked_numel(dims))
        user_error("{} of shape {} has more than {} elements", what, ir::dims_to_string(dims),
                   ir::Limits::max_elements);
    return dims;
}

std::vector<float> read_onnx_floats(const onnx::TensorProto& tensor, const std::string& what) {
    require_type(tensor, onnx::TensorProto_DataType_FLOAT, what);
    int64_t n = checked_count(tensor, what, 4, tensor.float_data_size(), "float_data");
    std::vector<float> out;
    if (!tensor.has_raw_data()) {
        out.assign(tensor.float_data().begin(), tensor.float_data().end());
    } else {
        out.resize(static_cast<size_t>(n));
        const char* raw = tensor.raw_data().data();
        for (size_t i = 0; i < out.size(); ++i) {
            auto bits = static_cast<uint32_t>(load_le(raw + 4 * i, 4));
            std::memcpy(&out[i], &bits, 4);
        }
    }
    // The same policy as every weight source: NaN or infinite weights are refused (docs/hardening.md).
    if (int64_t i = ir::first_non_finite(out); i >= 0)
        user_error("{}: value {} is {}; sqzc refuses weights that are not finite", what, i,
                   out[static_cast<size_t>(i)]);
    return out;
}

std::vector<int64_t> read_onnx_int64s(const onnx::TensorProto& tensor, const std::string& what, int64_t max_count) {
    require_type(tensor, onnx::TensorProto_DataType_INT64, what);
    int64_t n = checked_count(tensor, what, 8, tensor.int64_data_size(), "int64_data");
    if (n > max_count) user_error("{} holds {} values, more than the {} expected here", what, n, max_count);
    if (!tensor.has_raw_data()) return {tensor.int64_data().begin(), tensor.int64_data().end()};
    std::vector<int64_t> out(static_cast<size_t>(n));
    for (size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<int64_t>(load_le(tensor.raw_data().data() + 8 * i, 8));
    return out;
}

namespace {

int integer_width(int32_t elem_type) {
    return elem_type == onnx::TensorProto_DataType_INT32 ? 4 : 1;
}

}  // namespace

std::vector<int32_t> read_onnx_integers(const onnx::TensorProto& tensor, const std::string& what) {
    const int32_t type = tensor.data_type();
    require_type(tensor, type, what);
    if (type != onnx::TensorProto_DataType_INT8 && type != onnx::TensorProto_DataType_UINT8 &&
        type != onnx::TensorProto_DataType_INT32)
        user_error("{} has element type {}, expected INT8, UINT8 or INT32", what, onnx_elem_type_name(type));
    const int width = integer_width(type);
    const int64_t n = checked_count(tensor, what, width, tensor.int32_data_size(), "int32_data");
    std::vector<int32_t> out(static_cast<size_t>(n));
    for (size_t i = 0; i < out.size(); ++i) {
        if (!tensor.has_raw_data()) {
            out[i] = tensor.int32_data(static_cast<int>(i));
        } else {
            const uint64_t bits = load_le(tensor.raw_data().data() + width * i, width);
            out[i] = type == onnx::TensorProto_DataType_INT8    ? static_cast<int8_t>(bits)
                     : type == onnx::TensorProto_DataType_UINT8 ? static_cast<int32_t>(bits)
                                                                : static_cast<int32_t>(static_cast<uint32_t>(bits));
        }
        const int32_t lo = type == onnx::TensorProto_DataType_INT8 ? -128 : type == onnx::TensorProto_DataType_UINT8 ? 0 : INT32_MIN;
        const int32_t hi = type == onnx::TensorProto_DataType_INT8 ? 127 : type == onnx::TensorProto_DataType_UINT8 ? 255 : INT32_MAX;
        if (out[i] < lo || out[i] > hi)
            user_error("{}: value {} is {}, outside the range of {}", what, i, out[i], onnx_elem_type_name(type));
    }
    return out;
}

void write_onnx_integers(onnx::TensorProto& tensor, const std::string& name, int32_t elem_type, const ir::Dims& dims,
                         const std::vector<int32_t>& values) {
    tensor.Clear();
    tensor.set_name(name);
    tensor.set_data_type(elem_type);
    for (int64_t d : dims) tensor.add_dims(d);
    const int width = integer_width(elem_type);
    std::string bytes(values.size() * static_cast<size_t>(width), '\0');
    for (size_t i = 0; i < values.size(); ++i)
        store_le(&bytes[static_cast<size_t>(width) * i], static_cast<uint64_t>(static_cast<uint32_t>(values[i])), width);
    tensor.set_raw_data(std::move(bytes));
}

bool read_onnx_bool_scalar(const onnx::TensorProto& tensor, const std::string& what) {
    require_type(tensor, onnx::TensorProto_DataType_BOOL, what);
    int64_t n = checked_count(tensor, what, 1, tensor.int32_data_size(), "int32_data");
    if (n != 1) user_error("{} holds {} values, expected a single boolean", what, n);
    return tensor.has_raw_data() ? tensor.raw_data()[0] != 0 : tensor.int32_data(0) != 0;
}

void write_onnx_floats(onnx::TensorProto& tensor, const std::string& name, const ir::Dims& dims,
                       const std::vector<float>& values, bool raw_data) {
    tensor.Clear();
    tensor.set_name(name);
    tensor.set_data_type(onnx::TensorProto_DataType_FLOAT);
    for (int64_t d : dims) tensor.add_dims(d);
    if (!raw_data) {
        tensor.mutable_float_data()->Add(values.begin(), values.end());
        return;
    }
    std::string bytes(values.size() * 4, '\0');
    for (size_t i = 0; i < values.size(); ++i) {
        uint32_t bits;
        std::memcpy(&bits, &values[i], 4);
        store_le(&bytes[4 * i], bits, 4);
    }
    tensor.set_raw_data(std::move(bytes));
}

void write_onnx_int64s(onnx::TensorProto& tensor, const std::string& name, const std::vector<int64_t>& values,
                       bool raw_data) {
    tensor.Clear();
    tensor.set_name(name);
    tensor.set_data_type(onnx::TensorProto_DataType_INT64);
    tensor.add_dims(static_cast<int64_t>(values.size()));
    if (!raw_data) {
        tensor.mutable_int64_data()->Add(values.begin(), values.end());
        return;
    }
    std::string bytes(values.size() * 8, '\0');
    for (size_t i = 0; i < values.size(); ++i) store_le(&bytes[8 * i], static_cast<uint64_t>(values[i]), 8);
    tensor.set_raw_data(std::move(bytes));
}

namespace {

// Exactly `count` numbers separated by commas, or nothing when the text is not that.
std::vector<double> parse_numbers(const std::string& text, size_t count) {
    std::vector<double> out;
    const char* p = text.data();
    const char* end = p + text.size();
    for (;;) {
        while (p < end && *p == ' ') ++p;
        double v = 0;
        auto [next, ec] = std::from_chars(p, end, v);
        if (ec != std::errc() || next == p) return {};
        out.push_back(v);
        p = next;
        while (p < end && *p == ' ') ++p;
        if (p == end) break;
        if (*p++ != ',') return {};
    }
    if (out.size() != count) return {};
    return out;
}

}  // namespace

ir::Preprocess read_onnx_preprocess(const onnx::ModelProto& model, const std::string& file,
                                    const ir::Preprocess& fallback) {
    ir::Preprocess pre = fallback;
    for (const onnx::StringStringEntryProto& entry : model.metadata_props()) {
        const std::string& key = entry.key();
        const std::string& value = entry.value();
        if (key == "preprocess.channel_order") {
            if (value != "RGB" && value != "BGR")
                user_error("{}: metadata '{}' is '{}', expected RGB or BGR", file, key, value);
            pre.channel_order = value == "RGB" ? ir::Preprocess::Order::RGB : ir::Preprocess::Order::BGR;
        } else if (key == "preprocess.pixel_scale") {
            std::vector<double> v = parse_numbers(value, 1);
            if (v.empty() || !(v[0] > 0))
                user_error("{}: metadata '{}' is '{}', expected a positive number", file, key, value);
            pre.pixel_scale = v[0];
        } else if (key == "preprocess.mean" || key == "preprocess.std") {
            std::vector<double> v = parse_numbers(value, 3);
            bool is_std = key == "preprocess.std";
            if (v.empty() || (is_std && !(v[0] > 0 && v[1] > 0 && v[2] > 0)))
                user_error("{}: metadata '{}' is '{}', expected three {}numbers separated by commas", file, key, value,
                           is_std ? "positive " : "");
            std::copy(v.begin(), v.end(), is_std ? pre.std : pre.mean);
        }
    }
    return pre;
}

void write_onnx_preprocess(onnx::ModelProto& model, const ir::Preprocess& pre) {
    auto add = [&](const char* key, std::string value) {
        onnx::StringStringEntryProto* entry = model.add_metadata_props();
        entry->set_key(key);
        entry->set_value(std::move(value));
    };
    add("preprocess.channel_order", pre.channel_order == ir::Preprocess::Order::RGB ? "RGB" : "BGR");
    add("preprocess.pixel_scale", fmt::format("{}", pre.pixel_scale));
    add("preprocess.mean", fmt::format("{},{},{}", pre.mean[0], pre.mean[1], pre.mean[2]));
    add("preprocess.std", fmt::format("{},{},{}", pre.std[0], pre.std[1], pre.std[2]));
}

}  // namespace sqz::compiler
