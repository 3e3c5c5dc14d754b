// Expanding stored weights (see weight_expansion.h).
#include "weight_expansion.h"

#include "winograd.h"

#include <cstring>

namespace SQZ_PACKAGE::runtime {
namespace {

// Whether [offset, offset + bytes) lies inside [0, size).
bool inside(int64_t offset, int64_t bytes, size_t size) {
    return offset >= 0 && bytes >= 0 && static_cast<uint64_t>(offset) <= size &&
           static_cast<uint64_t>(bytes) <= size - static_cast<uint64_t>(offset);
}

// The tensor's dims, or null when they lie outside the table.
const StoredDim* dims_of(const StoredTensor& t, const StoredWeights& w) {
    if (t.rank > kMaxStoredRank || static_cast<size_t>(t.first_dim) + t.rank > w.dim_count) return nullptr;
    return w.dims + t.first_dim;
}

// Gathers `values` into the packed tensor `t` at `out`, walking the packed elements in order.
void gather(const StoredTensor& t, const StoredDim* dims, const float* values, float* out) {
    int32_t index[kMaxStoredRank] = {};
    int64_t source = 0;
    for (int64_t k = 0; k < t.numel; ++k) {
        out[k] = values[source];
        for (int d = 0; d < t.rank; ++d) {  // the next packed element, innermost dim first
            source += dims[d].stride;
            if (++index[d] < dims[d].extent) break;
            source -= int64_t{dims[d].stride} * dims[d].extent;
            index[d] = 0;
        }
    }
}

// Whether every value index the gather of `t` reads is below t.numel.
bool gather_inside(const StoredTensor& t, const StoredDim* dims) {
    int64_t elements = 1, last = 0;
    for (int d = 0; d < t.rank; ++d) {
        if (dims[d].extent < 1 || dims[d].stride < 0) return false;
        elements *= dims[d].extent;
        last += int64_t{dims[d].stride} * (dims[d].extent - 1);
    }
    return elements == t.numel && last < t.numel;
}

// The values a Winograd tensor's blob holds (O x I x 9), or -1 when its header is inconsistent.
int64_t winograd_values(const StoredTensor& t, const StoredDim* dims) {
    if (t.rank != 3) return -1;
    const int64_t o = dims[0].extent, i = dims[1].extent, m = dims[2].extent;
    if (o < 1 || i < 1 || !winograd_tile_supported(static_cast<int>(m)) || o > (int64_t{1} << 24) || i > (int64_t{1} << 24))
        return -1;
    return o * i * (m + 2) * (m + 2) == t.numel ? o * i * 9 : -1;
}

Status expand_tensor(const StoredTensor& t, const StoredWeights& w, const uint8_t* from, uint8_t* to, float* values,
                     size_t value_count) {
    const StoredDim* dims = dims_of(t, w);
    if (!dims || t.numel < 0) return Status::Weights;
    const bool winograd = t.expand == kWinograd;
    if (winograd && !w.winograd) return Status::Weights;
    const int64_t count = winograd ? winograd_values(t, dims) : gather_inside(t, dims) ? t.numel : -1;
    if (count < 0 || static_cast<uint64_t>(count) > value_count) return Status::Weights;
    if (!expand_layer_blob_with(w.decoders, w.decoder_count, from, static_cast<size_t>(t.stored_bytes), values,
                                static_cast<size_t>(count)))
        return Status::Weights;
    if (winograd) w.winograd(values, dims[0].extent, dims[1].extent, dims[2].extent, reinterpret_cast<float*>(to));
    else gather(t, dims, values, reinterpret_cast<float*>(to));
    return Status::Ok;
}

}  // namespace

size_t largest_expansion(const StoredWeights& w) {
    size_t largest = 0;
    for (size_t i = 0; i < w.count; ++i)
        if (w.tensors[i].expand && w.tensors[i].numel > 0 && static_cast<size_t>(w.tensors[i].numel) > largest)
            largest = static_cast<size_t>(w.tensors[i].numel);
    return largest;
}

Status expand_weights(const uint8_t* stored, size_t stored_bytes, const StoredWeights& w, uint8_t* packed,
                      size_t packed_bytes, float* values, size_t value_count) {
    std::memset(packed, 0, packed_bytes);
    for (size_t i = 0; i < w.count; ++i) {
        const StoredTensor& t = w.tensors[i];
        const int64_t packed_size = t.expand ? int64_t{t.numel} * static_cast<int64_t>(sizeof(float)) : int64_t{t.stored_bytes};
        if (!inside(t.stored_offset, t.stored_bytes, stored_bytes) || !inside(t.offset, packed_size, packed_bytes))
            return Status::Weights;
        const uint8_t* from = stored + t.stored_offset;
        if (t.expand == kCopy) {
            std::memcpy(packed + t.offset, from, static_cast<size_t>(t.stored_bytes));
            continue;
        }
        if (t.expand != kGather && t.expand != kWinograd) return Status::Weights;
        const Status s = expand_tensor(t, w, from, packed + t.offset, values, value_count);
        if (s != Status::Ok) return s;
    }
    return Status::Ok;
}

}  // namespace SQZ_PACKAGE::runtime
