// The expansion of stored weights into packed ones (runtime/weight_expansion.h) on hand-built
// tables: copies, gathers and Winograd transforms land where the table says, the padding is zeroed, and a table or blob
// that does not fit the bytes is refused. (Real models' layouts are checked in
// tests/codegen/package_compression_test.cpp.)
#include "runtime/weight_expansion.h"
#include "runtime/winograd.h"
#include "tests/support.h"

#include <cstring>
#include <vector>

using namespace sqz;
using runtime::Status;
using runtime::StoredTensor;

namespace {

// A dense layer blob (weight_codec.h, kind 0) of `values`.
std::vector<uint8_t> dense_blob(const std::vector<float>& values) {
    std::vector<uint8_t> b = {0, 0, 0, 0};
    const uint32_t n = static_cast<uint32_t>(values.size());
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(n >> (8 * i)));
    const auto* bytes = reinterpret_cast<const uint8_t*>(values.data());
    b.insert(b.end(), bytes, bytes + values.size() * 4);
    return b;
}

// The tables of `tensors` with their `dims`, decoding every blob kind and transforming for Winograd.
runtime::StoredWeights tables(const std::vector<StoredTensor>& tensors, const std::vector<runtime::StoredDim>& dims) {
    runtime::StoredWeights w;
    w.tensors = tensors.data();
    w.count = tensors.size();
    w.dims = dims.data();
    w.dim_count = dims.size();
    w.decoders = runtime::kLayerDecoders;
    w.decoder_count = runtime::kBlobKinds;
    w.winograd = runtime::winograd_transform_weights;
    return w;
}

struct Fixture {
    std::vector<uint8_t> stored;
    std::vector<StoredTensor> tensors;
    std::vector<runtime::StoredDim> dims;
    std::vector<float> values;  // the blob's: 0..5, a 2x3 matrix

    Fixture() {
        for (int i = 0; i < 6; ++i) values.push_back(static_cast<float>(i + 1));
        stored = {1, 2, 3, 4, 5, 6, 7, 8};  // 8 bytes copied to packed byte 0
        const std::vector<uint8_t> blob = dense_blob(values);
        stored.insert(stored.end(), blob.begin(), blob.end());
        // The blob gathered transposed to packed byte 64: packed (i0, i1) = value 3 * i0 + i1.
        tensors.push_back({0, 8, 0, 0, runtime::kCopy, 0, 0});
        tensors.push_back({8, static_cast<uint32_t>(blob.size()), 64, 6, runtime::kGather, 2, 0});
        dims = {{2, 3}, {3, 1}};
    }

    Status expand(std::vector<float>& packed, size_t value_room = 6) const {
        packed.assign(32, -1.0f);
        std::vector<float> scratch(value_room);
        return runtime::expand_weights(stored.data(), stored.size(), tables(tensors, dims),
                                       reinterpret_cast<uint8_t*>(packed.data()), packed.size() * 4, scratch.data(),
                                       scratch.size());
    }
};

}  // namespace

TEST_CASE("stored tensors are copied and gathered into the packed weights", "[runtime][weights]") {
    const Fixture f;
    CHECK(runtime::largest_expansion(tables(f.tensors, f.dims)) == 6);
    std::vector<float> packed;
    REQUIRE(f.expand(packed) == Status::Ok);
    CHECK(std::memcmp(packed.data(), f.stored.data(), 8) == 0);
    for (int i = 2; i < 16; ++i) CHECK(packed[i] == 0.0f);  // padding between tensors
    const std::vector<float> gathered(packed.begin() + 16, packed.begin() + 22);
    CHECK(gathered == std::vector<float>{1, 4, 2, 5, 3, 6});
    for (int i = 22; i < 32; ++i) CHECK(packed[i] == 0.0f);
}

TEST_CASE("a stored-tensor table that does not fit the bytes, or a blob that does not decode, is refused",
          "[runtime][weights]") {
    std::vector<float> packed;
    {
        Fixture f;
        f.tensors[1].stored_bytes += 1;  // past the stored bytes
        CHECK(f.expand(packed) == Status::Weights);
    }
    {
        Fixture f;
        f.tensors[1].offset = 120;  // past the packed bytes
        CHECK(f.expand(packed) == Status::Weights);
    }
    {
        Fixture f;
        f.dims[0].stride = 4;  // the gather would read past the values
        CHECK(f.expand(packed) == Status::Weights);
    }
    {
        Fixture f;
        CHECK(f.expand(packed, 5) == Status::Weights);  // too little room for the values
    }
    {
        Fixture f;
        f.stored[8 + 4] = 7;  // the blob claims 7 values
        CHECK(f.expand(packed) == Status::Weights);
    }
    {
        Fixture f;
        f.stored[8] = 9;  // no such blob kind
        CHECK(f.expand(packed) == Status::Weights);
    }
    {
        Fixture f;
        f.tensors[1].rank = 3;  // dims past the table
        CHECK(f.expand(packed) == Status::Weights);
    }
    {
        // A kind the package has no decoder for (its table leaves it out) is refused.
        Fixture f;
        runtime::StoredWeights w = tables(f.tensors, f.dims);
        const runtime::LayerDecoder none[] = {nullptr};
        w.decoders = none;
        w.decoder_count = 1;
        std::vector<float> scratch(6);
        packed.assign(32, -1.0f);
        CHECK(runtime::expand_weights(f.stored.data(), f.stored.size(), w, reinterpret_cast<uint8_t*>(packed.data()),
                                      packed.size() * 4, scratch.data(), scratch.size()) == Status::Weights);
    }
}

TEST_CASE("a Winograd tensor is its blob's 3x3 weights transformed, and a bad header is refused",
          "[runtime][weights][winograd]") {
    // Two output and three input channels of 3x3 weights, stored dense; packed for F(2x2, 3x3):
    // 2 x 3 x 16 values.
    std::vector<float> w(2 * 3 * 9);
    for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i % 7) - 2.5f;
    const std::vector<uint8_t> stored = dense_blob(w);
    StoredTensor t{0, static_cast<uint32_t>(stored.size()), 0, 2 * 3 * 16, runtime::kWinograd, 3, 0};
    std::vector<runtime::StoredDim> dims = {{2, 0}, {3, 0}, {2, 0}};
    std::vector<float> want(2 * 3 * 16);
    runtime::winograd_transform_weights(w.data(), 2, 3, 2, want.data());
    auto expand = [&](const StoredTensor& tensor, std::vector<float>& packed, bool transform = true) {
        packed.assign(want.size(), -1.0f);
        std::vector<float> values(want.size());
        const std::vector<StoredTensor> one{tensor};
        runtime::StoredWeights weights = tables(one, dims);
        if (!transform) weights.winograd = nullptr;
        return runtime::expand_weights(stored.data(), stored.size(), weights, reinterpret_cast<uint8_t*>(packed.data()),
                                       packed.size() * 4, values.data(), values.size());
    };
    std::vector<float> packed;
    REQUIRE(expand(t, packed) == Status::Ok);
    CHECK(packed == want);
    CHECK(expand(t, packed, false) == Status::Weights);  // a package without the transform

    dims[2].extent = 3;  // no F(3x3, 3x3)
    CHECK(expand(t, packed) == Status::Weights);
    dims[2].extent = 2;
    StoredTensor bad = t;
    bad.numel -= 16;  // packed values that do not match O x I x (m + 2)^2
    CHECK(expand(bad, packed) == Status::Weights);
    bad = t;
    bad.rank = 2;
    CHECK(expand(bad, packed) == Status::Weights);
    bad = t;
    bad.expand = 3;  // no such kind
    CHECK(expand(bad, packed) == Status::Weights);
}
