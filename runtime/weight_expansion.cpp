// Expanding stored weights (see weight_expansion.h).
#include "weight_expansion.h"

#include "weight_codec.h"
#include "winograd.h"

#include <cstring>
#include <new>

namespace SQZ_PACKAGE::runtime {
namespace {

// Whether [offset, offset + bytes) lies inside [0, size).
bool inside(int64_t offset, int64_t bytes, size_t size) {
    return offset >= 0 && bytes >= 0 && static_cast<uint64_t>(offset) <= size &&
           static_cast<uint64_t>(bytes) <= size - static_cast<uint64_t>(offset);
}

// Gathers `values` into the packed tensor `t` at `out`, walking the packed elements in order.
void gather(const StoredTensor& t, const float* values, float* out) {
    int32_t index[kMaxStoredRank] = {};
    int64_t source = 0;
    for (int64_t k = 0; k < t.numel; ++k) {
        out[k] = values[source];
        for (int d = 0; d < t.rank; ++d) {  // the next packed element, innermost dim first
            source += t.stride[d];
            if (++index[d] < t.extent[d]) break;
            source -= t.stride[d] * t.extent[d];
            index[d] = 0;
        }
    }
}

// Whether every value index the gather of `t` reads is below t.numel.
bool gather_inside(const StoredTensor& t) {
    if (t.rank < 0 || t.rank > kMaxStoredRank) return false;
    int64_t elements = 1, last = 0;
    for (int d = 0; d < t.rank; ++d) {
        if (t.extent[d] < 1 || t.stride[d] < 0) return false;
        elements *= t.extent[d];
        last += t.stride[d] * (t.extent[d] - 1);
    }
    return elements == t.numel && last < t.numel;
}

// The values a Winograd tensor's blob holds (O x I x 9), or -1 when its header is inconsistent.
int64_t winograd_values(const StoredTensor& t) {
    if (t.rank != 3) return -1;
    const int64_t o = t.extent[0], i = t.extent[1], m = t.extent[2];
    if (o < 1 || i < 1 || !winograd_tile_supported(static_cast<int>(m)) || o > (int64_t{1} << 24) || i > (int64_t{1} << 24))
        return -1;
    return o * i * (m + 2) * (m + 2) == t.numel ? o * i * 9 : -1;
}

Status expand_tensor(const StoredTensor& t, const uint8_t* from, uint8_t* to, float* values, size_t value_count) {
    const int64_t count = t.expand == kWinograd ? winograd_values(t) : gather_inside(t) ? t.numel : -1;
    if (t.numel < 0 || count < 0 || static_cast<uint64_t>(count) > value_count) return Status::Weights;
    try {
        if (!expand_layer_blob(from, static_cast<size_t>(t.stored_bytes), values, static_cast<size_t>(count)))
            return Status::Weights;
    } catch (const std::bad_alloc&) {  // the decoder's tables and messages are std::vectors and strings
        return Status::OutOfMemory;
    }
    if (t.expand == kWinograd)
        winograd_transform_weights(values, t.extent[0], t.extent[1], t.extent[2], reinterpret_cast<float*>(to));
    else
        gather(t, values, reinterpret_cast<float*>(to));
    return Status::Ok;
}

}  // namespace

size_t largest_expansion(const StoredTensor* tensors, size_t count) {
    size_t largest = 0;
    for (size_t i = 0; i < count; ++i)
        if (tensors[i].expand && tensors[i].numel > 0 && static_cast<size_t>(tensors[i].numel) > largest)
            largest = static_cast<size_t>(tensors[i].numel);
    return largest;
}

Status expand_weights(const uint8_t* stored, size_t stored_bytes, const StoredTensor* tensors, size_t count,
                      uint8_t* packed, size_t packed_bytes, float* values, size_t value_count) {
    std::memset(packed, 0, packed_bytes);
    for (size_t i = 0; i < count; ++i) {
        const StoredTensor& t = tensors[i];
        const int64_t packed_size = t.expand ? t.numel * static_cast<int64_t>(sizeof(float)) : t.stored_bytes;
        if (!inside(t.stored_offset, t.stored_bytes, stored_bytes) || !inside(t.offset, packed_size, packed_bytes))
            return Status::Weights;
        const uint8_t* from = stored + t.stored_offset;
        if (t.expand == kCopy) {
            std::memcpy(packed + t.offset, from, static_cast<size_t>(t.stored_bytes));
            continue;
        }
        if (t.expand != kGather && t.expand != kWinograd) return Status::Weights;
        const Status s = expand_tensor(t, from, packed + t.offset, values, value_count);
        if (s != Status::Ok) return s;
    }
    return Status::Ok;
}

}  // namespace SQZ_PACKAGE::runtime
