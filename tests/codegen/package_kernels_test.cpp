// Package kernels (codegen/package_kernels.h) and the runtime files beside them: a kernel whose
// schedule allocates is refused when the package is written (packages give kernels no memory of
// their own), kernels reach the Halide runtime through the package's names header and not by
// renamed calls, and the runtime's includes get the package's prefix.
#include "codegen/package_kernels.h"
#include "codegen/package_sources.h"
#include "codegen/target.h"
#include "ir/error.h"
#include "tests/support.h"

using namespace sqz;

namespace {

// One kernel, out(x, y) = blur(x, y) + blur(x, y + 1) of a horizontal blur: inlined, or with the
// blur computed into a buffer of its own, which Halide allocates on the heap (its size depends
// on the output's).
codegen::LoweredModel blur_model(bool blur_root) {
    Halide::ImageParam in(Halide::Float(32), 2, "in");
    Halide::Var x("x"), y("y");
    Halide::Func blur("blur"), out("out");
    blur(x, y) = in(x, y) + in(x + 1, y);
    out(x, y) = blur(x, y) + blur(x, y + 1);
    if (blur_root) blur.compute_root();
    codegen::LoweredKernel k;
    k.name = "k0_blur";
    k.pipeline = Halide::Pipeline(out);
    k.inputs = {in};
    k.output_name = "out";
    codegen::LoweredModel model;
    model.kernels.push_back(k);
    return model;
}

}  // namespace

TEST_CASE("a kernel that allocates is refused when a package is written", "[package][kernels]") {
    codegen::LoweredModel allocating = blur_model(true);
    CHECK_THROWS_AS(codegen::emit_kernels(allocating, codegen::parse_target("host"), "blurpkg"), InternalError);
    try {
        codegen::emit_kernels(allocating, codegen::parse_target("host"), "blurpkg");
    } catch (const InternalError& e) {
        CHECK_THAT(e.what(), Catch::Contains("kernel k0_blur allocates memory (halide_malloc)"));
    }

    codegen::LoweredModel inlined = blur_model(false);
    const std::vector<codegen::EmittedKernel> kernels = codegen::emit_kernels(inlined, codegen::parse_target("host"), "blurpkg");
    REQUIRE(kernels.size() == 1);
    CHECK_FALSE(codegen::kernel_allocates(kernels[0].source));
    // The Halide runtime's names come from the package's header, before Halide's declarations.
    const std::string& source = kernels[0].source;
    const size_t names = source.find("#include \"blurpkg_halide_names.h\"");
    REQUIRE(names != std::string::npos);
    CHECK(names < source.find("#ifndef HALIDE_HALIDERUNTIME_H"));
    CHECK(source.find("blurpkg_halide_", source.find('\n', names)) == std::string::npos);  // no call renamed in the text
}

TEST_CASE("the runtime's includes of its own files get the package's prefix", "[package][kernels]") {
    CHECK(codegen::prefix_includes("#include \"arena.h\"\n#include \"fnv1a.h\"\n", "pkg") ==
          "#include \"pkg_arena.h\"\n#include \"pkg_fnv1a.h\"\n");
    const std::string untouched = "#include <cstdint>\n#include <HalideRuntime.h>\n#include \"runtime/arena.h\"\n"
                                  "// arena.h, not an include\n";
    CHECK(codegen::prefix_includes(untouched, "pkg") == untouched);
    for (const auto& [name, text] : codegen::package_runtime_files("pkg")) {
        INFO(name);
        CHECK(name.rfind("pkg_", 0) == 0);
        CHECK(name != "pkg_package_name.h");     // written per package
        CHECK(name != "pkg_halide_runtime.h");
        CHECK(text.find("namespace sqz") == std::string::npos);  // names come from SQZ_PACKAGE
    }
}

TEST_CASE("lowering markers and Halide's repeat suffixes are stripped", "[package][kernels]") {
    CHECK(codegen::strip_lowering_markers("f_sqzL12x_conv_3 = sqzL7x_g;") == "f_conv_3 = g;");
    // A repeat suffix: _<digits> then $<digits> or __<digits>; the name's own counter stays.
    CHECK(codegen::strip_lowering_markers("conv_3$2 + conv_3__17 + a__12__3 + x_1$") == "conv_3 + conv_3 + a__12 + x_1$");
    // Not markers or suffixes: no digits, no x_, no second number.
    CHECK(codegen::strip_lowering_markers("sqzLx_ sqzL1y_ _$1 _1__ s_2") == "sqzLx_ sqzL1y_ _$1 _1__ s_2");
}

TEST_CASE("kernel_allocates finds a call of halide_malloc after the runtime declarations only", "[package][kernels]") {
    codegen::LoweredModel inlined = blur_model(false);
    const std::string source = codegen::emit_kernels(inlined, codegen::parse_target("host"), "blurpkg").at(0).source;
    REQUIRE_FALSE(codegen::kernel_allocates(source));
    CHECK(codegen::kernel_allocates(source + "\nvoid *p = halide_malloc (ctx, 64);\n"));
    CHECK(codegen::kernel_allocates(source + "\np = halide_malloc\n\t(ctx, 64);\n"));
    CHECK_FALSE(codegen::kernel_allocates(source + "\np = my_halide_malloc(ctx, 64);\n"));
    CHECK_FALSE(codegen::kernel_allocates(source + "\nq = halide_malloc_count;\n"));
}

TEST_CASE("kernel_stack_bytes adds up the arrays a kernel declares after the runtime declarations", "[package][kernels]") {
    codegen::LoweredModel inlined = blur_model(false);
    const std::string source = codegen::emit_kernels(inlined, codegen::parse_target("host"), "blurpkg").at(0).source;
    const int64_t base = codegen::kernel_stack_bytes(source);
    CHECK(base >= 0);
    // Declarations on lines of their own count with their type's size; other brackets do not.
    CHECK(codegen::kernel_stack_bytes(source + "\n  float _a_1[10];\n\tuint8_t _b[3];\nuint64_t _c[2];\n") == base + 40 + 3 + 16);
    CHECK(codegen::kernel_stack_bytes(source + "\n  x = _a[10];\n  float _d[4] = {0};\n  myfloat _e[8];\n  float f(int _g[2]);\n") == base);
    // The same declaration inside the runtime declarations is not the kernel's.
    const std::string declarations = codegen::runtime_declarations(source);
    std::string with_runtime_array = source;
    with_runtime_array.insert(source.find('\n', source.find(declarations)) + 1, "float _r[1000];\n");
    REQUIRE(codegen::runtime_declarations(with_runtime_array).find("float _r[1000];") != std::string::npos);
    CHECK(codegen::kernel_stack_bytes(with_runtime_array) == base);
}
