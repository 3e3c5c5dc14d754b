// The ONNX frontend on malformed files: each fails with one clear message naming the file, and no
// truncation or corruption crashes it.
#include "tests/compiler/onnx_import_support.h"

#include <algorithm>
#include <limits>

using namespace sqz;
using namespace sqz::test;
using compiler::parse_onnx;

TEST_CASE("malformed onnx models fail with one clear message", "[compiler][onnx]") {
    CHECK(import_error("") == "m.onnx: not a valid ONNX model (the file is empty)");
    CHECK(import_error(std::string("\xff\xff\xff\xff garbage", 12)) ==
          "m.onnx: not a valid ONNX model (protobuf parse failed)");
    CHECK_THROWS_WITH(compiler::load_onnx("/nonexistent/model.onnx"), Catch::Contains("/nonexistent/model.onnx"));

    SECTION("truncated at every offset: an error, never a crash") {
        const std::string bytes = tiny_conv_model().bytes();
        int failed = 0;
        for (size_t n = 0; n < bytes.size(); ++n) {
            try {
                parse_onnx(bytes.substr(0, n), kFile);
            } catch (const Error& e) {
                ++failed;
                CHECK(std::string(e.what()).rfind("m.onnx: ", 0) == 0);
            }
        }
        // Every proper prefix lacks the opset (written last) or cuts a message short.
        CHECK(failed == static_cast<int>(bytes.size()));
    }
    SECTION("every byte flipped, and random bytes: an error or a valid graph, never a crash") {
        const std::string bytes = tiny_conv_model().bytes();
        int parsed = 0;
        for (size_t i = 0; i < bytes.size(); ++i) {
            std::string flipped = bytes;
            flipped[i] = static_cast<char>(flipped[i] ^ 0xff);
            try {
                ir::Graph g = parse_onnx(flipped, kFile);
                ++parsed;
                CHECK(g.weights_bound());
            } catch (const Error&) {
            }
        }
        CHECK(parsed < static_cast<int>(bytes.size()));
        for (uint64_t seed = 0; seed < 200; ++seed) {
            std::vector<float> r = random_values(1 + seed % 64, seed, 0.0f, 256.0f);
            std::string junk;
            for (float v : r) junk.push_back(static_cast<char>(static_cast<int>(v)));
            CHECK_THROWS_AS(parse_onnx(junk, kFile), Error);
        }
    }
    SECTION("random byte mutations of a model with every operator: an error or a valid graph") {
        const std::string bytes = all_ops_model().bytes();
        std::vector<float> r = random_values(3 * 3000, 99, 0.0f, 1.0f);
        int parsed = 0;
        for (size_t i = 0; i < 3000; ++i) {
            std::string mutated = bytes;
            size_t count = 1 + static_cast<size_t>(r[3 * i] * 4);
            for (size_t k = 0; k < count; ++k) {
                size_t pos = static_cast<size_t>(r[(3 * i + k) % r.size()] * static_cast<float>(bytes.size()));
                float value = r[3 * i + 1] * 256 + static_cast<float>(k);
                mutated[std::min(pos, bytes.size() - 1)] = static_cast<char>(static_cast<int>(value));
            }
            try {
                ir::Graph g = parse_onnx(mutated, kFile);
                ++parsed;
                CHECK(g.weights_bound());
            } catch (const Error& e) {
                CHECK(std::string(e.what()).rfind("m.onnx: ", 0) == 0);
            }
        }
        CHECK(parsed < 3000);
    }
    SECTION("more nodes than sqzc accepts") {
        OnnxModel m(13);
        m.input("x", {1, 2, 2});
        for (int i = 0; i < 5000; ++i)
            m.node("Relu", {i ? "r" + std::to_string(i - 1) : "x"}, {"r" + std::to_string(i)});
        m.output("r4999");
        CHECK(import_error(m) == "m.onnx: the graph has 5000 nodes, more than the 4096 sqzc accepts");
    }
    SECTION("opsets outside 7..17 and foreign domains") {
        for (int opset : {6, 18}) {
            OnnxModel m = tiny_conv_model();
            m.proto.mutable_opset_import(0)->set_version(opset);
            CHECK(import_error(m) ==
                  fmt::format("m.onnx: opset {} is unsupported (sqzc reads ONNX opsets 7 to 17)", opset));
        }
        OnnxModel m = tiny_conv_model();
        m.proto.clear_opset_import();
        CHECK(import_error(m) == "m.onnx: the model imports no opset of the default ONNX domain");
        m = tiny_conv_model();
        m.graph().mutable_node(1)->set_domain("com.microsoft");
        CHECK(import_error(m) ==
              "m.onnx: node 'relu' (op Relu): operator domain 'com.microsoft' is unsupported for Relu (sqzc reads only "
              "QLinearAdd, QLinearConcat and QLinearGlobalAveragePool from it)");
    }
    SECTION("unsupported operators and attributes") {
        OnnxModel m = tiny_conv_model();
        m.graph().mutable_node(1)->set_op_type("LRN");
        m.graph().mutable_node(1)->set_name("norm1");
        CHECK(import_error(m) == "m.onnx: node 'norm1' (op LRN): unsupported operator");
        m = tiny_conv_model();
        set_attr(*m.graph().mutable_node(0), "group", int64_t{2});
        CHECK(import_error(m) == "m.onnx: node 'conv' (op Conv): group 2 is unsupported (only group 1)");
        m = tiny_conv_model();
        set_attr(*m.graph().mutable_node(0), "dilations", std::vector<int64_t>{2, 2});
        CHECK(import_error(m) == "m.onnx: node 'conv' (op Conv): dilations 2,2 are unsupported (only 1,1)");
        m = tiny_conv_model();
        set_attr(*m.graph().mutable_node(0), "kernel_shape", std::vector<int64_t>{5, 5});
        CHECK(import_error(m) ==
              "m.onnx: node 'conv' (op Conv): kernel_shape 5x5 differs from the 3x3 kernel of weight 'w'");
        m = tiny_conv_model();
        set_attr_string(*m.graph().mutable_node(0), "auto_pad", "SAME");
        CHECK(import_error(m) ==
              "m.onnx: node 'conv' (op Conv): auto_pad 'SAME' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER");
        m = tiny_conv_model();
        m.graph().mutable_node(1)->set_op_type("Add");
        m.graph().mutable_node(1)->add_input("x");
        CHECK(import_error(m) == "m.onnx: node 'relu' (op Add): operands 'c' f32[1,2,5,5] and 'x' f32[1,1,5,5] differ; "
                                 "sqzc supports Add of identical shapes only (no broadcasting)");
        m = tiny_conv_model();
        set_attr(*m.graph().mutable_node(1), "axis", int64_t{0});
        m.graph().mutable_node(1)->set_op_type("Flatten");
        CHECK(import_error(m) == "m.onnx: node 'relu' (op Flatten): flattening [1,2,5,5] at axis 0 merges the batch "
                                 "dimension; only axis 1 is supported");
    }
    SECTION("weights: wrong sizes, absurd dimensions, not initializers") {
        OnnxModel m = tiny_conv_model();
        m.graph().mutable_initializer(0)->mutable_raw_data()->resize(68);
        CHECK(import_error(m) ==
              "m.onnx: node 'conv' (op Conv): weight 'w' of shape [2,1,3,3] needs 72 bytes of raw_data, but 68 are "
              "present");
        m = tiny_conv_model(13, false);
        m.graph().mutable_initializer(1)->add_float_data(1.0f);
        CHECK(import_error(m) ==
              "m.onnx: node 'conv' (op Conv): bias 'b' of shape [2] needs 2 values, but float_data holds 3");
        m = tiny_conv_model();
        m.graph().mutable_initializer(0)->set_dims(0, 2'000'000);
        CHECK(import_error(m) == "m.onnx: node 'conv' (op Conv): weight 'w' has dimension 2000000 in [2000000,1,3,3]; "
                                 "dimensions must lie in [0, 1000000]");
        m = tiny_conv_model();
        m.graph().mutable_initializer(0)->set_data_type(onnx::TensorProto_DataType_DOUBLE);
        CHECK(import_error(m) == "m.onnx: node 'conv' (op Conv): weight 'w' has element type DOUBLE, expected FLOAT");
        m = tiny_conv_model();
        m.node("Relu", {"x"}, {"x_relu"});
        m.graph().mutable_node(0)->set_input(1, "x_relu");
        CHECK(import_error(m) ==
              "m.onnx: node 'conv' (op Conv): weight 'x_relu' is not an initializer; sqzc needs constant weights");
    }
    SECTION("graph inputs") {
        OnnxModel m = tiny_conv_model();
        m.input("y", {1, 5, 5});
        CHECK(import_error(m) ==
              "m.onnx: the graph has 2 inputs besides its initializers ('x', 'y'); sqzc supports exactly one");
        m = tiny_conv_model();
        input_dim(m, 3)->set_dim_value(5'000'000);
        CHECK(import_error(m) ==
              "m.onnx: graph input 'x': dimension 3 is 5000000; dimensions must lie in [1, 1000000]");
        m = tiny_conv_model();
        input_dim(m, 2)->set_dim_param("h");
        CHECK(import_error(m) ==
              "m.onnx: graph input 'x': dimension 2 ('h') must be a number; only the batch may be symbolic");
        m = tiny_conv_model();
        input_type(m).set_elem_type(onnx::TensorProto_DataType_UINT8);
        CHECK(import_error(m) == "m.onnx: graph input 'x' has element type UINT8, expected FLOAT");
    }
    SECTION("cycles, undefined inputs and redefinitions") {
        OnnxModel m = tiny_conv_model();
        m.graph().mutable_node(1)->set_input(0, "y");
        CHECK(import_error(m) ==
              "m.onnx: node 'relu' (op Relu) is part of a cycle: its inputs depend on its own output");
        m = tiny_conv_model();
        m.node("Relu", {"y"}, {"z"}, "a");
        m.node("Relu", {"z"}, {"u"}, "b");
        m.graph().mutable_node(2)->set_input(0, "u");
        m.graph().mutable_node(1)->set_input(0, "z");
        CHECK(import_error(m) == "m.onnx: node 'a' (op Relu) is part of a cycle: its inputs depend on its own output");
        m = tiny_conv_model();
        m.graph().mutable_node(1)->set_input(0, "nowhere");
        CHECK(import_error(m) ==
              "m.onnx: node 'relu' (op Relu): input 'nowhere' is not defined by any node, initializer or graph input");
        m = tiny_conv_model();
        m.graph().mutable_node(1)->set_output(0, "c");
        CHECK(import_error(m) == "m.onnx: node 'relu' (op Relu): tensor 'c' is defined twice");
        m = tiny_conv_model();
        m.graph().mutable_output(0)->set_name("w");
        CHECK(import_error(m) ==
              "m.onnx: graph output 'w' is a constant; sqzc needs outputs computed from the input");
    }
}
