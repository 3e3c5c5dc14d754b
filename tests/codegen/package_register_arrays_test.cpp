// promote_register_arrays: which arrays of Halide's C++ become vector variables and which stay,
// on hand-written excerpts in Halide's style, and on the kernels of a real package (its conv
// accumulators must all be promoted; the package tests check that their outputs stay right).
#include "codegen/package_register_arrays.h"
#include "tests/codegen/mini_model.h"
#include "tests/codegen/package_support.h"

#include <fstream>
#include <regex>
#include <sstream>

using namespace sqz;

namespace {

const std::string kTypes =
    "using float16 = NativeVector<float, 16>;\n"
    "using float16_ops = NativeVectorOps<float, 16>;\n";

// An accumulator of two vectors, initialised, updated and read the way Halide's C++ does it;
// `extra` is inserted after the update.
std::string kernel(const std::string& declaration, const std::string& extra = "") {
    return kTypes +
           "int f(float *out, const float *w) {\n"
           "  {\n"
           "   " + declaration + "\n"
           "   // produce _acc_1\n"
           "   float16  const _t1 = float16_ops::load(w, 0);\n"
           "   float16_ops::store(_t1, _acc_1, 0);\n"
           "   float16_ops::store(_t1, _acc_1, 16);\n"
           "   float16  const _t2 = float16_ops::load(_acc_1, 16);\n"
           "   float16  const _t3 = _t2 + _t1;\n"
           "   float16_ops::store(_t3, _acc_1, 16);\n" +
           extra +
           "   float16_ops::store(float16_ops::load(_acc_1, 0), out, 0);\n"
           "  } // alloc _acc_1\n"
           "  return 0;\n"
           "}\n";
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("an array used only as whole aligned vectors becomes one variable per offset") {
    int promoted = -1;
    const std::string out = codegen::promote_register_arrays(kernel("float _acc_1[32];"), &promoted);
    CHECK(promoted == 1);
    CHECK(out.find("float16 _acc_1_v0, _acc_1_v16;") != std::string::npos);
    CHECK(out.find("_acc_1_v0 = _t1;") != std::string::npos);
    CHECK(out.find("_acc_1_v16 = _t3;") != std::string::npos);
    CHECK(out.find("float16  const _t2 = _acc_1_v16;") != std::string::npos);
    CHECK(out.find("float16_ops::store(_acc_1_v0, out, 0);") != std::string::npos);
    CHECK(out.find("_acc_1[") == std::string::npos);
    CHECK(out.find("_acc_1,") == std::string::npos);
}

TEST_CASE("a scalar accumulator becomes one variable per element") {
    const std::string source = "int f(float *out) {\n"
                               "  float _acc_2[4];\n"
                               "  _acc_2[0] = _t1;\n"
                               "  _acc_2[3] = _acc_2[0] + _t2;\n"
                               "  out[0] = _acc_2[3];\n"
                               "}\n";
    int promoted = -1;
    const std::string out = codegen::promote_register_arrays(source, &promoted);
    CHECK(promoted == 1);
    CHECK(out == "int f(float *out) {\n"
                 "  float _acc_2_e0, _acc_2_e3;\n"
                 "  _acc_2_e0 = _t1;\n"
                 "  _acc_2_e3 = _acc_2_e0 + _t2;\n"
                 "  out[0] = _acc_2_e3;\n"
                 "}\n");
    // An element past the end, or an index that is not a constant, keeps the array.
    for (const std::string& use : {std::string("_acc_2[4]"), std::string("_acc_2[_t3]")}) {
        const std::string other = "int f() {\n  float _acc_2[4];\n  _acc_2[0] = _t1;\n  _t2 = " + use + ";\n}\n";
        CHECK(codegen::promote_register_arrays(other, &promoted) == other);
    }
}

TEST_CASE("arrays with any other use stay arrays") {
    struct Case {
        const char* what;
        std::string source;
    };
    const Case cases[] = {
        {"a scalar access", kernel("float _acc_1[32];", "   float const _t9 = ((float const *)_acc_1)[3];\n")},
        {"an offset that is not a whole vector", kernel("float _acc_1[32];", "   float16_ops::store(_t3, _acc_1, 8);\n")},
        {"an access past the end", kernel("float _acc_1[16];")},
        {"another element type", kernel("int32_t _acc_1[32];")},
        {"a store of an expression", kernel("float _acc_1[32];", "   float16_ops::store(_t3 + _t1, _acc_1, 0);\n")},
        {"a vector type without its ops", "int f() {\n  float _acc_1[32];\n  float16_ops::store(_t1, _acc_1, 0);\n}\n"},
        {"a taken name", kernel("float _acc_1[32];", "   float16  const _acc_1_v7 = _t1;\n")},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        int promoted = -1;
        CHECK(codegen::promote_register_arrays(c.source, &promoted) == c.source);
        CHECK(promoted == 0);
    }
}

TEST_CASE("a package's conv accumulators are all promoted") {
    const auto dir = test::write_package(test::mini_model(), "regarrays");
    const std::regex accumulator_array(R"(\n *\w+ _\w*_acc_\w*\[\d+\];)");
    const std::regex promoted(R"(\n *\w+ _\w*_acc_\w*_v0[,;])");
    int kernels = 0, with_accumulators = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string file = entry.path().filename().string();
        if (file.find("_k") == std::string::npos || entry.path().extension() != ".cpp") continue;
        ++kernels;
        const std::string source = read_file(entry.path());
        INFO(file);
        CHECK(!std::regex_search(source, accumulator_array));
        with_accumulators += std::regex_search(source, promoted);
    }
    CHECK(kernels > 0);
    CHECK(with_accumulators >= 3);  // the squeeze and both expand convs of the first Fire
}
