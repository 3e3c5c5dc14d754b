// sqzc's C++ backend (codegen/c_backend.h) on small Halide pipelines: the u8 x s8 dot products of
// four-channel groups become calls of the target's helper, for every target it knows; the helpers
// are exact for every byte value (compiled and run here, the ARM ones under qemu); the int8
// requantisation's rounding shift and float-to-u8 casts get their short forms only where they are
// exact; and code without these patterns is printed exactly as Halide's own printer prints it.
#include "codegen/c_backend.h"
#include "codegen/package_kernels.h"
#include "runtime/cpu_features.h"
#include "tests/support.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

using namespace sqz;
using namespace Halide;

namespace {

Target kernel_target(const std::string& text) { return codegen::package_target(Target(text)); }

// acc(c) = sum over g, k < 4 of u8 a(4g + k) * s8 b(k, c, g), for 2L outputs, scheduled as the int8
// conv is: L int32 lanes per vector, the four-byte groups vectorised atomically. `group` is the
// size of the vectorised reduction (4 for the pattern).
Module dot_pipeline(const Target& t, int lanes, Type a_type = UInt(8), Type b_type = Int(8), int group = 4) {
    const int groups = 3;
    ImageParam a(a_type, 1, "a"), b(b_type, 3, "b");
    a.dim(0).set_bounds(0, group * groups);
    b.dim(0).set_bounds(0, group).dim(1).set_bounds(0, 2 * lanes).set_stride(group);
    b.dim(2).set_bounds(0, groups).set_stride(group * 2 * lanes);
    Var c("c"), co("co"), ci("ci");
    RDom r(0, group, 0, groups, "r");
    Func acc("acc"), out("out");
    acc(c) = 0;
    acc(c) += cast<int32_t>(a(r.y * group + r.x)) * cast<int32_t>(b(r.x, c, r.y));
    out(c) = acc(c);
    out.split(c, co, ci, lanes).vectorize(ci);
    out.output_buffer().dim(0).set_bounds(0, 2 * lanes);
    acc.compute_at(out, co).store_in(MemoryType::Register).vectorize(c);
    acc.update().reorder(r.x, c, r.y).atomic().vectorize(r.x).vectorize(c);
    return Pipeline(out).compile_to_module({a, b}, "dot", t);
}

// Halide's own printer on the same module.
std::string halide_source(const Module& m) {
    std::ostringstream s;
    {
        Internal::CodeGen_C printer(s, m.target(), Internal::CodeGen_C::CPlusPlusImplementation);
        printer.compile(m);
    }
    return s.str();
}

// Temporaries renumbered in order of appearance (Halide numbers them from a process-wide counter).
std::string renumbered(const std::string& source) {
    static const std::regex temporary(R"(\b_\d+\b)");
    std::map<std::string, std::string> names;
    std::string out;
    auto last = source.cbegin();
    for (std::sregex_iterator it(source.begin(), source.end(), temporary), end; it != end; ++it) {
        auto [found, fresh] = names.emplace(it->str(), "_t" + std::to_string(names.size()));
        out.append(last, (*it)[0].first);
        out += found->second;
        last = (*it)[0].second;
    }
    return out.append(last, source.cend());
}

// sqzc's source without what it adds: the intrinsics include and the helpers.
std::string without_additions(const std::string& source) {
    std::string s = source.substr(source.find('\n') + 1);
    const auto begin = s.find("\n// sqzc: the int8 dot products");
    const auto end = s.find("}  // namespace\n", begin);
    REQUIRE(begin != std::string::npos);
    REQUIRE(end != std::string::npos);
    return s.erase(begin, end + std::string("}  // namespace\n").size() - begin);
}

struct DotCase {
    const char* target;
    int lanes;
    const char* instruction;  // dot_product_instruction
    const char* intrinsic;    // what its helper calls
    const char* flags;        // to compile the helper test
    bool arm;
};

const DotCase kDotCases[] = {
    {"x86-64-linux-avx-avx2-fma-avx512-avx512_skylake-avx512_sapphirerapids", 16, "vpdpbusd", "_mm512_dpbusd_epi32",
     "-mavx512f -mavx512bw -mavx512vl -mavx512vnni", false},
    {"x86-64-linux-avx-avx2-fma-avx512-avx512_skylake-avx512_sapphirerapids", 8, "vpdpbusd", "_mm256_dpbusd_epi32",
     "-mavx512f -mavx512bw -mavx512vl -mavx512vnni", false},
    {"x86-64-linux-avx-avx2-fma-avx512-avx512_skylake", 16, "vpmaddwd", "_mm512_madd_epi16", "-mavx512f -mavx512bw", false},
    {"x86-64-linux-avx-avx2-fma", 8, "vpmaddwd", "_mm256_madd_epi16", "-mavx2", false},
    {"x86-64-linux-avx", 8, "vpmaddwd", "_mm256_extractf128_si256", "-mavx", false},
    {"x86-64-linux", 4, "vpmaddwd", "_mm_madd_epi16", "", false},
    {"arm-64-linux-arm_dot_prod", 4, "sdot", "vdotq_s32", "-march=armv8.2-a+dotprod", true},
    {"arm-64-linux", 4, "smull", "vmull_s16", "", true},
};

// A program that checks the printed sqz_dot4 helper against integer arithmetic: random bytes,
// and the extremes (255 x -128, 255 x 127) that saturate vpmaddubsw.
std::string helper_check(const DotCase& d) {
    const std::string acc = d.arm ? "int32x4_t" : d.lanes == 16 ? "__m512i" : d.lanes == 8 ? "__m256i" : "__m128i";
    const std::string u8 = d.arm ? "uint8x16_t" : acc, s8 = d.arm ? "int8x16_t" : acc;
    return fmt::format(R"(
#include <cstdio>
struct Acc {{ int32_t v[{0}]; }};
struct U8 {{ uint8_t v[4 * {0}]; }};
struct S8 {{ int8_t v[4 * {0}]; }};
int main() {{
    uint32_t seed = 12345;
    auto next = [&] {{ seed = seed * 1664525u + 1013904223u; return seed >> 24; }};
    long bad = 0;
    for (int t = 0; t < 20000; ++t) {{
        Acc acc; U8 a; S8 b;
        for (int i = 0; i < {0}; ++i) acc.v[i] = (int32_t)((next() << 16) | (next() << 8) | next()) - (1 << 23);
        for (int i = 0; i < 4 * {0}; ++i) {{
            a.v[i] = t < 2 ? 255 : (uint8_t)next();
            b.v[i] = t == 0 ? -128 : t == 1 ? 127 : (int8_t)next();
        }}
        const Acc r = sqz_bits<Acc>(sqz_dot4_x{0}(sqz_bits<{1}>(acc), sqz_bits<{2}>(a), sqz_bits<{3}>(b)));
        for (int i = 0; i < {0}; ++i) {{
            int32_t want = acc.v[i];
            for (int k = 0; k < 4; ++k) want += int32_t(a.v[4 * i + k]) * int32_t(b.v[4 * i + k]);
            bad += r.v[i] != want;
        }}
    }}
    const U8 splat = sqz_bits<U8>(sqz_splat4_x{0}(0x04030201u));
    for (int i = 0; i < 4 * {0}; ++i) bad += splat.v[i] != i % 4 + 1;
    std::printf("mismatches %ld\n", bad);
    return bad != 0;
}}
)",
                       d.lanes, acc, u8, s8);
}

}  // namespace

TEST_CASE("c_backend prints u8 x s8 dot products of four-byte groups as the target's instructions", "[codegen][c_backend]") {
    for (const DotCase& d : kDotCases) {
        INFO(d.target << ", " << d.lanes << " lanes");
        const Target t = kernel_target(d.target);
        CHECK(codegen::dot_product_instruction(t, d.lanes) == d.instruction);
        const codegen::PrintedKernel k = codegen::print_kernel(dot_pipeline(t, d.lanes));
        CHECK(k.dot_products == 1);
        CHECK_THAT(k.source, Catch::Contains(fmt::format("sqz_dot4_x{}(sqz_bits<", d.lanes)));
        CHECK_THAT(k.source, Catch::Contains(d.intrinsic));
        CHECK_THAT(k.source, Catch::Contains(fmt::format("sqz_splat4_x{}(sqz_bits<uint32_t>(", d.lanes)));
        CHECK(k.source.find("// Vector reduce") == std::string::npos);
        CHECK_THAT(k.header, Catch::Contains("int dot("));
        // <arm_neon.h> claims Halide's vector names on ARM.
        CHECK((k.source.find("using vec_int32x") != std::string::npos) == d.arm);
    }
    // Shapes it has no form for stay Halide's.
    CHECK(codegen::dot_product_instruction(kernel_target("x86-64-linux-avx2"), 16).empty());
    CHECK(codegen::dot_product_instruction(kernel_target("arm-32-linux"), 4).empty());
    CHECK(codegen::print_kernel(dot_pipeline(kernel_target("arm-32-linux"), 4)).dot_products == 0);
}

TEST_CASE("c_backend leaves every other pattern to Halide's printer", "[codegen][c_backend]") {
    const Target t = kernel_target("x86-64-linux-avx-avx2-fma-avx512-avx512_skylake-avx512_sapphirerapids");
    // u8 x u8 and s8 x s8 (vpdpbusd multiplies u8 by s8) and groups of two: Halide's scalarised
    // reductions.
    for (const Module& m : {dot_pipeline(t, 16, UInt(8), UInt(8)), dot_pipeline(t, 16, Int(8), Int(8)),
                            dot_pipeline(t, 16, UInt(8), Int(8), 2)}) {
        const codegen::PrintedKernel k = codegen::print_kernel(m);
        CHECK(k.dot_products == 0);
        CHECK(k.rounding_shifts == 0);
        CHECK_THAT(k.source, Catch::Contains("// Vector reduce: Add"));
        CHECK(renumbered(without_additions(k.source)) == renumbered(halide_source(m)));
    }
    // A float pipeline, printed as Halide prints it.
    ImageParam in(Float(32), 1, "in");
    in.dim(0).set_bounds(0, 64);
    Var x("x");
    Func f("f");
    f(x) = max(in(x) * 2.0f + 1.0f, 0.0f);
    f.vectorize(x, 16);
    f.output_buffer().dim(0).set_bounds(0, 64);
    const Module m = Pipeline(f).compile_to_module({in}, "floats", t);
    CHECK(renumbered(without_additions(codegen::print_kernel(m).source)) == renumbered(halide_source(m)));
}

TEST_CASE("c_backend's dot-product helpers are exact for every byte value", "[codegen][c_backend]") {
    const bool cross = test::run_shell("which aarch64-linux-gnu-g++ qemu-aarch64").exit_code == 0;
    for (const DotCase& d : kDotCases) {
        INFO(d.target << ", " << d.lanes << " lanes");
        const bool vnni = std::string(d.instruction) == "vpdpbusd";
        const bool runnable = d.arm ? cross
                              : vnni ? runtime::cpu_has(runtime::CpuFeature::AVX512VNNI) &&
                                           runtime::cpu_has(runtime::CpuFeature::AVX512VL)
                              : d.lanes == 16 ? runtime::cpu_has(runtime::CpuFeature::AVX512BW)
                              : d.lanes == 8 ? runtime::cpu_has(runtime::CpuFeature::AVX2)
                                             : true;
        if (!runnable) {
            SQZ_RECORD_SKIP(d.target << " x" << d.lanes << " not runnable here");
            continue;
        }
        const auto dir = test::scratch_dir() / fmt::format("c_backend_{}_{}", d.instruction, d.lanes + (d.arm ? 100 : 0));
        std::filesystem::create_directories(dir);
        std::ofstream(dir / "check.cpp") << codegen::print_kernel(dot_pipeline(kernel_target(d.target), d.lanes)).source
                                         << helper_check(d);
        const std::string cxx = d.arm ? "aarch64-linux-gnu-g++" : "c++";
        const auto build = test::run_shell(fmt::format("cd '{}' && {} -std=c++17 -O2 {} check.cpp -o check", dir.string(),
                                                       cxx, d.flags));
        INFO(build.err);
        REQUIRE(build.exit_code == 0);
        const auto run = test::run_shell((d.arm ? "qemu-aarch64 -L /usr/aarch64-linux-gnu " : "") + (dir / "check").string());
        INFO(run.out << run.err);
        CHECK(run.exit_code == 0);
        CHECK_THAT(run.out, Catch::Contains("mismatches 0"));
    }
}

TEST_CASE("c_backend shortens the requantisation's rounding shift and its narrowing casts where exact", "[codegen][c_backend]") {
    const Target t = kernel_target("x86-64-linux-avx-avx2-fma-avx512-avx512_skylake");
    auto requantise = [&](int shift) {
        ImageParam acc(Int(32), 1, "acc"), m(Int(32), 1, "m");
        acc.dim(0).set_bounds(0, 32);
        m.dim(0).set_bounds(0, 32);
        Var c("c");
        Func f("f");
        const Expr round = Expr(int64_t{1} << (shift - 1));
        f(c) = cast<uint8_t>(clamp((cast<int64_t>(acc(c)) * cast<int64_t>(m(c)) + round) >> shift, Expr(int64_t{0}),
                                   Expr(int64_t{255})));
        f.vectorize(c, 16);
        f.output_buffer().dim(0).set_bounds(0, 32);
        return codegen::print_kernel(Pipeline(f).compile_to_module({acc, m}, "requantise", t));
    };
    // |a * b| <= 2^62 for int32 a, b: adding 2^(n-1) cannot overflow int64 for n <= 62.
    const codegen::PrintedKernel k31 = requantise(31);
    CHECK(k31.rounding_shifts == 1);
    CHECK_THAT(k31.source, Catch::Contains("1073741824"));   // 2^30, added before the shift
    CHECK(requantise(63).rounding_shifts == 0);
    // The int64 result narrowed to u8 through int32 (g++ narrows int64 vectors lane by lane).
    CHECK(k31.narrowing_casts == 1);
    CHECK_THAT(k31.source, Catch::Contains("int32x16_t_ops::convert_from<int64x16_t>"));

    ImageParam in(Float(32), 1, "in");
    in.dim(0).set_bounds(0, 32);
    Var x("x");
    Func u8("u8"), i32("i32");
    u8(x) = cast<uint8_t>(clamp(in(x), 0.0f, 255.0f) + 0.5f);
    i32(x) = cast<int32_t>(in(x));
    for (Func* f : {&u8, &i32}) {
        f->vectorize(x, 16);
        f->output_buffer().dim(0).set_bounds(0, 32);
    }
    const codegen::PrintedKernel narrowed = codegen::print_kernel(Pipeline(u8).compile_to_module({in}, "to_u8", t));
    CHECK(narrowed.narrowing_casts == 1);
    CHECK_THAT(narrowed.source, Catch::Contains("int32x16_t_ops::convert_from<float16>"));
    CHECK(codegen::print_kernel(Pipeline(i32).compile_to_module({in}, "to_i32", t)).narrowing_casts == 0);
}
