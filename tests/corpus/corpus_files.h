// The binary half of the malformed-input corpus (tests/corpus/cases.txt names these files): valid
// small models in each binary format, written with the same libraries sqzc reads them with, and
// broken variants of each. Generated at test time so the repository holds no binary files.
//
// The models all fit caffe/tiny.prototxt and sqz/tiny.sqz: input 3x9x9, conv1 (4 filters 3x3,
// bias), ReLU, 2x2 max pool, conv2 (5 filters 1x1, bias), global average pool, softmax.
#pragma once

#include "compiler/frontends/caffe_prototxt.h"
#include "compiler/exporters/onnx_export.h"
#include "compiler/random_weights.h"
#include "compiler/frontends/sqz_description.h"
#include "frontends/caffe.pb.h"
#include "ir/error.h"
#include "tests/support.h"

#include <onnx/onnx_pb.h>
#include <stb_image_write.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace sqz::test::corpus {

namespace fs = std::filesystem;

inline void put(const fs::path& path, const std::string& bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
}

inline std::string le32(uint32_t v) {
    std::string s(4, '\0');
    for (int i = 0; i < 4; ++i) s[static_cast<size_t>(i)] = static_cast<char>(v >> (8 * i));
    return s;
}

inline std::string f32(float v) {
    uint32_t bits = 0;
    std::memcpy(&bits, &v, 4);
    return le32(bits);
}

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// ---- .caffemodel ------------------------------------------------------------------------------

inline caffe::BlobProto blob(const std::vector<int64_t>& dims, const std::vector<float>& values) {
    caffe::BlobProto b;
    for (int64_t d : dims) b.mutable_shape()->add_dim(d);
    for (float v : values) b.add_data(v);
    return b;
}

// The weights of caffe/tiny.prototxt, one LayerParameter per convolution.
inline caffe::NetParameter tiny_caffemodel() {
    caffe::NetParameter net;
    net.set_name("tiny");
    auto add = [&](const char* name, std::vector<int64_t> wdims, uint64_t seed) {
        caffe::LayerParameter* l = net.add_layer();
        l->set_name(name);
        l->set_type("Convolution");
        int64_t n = 1;
        for (int64_t d : wdims) n *= d;
        *l->add_blobs() = blob(wdims, random_values(static_cast<size_t>(n), seed));
        *l->add_blobs() = blob({wdims[0]}, random_values(static_cast<size_t>(wdims[0]), seed + 1));
    };
    add("conv1", {4, 3, 3, 3}, 1);
    add("conv2", {5, 4, 1, 1}, 3);
    return net;
}

inline void write_caffemodels(const fs::path& dir) {
    auto save = [&](const char* name, const caffe::NetParameter& net) { put(dir / name, net.SerializeAsString()); };
    const caffe::NetParameter valid = tiny_caffemodel();
    save("valid.caffemodel", valid);
    put(dir / "empty.caffemodel", "");
    put(dir / "text.caffemodel", "name: \"tiny\"\nlayer { name: \"conv1\" }\n");
    put(dir / "png.caffemodel", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
    // Field 100 (layer) with wire type varint instead of length-delimited.
    put(dir / "wrong_wire_type.caffemodel", std::string("\xa0\x06\x05", 3));
    // A length prefix far beyond the bytes present.
    put(dir / "huge_length.caffemodel", std::string("\xa2\x06\xff\xff\xff\xff\x07", 7) + "abc");

    caffe::NetParameter n = valid;
    n.mutable_layer(0)->mutable_blobs(0)->mutable_data()->Truncate(100);
    save("count_mismatch.caffemodel", n);
    n = valid;
    n.mutable_layer(0)->mutable_blobs(0)->mutable_shape()->set_dim(2, 1);
    n.mutable_layer(0)->mutable_blobs(0)->mutable_shape()->set_dim(3, 9);
    save("shape_mismatch.caffemodel", n);
    n = valid;
    n.mutable_layer(0)->mutable_blobs(0)->mutable_shape()->set_dim(0, -4);
    save("negative_dim.caffemodel", n);
    n = valid;
    n.mutable_layer(0)->mutable_blobs(0)->mutable_shape()->set_dim(0, int64_t{1} << 40);
    save("huge_dim.caffemodel", n);
    n = valid;
    n.mutable_layer(0)->mutable_blobs(0)->set_data(17, kNaN);
    save("nan_weight.caffemodel", n);
    n = valid;
    n.mutable_layer(1)->mutable_blobs(1)->set_data(2, -kInf);
    save("inf_bias.caffemodel", n);
    n = valid;
    {
        caffe::BlobProto* b = n.mutable_layer(1)->mutable_blobs(1);
        b->clear_data();
        for (int i = 0; i < 5; ++i) b->add_double_data(i == 3 ? 1e300 : 0.5);
    }
    save("double_overflow.caffemodel", n);
    n = valid;
    n.mutable_layer(1)->mutable_blobs(1)->add_double_data(1.0);
    save("float_and_double.caffemodel", n);
    n = valid;
    n.mutable_layer()->RemoveLast();
    save("missing_layer.caffemodel", n);
    n = valid;
    n.mutable_layer(1)->set_type("ReLU");
    save("wrong_layer_type.caffemodel", n);
    n = valid;
    *n.add_layer() = valid.layer(1);
    save("duplicate_layer.caffemodel", n);
    n = valid;
    *n.mutable_layer(0)->add_blobs() = valid.layer(0).blobs(1);
    save("three_blobs.caffemodel", n);
    n = valid;
    n.mutable_layer(0)->mutable_blobs(0)->clear_shape();
    save("no_shape.caffemodel", n);
    fs::create_directories(dir / "dir.caffemodel");
}

// ---- Deep Compression .net --------------------------------------------------------------------

// One layer of a .net file: codebook (256 floats), bias, codes, gaps packed two per byte.
inline std::string dc_layer(size_t bias_count, const std::vector<uint8_t>& codes, const std::vector<uint8_t>& gaps,
                            float codebook_poison = 0, float bias_poison = 0) {
    std::string s;
    for (int i = 0; i < 256; ++i) s += f32(i == 0 ? 0.0f : i == 7 && codebook_poison != 0 ? codebook_poison : 0.01f * i);
    for (size_t i = 0; i < bias_count; ++i) s += f32(i == 1 && bias_poison != 0 ? bias_poison : 0.1f * static_cast<float>(i));
    s.append(codes.begin(), codes.end());
    for (size_t i = 0; i < gaps.size(); i += 2)
        s.push_back(static_cast<char>(gaps[i] | (i + 1 < gaps.size() ? gaps[i + 1] << 4 : 0)));
    return s;
}

inline void write_nets(const fs::path& dir) {
    // conv1: 108 weights, 20 stored entries 5 apart; conv2: 20 weights, 8 entries 2 apart.
    const std::vector<uint8_t> codes1(20, 7), gaps1(20, 4), codes2(8, 3), gaps2(8, 1);
    const std::string header = le32(20) + le32(8);
    const std::string layer2 = dc_layer(5, codes2, gaps2);
    put(dir / "valid.net", header + dc_layer(4, codes1, gaps1) + layer2);
    put(dir / "empty.net", "");
    put(dir / "short_header.net", std::string("\x14\x00\x00", 3));
    put(dir / "nnz_huge.net", le32(0xffffffffu) + le32(8) + dc_layer(4, codes1, gaps1) + layer2);
    put(dir / "nnz_claim.net", le32(100) + le32(8) + dc_layer(4, codes1, gaps1) + layer2);
    put(dir / "gap_past_end.net", header + dc_layer(4, codes1, std::vector<uint8_t>(20, 15)) + layer2);
    put(dir / "trailing.net", header + dc_layer(4, codes1, gaps1) + layer2 + "extra!!");
    put(dir / "missing_layer.net", header + dc_layer(4, codes1, gaps1));
    put(dir / "nan_codebook.net", header + dc_layer(4, codes1, gaps1, kNaN) + layer2);
    put(dir / "inf_bias.net", header + dc_layer(4, codes1, gaps1) + dc_layer(5, codes2, gaps2, 0, kInf));
    fs::create_directories(dir / "dir.net");
}

// ---- ONNX -------------------------------------------------------------------------------------

inline onnx::NodeProto* first_node(onnx::ModelProto& m, const char* op_type) {
    for (onnx::NodeProto& n : *m.mutable_graph()->mutable_node())
        if (n.op_type() == op_type) return &n;
    return nullptr;
}

inline onnx::TensorProto* initializer(onnx::ModelProto& m, const std::string& suffix) {
    for (onnx::TensorProto& t : *m.mutable_graph()->mutable_initializer())
        if (t.name().size() >= suffix.size() && t.name().compare(t.name().size() - suffix.size(), suffix.size(), suffix) == 0)
            return &t;
    return nullptr;
}

inline onnx::AttributeProto* attribute(onnx::NodeProto* n, const char* name) {
    for (onnx::AttributeProto& a : *n->mutable_attribute())
        if (a.name() == name) return &a;
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    return a;
}

inline void write_onnx_models(const fs::path& dir, const std::string& tiny_sqz) {
    ir::Graph graph = compiler::parse_sqz(tiny_sqz, "tiny.sqz");
    compiler::bind_random_weights(graph, 5);
    const std::string bytes = compiler::export_onnx(graph);
    put(dir / "valid.onnx", bytes);
    onnx::ModelProto valid;
    SQZ_ASSERT(valid.ParseFromString(bytes), "the exported model parses");
    auto save = [&](const char* name, const onnx::ModelProto& m) { put(dir / name, m.SerializeAsString()); };
    auto input_dim = [](onnx::ModelProto& m, int i) {
        return m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(i);
    };

    put(dir / "empty.onnx", "");
    put(dir / "text.onnx", "ir_version: 8\ngraph { name: \"tiny\" }\n");
    put(dir / "garbage.onnx", std::string("\x0a\xff\xff\xff\xff\x0f\x00\x01\x02", 9));
    onnx::ModelProto m = valid;
    input_dim(m, 2)->set_dim_value(0);
    save("zero_input_dim.onnx", m);
    m = valid;
    input_dim(m, 3)->set_dim_value(-9);
    save("negative_input_dim.onnx", m);
    m = valid;
    input_dim(m, 2)->set_dim_value(int64_t{1} << 40);
    save("huge_input_dim.onnx", m);
    m = valid;
    input_dim(m, 1)->set_dim_param("channels");
    save("symbolic_channels.onnx", m);
    m = valid;
    initializer(m, "conv1.weight")->mutable_raw_data()->resize(100);
    save("raw_data_short.onnx", m);
    m = valid;
    initializer(m, "conv1.weight")->set_dims(1, 2);
    save("weight_shape.onnx", m);
    m = valid;
    initializer(m, "conv1.weight")->set_dims(0, int64_t{1} << 40);
    save("huge_initializer.onnx", m);
    m = valid;
    initializer(m, "conv1.weight")->set_data_type(onnx::TensorProto_DataType_INT64);
    save("weight_int64.onnx", m);
    m = valid;
    {
        std::string& raw = *initializer(m, "conv1.weight")->mutable_raw_data();
        const std::string nan = f32(kNaN);
        raw.replace(40, 4, nan);
    }
    save("nan_weight.onnx", m);
    m = valid;
    {
        std::string& raw = *initializer(m, "conv2.bias")->mutable_raw_data();
        raw.replace(4, 4, f32(kInf));
    }
    save("inf_bias.onnx", m);
    m = valid;
    initializer(m, "conv1.weight")->set_data_location(onnx::TensorProto_DataLocation_EXTERNAL);
    save("external_data.onnx", m);
    m = valid;
    {
        // The first Relu reads the last node's output: a cycle through every node between them.
        onnx::NodeProto* relu = first_node(m, "Relu");
        const auto& nodes = m.graph().node();
        relu->set_input(0, nodes[nodes.size() - 2].output(0));
    }
    save("cycle.onnx", m);
    m = valid;
    first_node(m, "Relu")->set_input(0, "nowhere");
    save("dangling_input.onnx", m);
    m = valid;
    first_node(m, "Relu")->set_op_type("LRN");
    save("unknown_op.onnx", m);
    m = valid;
    {
        onnx::AttributeProto* a = attribute(first_node(m, "Conv"), "frobnicate");
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(1);
    }
    save("unknown_attribute.onnx", m);
    m = valid;
    {
        onnx::NodeProto* conv = first_node(m, "Conv");
        *conv->add_attribute() = *attribute(conv, "strides");
    }
    save("duplicate_attribute.onnx", m);
    m = valid;
    {
        onnx::AttributeProto* a = attribute(first_node(m, "Conv"), "kernel_shape");
        a->clear_ints();
        a->set_type(onnx::AttributeProto::FLOAT);
        a->set_f(3.0f);
    }
    save("wrong_attribute_type.onnx", m);
    m = valid;
    {
        onnx::AttributeProto* a = attribute(first_node(m, "Conv"), "pads");
        a->set_type(onnx::AttributeProto::INTS);
        a->clear_ints();
        for (int64_t p : {-1, 0, 0, 0}) a->add_ints(p);
    }
    save("negative_pads.onnx", m);
    m = valid;
    {
        onnx::AttributeProto* a = attribute(first_node(m, "Conv"), "strides");
        a->set_type(onnx::AttributeProto::INTS);
        a->clear_ints();
        a->add_ints(0);
        a->add_ints(1);
    }
    save("zero_stride.onnx", m);
    m = valid;
    m.mutable_opset_import(0)->set_version(99);
    save("opset_99.onnx", m);
    m = valid;
    m.clear_graph();
    save("no_graph.onnx", m);
    m = valid;
    *m.mutable_graph()->add_input() = m.graph().input(0);
    m.mutable_graph()->mutable_input(1)->set_name("second");
    save("two_inputs.onnx", m);
    m = valid;
    m.mutable_graph()->clear_output();
    save("no_outputs.onnx", m);
    m = valid;
    first_node(m, "Relu")->set_domain("com.example");
    save("custom_domain.onnx", m);
    fs::create_directories(dir / "dir.onnx");
}

// ---- raw input files (3x9x9 = 243 float32 values) ---------------------------------------------

inline void write_inputs(const fs::path& dir) {
    std::string valid;
    for (int i = 0; i < 243; ++i) valid += f32(0.5f * static_cast<float>(i % 17));
    put(dir / "valid.f32", valid);
    put(dir / "short.f32", valid.substr(0, valid.size() - 4));
    put(dir / "long.f32", valid + f32(1));
    put(dir / "odd.f32", valid + "x");
    put(dir / "empty.f32", "");
    put(dir / "nan.f32", valid.substr(0, 400) + f32(kNaN) + valid.substr(404));
    put(dir / "inf.f32", valid.substr(0, 400) + f32(-kInf) + valid.substr(404));
    fs::create_directories(dir / "dir.f32");
}

// ---- images -----------------------------------------------------------------------------------

inline void append_bytes(void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
}

inline void set_be(std::string& s, size_t at, uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) s[at + static_cast<size_t>(i)] = static_cast<char>(v >> (8 * (bytes - 1 - i)));
}

inline void write_images(const fs::path& dir) {
    const int w = 12, h = 10;
    std::vector<unsigned char> rgb(static_cast<size_t>(w * h * 3));
    for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<unsigned char>((i * 37) % 251);
    std::string png, jpg;
    stbi_write_png_to_func(append_bytes, &png, w, h, 3, rgb.data(), w * 3);
    stbi_write_jpg_to_func(append_bytes, &jpg, w, h, 3, rgb.data(), 90);
    std::string ppm = "P6\n12 10\n255\n" + std::string(rgb.begin(), rgb.end());
    put(dir / "valid.png", png);
    put(dir / "valid.jpg", jpg);
    put(dir / "valid.ppm", ppm);
    put(dir / "empty.png", "");
    put(dir / "text.png", "this is not an image\n");
    put(dir / "gif.gif", std::string("GIF89a\x0c\x00\x0a\x00\x80\x00\x00", 13));
    put(dir / "bmp.bmp", std::string("BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00", 14));
    // PNG: the IHDR chunk's width and height are bytes 16..23 (stb_image does not check CRCs).
    std::string p = png;
    set_be(p, 16, 0, 4);
    put(dir / "zero_width.png", p);
    p = png;
    set_be(p, 16, 100000, 4), set_be(p, 20, 100000, 4);
    put(dir / "huge.png", p);
    p = png;
    set_be(p, 16, 10000, 4), set_be(p, 20, 10000, 4);
    put(dir / "too_many_pixels.png", p);
    p = png;
    set_be(p, 16, 4000, 4), set_be(p, 20, 4000, 4);
    put(dir / "declared_large.png", p);  // 16 Mpixels declared, 120 pixels of data
    // PNG: the first IDAT chunk (after the 8-byte signature and the 25-byte IHDR chunk) declares
    // 2 GB; stb_image 2.27 allocated that much before reading it (found by fuzzing).
    p = png;
    set_be(p, 33, 0x7fffff00, 4);
    put(dir / "huge_chunk.png", p);
    put(dir / "no_iend.png", png.substr(0, png.size() - 12));
    // JPEG: the SOF0 segment holds height and width 5 and 7 bytes after its marker.
    const size_t sof = jpg.find("\xff\xc0");
    if (sof != std::string::npos) {
        std::string j = jpg;
        set_be(j, sof + 5, 65000, 2), set_be(j, sof + 7, 65000, 2);
        put(dir / "huge.jpg", j);
        j = jpg;
        set_be(j, sof + 5, 0, 2);
        put(dir / "zero_height.jpg", j);
    }
    // JPEG: a Huffman table (DHT: length, then class/id and 16 code counts) declaring 16 x 32 = 512
    // codes; stb_image 2.27 would write past its 256-entry tables (found by fuzzing).
    const size_t dht = jpg.find("\xff\xc4");
    if (dht != std::string::npos) {
        std::string j = jpg;
        for (size_t i = 0; i < 16; ++i) j[dht + 5 + i] = 32;
        put(dir / "huffman_overflow.jpg", j);
        // The same after padding bytes, which stb_image skips while looking for the next marker.
        put(dir / "huffman_after_padding.jpg", j.substr(0, dht) + std::string(3, '\x00') + j.substr(dht));
    }
    put(dir / "huge.ppm", "P6\n99999 99999\n255\n" + std::string(64, 'x'));
    put(dir / "zero.ppm", "P6\n0 0\n255\n");
    put(dir / "maxval_zero.ppm", "P6\n4 4\n0\n" + std::string(48, 'x'));
    put(dir / "short.ppm", "P6\n100 100\n255\n" + std::string(64, 'x'));
    put(dir / "overflow.ppm", "P6\n99999999999999999999 4\n255\n" + std::string(64, 'x'));
    fs::create_directories(dir / "dir.png");
}

// Writes every generated file under `root` (caffe/, dc/, onnx/, input/, image/).
inline void write_generated_corpus(const fs::path& root, const std::string& tiny_sqz) {
    write_caffemodels(root / "caffe");
    write_nets(root / "dc");
    write_onnx_models(root / "onnx", tiny_sqz);
    write_inputs(root / "input");
    write_images(root / "image");
}

}  // namespace sqz::test::corpus
