// sqzc's C++ backend for package kernels (see c_backend.h).
#include "codegen/c_backend.h"

#include "ir/error.h"

#include <fmt/format.h>

#include <optional>
#include <sstream>

namespace sqz::codegen {

using namespace Halide;
using namespace Halide::Internal;

namespace {

// How one vector width's dot products are printed: the helper's name and its operand types.
struct DotForm {
    int lanes = 0;
    std::string instruction;  // for dot_product_instruction
    std::string acc, u8, s8;  // the helper's native types: accumulator, u8 operand, s8 operand
};

bool arm64(const Target& t) { return t.arch == Target::ARM && t.bits == 64; }

std::optional<DotForm> dot_form(const Target& t, int lanes) {
    if (t.arch == Target::X86 && t.bits == 64) {
        const bool vnni = t.has_feature(Target::AVX512_SapphireRapids) && t.has_feature(Target::AVX512_Skylake);
        const char* type = lanes == 16 ? "__m512i" : lanes == 8 ? "__m256i" : "__m128i";
        if (lanes == 16 && !t.has_feature(Target::AVX512_Skylake)) return std::nullopt;
        if (lanes == 8 && !t.has_feature(Target::AVX) && !t.has_feature(Target::AVX2)) return std::nullopt;
        if (lanes != 16 && lanes != 8 && lanes != 4) return std::nullopt;
        return DotForm{lanes, vnni ? "vpdpbusd" : "vpmaddwd", type, type, type};
    }
    if (arm64(t) && lanes == 4)
        return DotForm{4, t.has_feature(Target::ARMDotProd) ? "sdot" : "smull", "int32x4_t", "uint8x16_t", "int8x16_t"};
    return std::nullopt;
}

// The helpers the printed calls use, defined after Halide's headers (and so after sqzc's target
// pragmas, package_kernels.cpp): sqz_dot4_xL(acc, u8, s8) and sqz_splat4_xL(four u8 as a uint32).
std::string helpers(const Target& t) {
    std::string out =
        "\n// sqzc: the int8 dot products (codegen/c_backend.h). sqz_dot4_xL adds to each of the L int32\n"
        "// lanes of acc the four products of the u8 and s8 bytes in that lane, exactly.\n"
        "namespace {\n"
        "template <typename To, typename From>\n"
        "inline To sqz_bits(const From& v) {\n"
        "    static_assert(sizeof(To) == sizeof(From), \"a bit cast between types of one size\");\n"
        "    To r;\n"
        "    memcpy(&r, &v, sizeof r);\n"
        "    return r;\n"
        "}\n";
    for (int lanes : {4, 8, 16}) {
        const std::optional<DotForm> f = dot_form(t, lanes);
        if (!f) continue;
        if (f->instruction == "vpdpbusd" || f->instruction == "vpmaddwd") {
            const std::string p = lanes == 16 ? "_mm512_" : lanes == 8 ? "_mm256_" : "_mm_";
            const std::string si = lanes == 16 ? "si512" : lanes == 8 ? "si256" : "si128";
            out += fmt::format("inline {0} sqz_splat4_x{1}(uint32_t a) {{ return {2}set1_epi32((int)a); }}\n", f->acc,
                               lanes, p);
            if (f->instruction == "vpdpbusd")
                out += fmt::format("inline {0} sqz_dot4_x{1}({0} acc, {0} a, {0} b) {{ return {2}dpbusd_epi32(acc, a, b); }}\n",
                                   f->acc, lanes, p);
            else if (lanes == 8 && !t.has_feature(Target::AVX2))
                out +=
                    "// AVX without AVX2 has no 256-bit integer arithmetic: the two 128-bit halves.\n"
                    "inline __m256i sqz_dot4_x8(__m256i acc, __m256i a, __m256i b) {\n"
                    "    const __m128i lo = sqz_dot4_x4(_mm256_castsi256_si128(acc), _mm256_castsi256_si128(a), _mm256_castsi256_si128(b));\n"
                    "    const __m128i hi = sqz_dot4_x4(_mm256_extractf128_si256(acc, 1), _mm256_extractf128_si256(a, 1),\n"
                    "                                   _mm256_extractf128_si256(b, 1));\n"
                    "    return _mm256_insertf128_si256(_mm256_castsi128_si256(lo), hi, 1);\n"
                    "}\n";
            else
                out += fmt::format(
                    "// Bytes 0 and 2 of each lane, and bytes 1 and 3, widened to 16 bits (u8 by mask and shift, s8 by\n"
                    "// arithmetic shifts): vpmaddwd sums each pair of 16-bit products into 32 bits, without saturation.\n"
                    "inline {0} sqz_dot4_x{1}({0} acc, {0} a, {0} b) {{\n"
                    "    const {0} a_even = {2}and_{3}(a, {2}set1_epi16(0xff)), a_odd = {2}srli_epi16(a, 8);\n"
                    "    const {0} b_even = {2}srai_epi16({2}slli_epi16(b, 8), 8), b_odd = {2}srai_epi16(b, 8);\n"
                    "    return {2}add_epi32(acc, {2}add_epi32({2}madd_epi16(a_even, b_even), {2}madd_epi16(a_odd, b_odd)));\n"
                    "}}\n",
                    f->acc, lanes, p, si);
        } else {
            // Clang declares <arm_neon.h>'s dot products only under -march flags (the package's
            // pragma is g++'s, package_kernels.cpp), so without them it gets the widening form.
            const bool sdot = f->instruction == "sdot";
            out += "inline uint8x16_t sqz_splat4_x4(uint32_t a) { return vreinterpretq_u8_u32(vdupq_n_u32(a)); }\n";
            if (sdot)
                out +=
                    "#if !defined(__clang__) || defined(__ARM_FEATURE_DOTPROD)\n"
                    "// sdot multiplies signed bytes: sum (a - 128) * b, then add 128 * sum b (an sdot with ones).\n"
                    "inline int32x4_t sqz_dot4_x4(int32x4_t acc, uint8x16_t a, int8x16_t b) {\n"
                    "    const int8x16_t a_signed = vreinterpretq_s8_u8(veorq_u8(a, vdupq_n_u8(0x80)));\n"
                    "    const int32x4_t b_sums = vdotq_s32(vdupq_n_s32(0), vdupq_n_s8(1), b);\n"
                    "    return vaddq_s32(vdotq_s32(acc, a_signed, b), vshlq_n_s32(b_sums, 7));\n"
                    "}\n"
                    "#else\n";
            out +=
                "// Bytes widened to 16 bits, multiplied into 32, and each lane's four products summed pairwise.\n"
                "inline int32x4_t sqz_dot4_x4(int32x4_t acc, uint8x16_t a, int8x16_t b) {\n"
                "    const int16x8_t a_lo = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(a)));\n"
                "    const int16x8_t a_hi = vreinterpretq_s16_u16(vmovl_high_u8(a));\n"
                "    const int16x8_t b_lo = vmovl_s8(vget_low_s8(b)), b_hi = vmovl_high_s8(b);\n"
                "    const int32x4_t p0 = vmull_s16(vget_low_s16(a_lo), vget_low_s16(b_lo)), p1 = vmull_high_s16(a_lo, b_lo);\n"
                "    const int32x4_t p2 = vmull_s16(vget_low_s16(a_hi), vget_low_s16(b_hi)), p3 = vmull_high_s16(a_hi, b_hi);\n"
                "    return vaddq_s32(acc, vpaddq_s32(vpaddq_s32(p0, p1), vpaddq_s32(p2, p3)));\n"
                "}\n";
            if (sdot) out += "#endif\n";
        }
    }
    return out + "}  // namespace\n";
}

// `e` as the 8-bit value it was widened from exactly, or undefined.
Expr narrow_to_8_bits(const Expr& e) {
    if (e.type().bits() == 8) return e;
    if (const Cast* c = e.as<Cast>())
        if (c->type.can_represent(c->value.type())) return narrow_to_8_bits(c->value);
    return Expr();
}

// The u8 and s8 factors of a product of two 8-bit values widened to at least 16 bits.
struct Factors {
    Expr u8, s8;
};

std::optional<Factors> product_factors(const Expr& e) {
    Expr a, b;
    if (const Cast* c = e.as<Cast>()) {
        // A widening of a 16-bit product: u8 x s8 products fit in int16.
        if (!c->type.can_represent(c->value.type())) return std::nullopt;
        return product_factors(c->value);
    }
    if (const Call* call = e.as<Call>(); call && call->is_intrinsic(Call::widening_mul)) {
        a = call->args[0], b = call->args[1];
    } else if (const Mul* m = e.as<Mul>()) {
        a = m->a, b = m->b;
    } else {
        return std::nullopt;
    }
    if (e.type().bits() < 16 || !e.type().is_int()) return std::nullopt;
    a = narrow_to_8_bits(a);
    b = narrow_to_8_bits(b);
    if (!a.defined() || !b.defined()) return std::nullopt;
    if (a.type().is_int() && b.type().is_uint()) std::swap(a, b);
    if (!a.type().is_uint() || !b.type().is_int()) return std::nullopt;
    return Factors{a, b};
}

class KernelPrinter : public CodeGen_C {
public:
    KernelPrinter(std::ostream& out, const Target& t) : CodeGen_C(out, t, CPlusPlusImplementation) {}

    using CodeGen_C::compile;
    int dot_products = 0;
    int rounding_shifts = 0;
    int narrowing_casts = 0;

protected:
    using CodeGen_C::visit;

    std::string print_type(Type type, AppendSpaceIfNeeded space = DoNotAppendSpace) override {
        const std::string name = CodeGen_C::print_type(type, space);
        return type.is_vector() && arm64(target) ? "vec_" + name : name;
    }

    void visit(const Add* op) override {
        for (const auto& [reduce, acc] : {std::pair{op->a, op->b}, std::pair{op->b, op->a}})
            if (const VectorReduce* r = reduce.as<VectorReduce>(); r && print_dot(r, acc)) return;
        CodeGen_C::visit(op);
    }

    void visit(const VectorReduce* op) override {
        if (!print_dot(op, make_zero(op->type))) CodeGen_C::visit(op);
    }

    void visit(const Call* op) override {
        if (!print_rounding_shift(op)) CodeGen_C::visit(op);
    }

    // Vectors narrowed to 8 or 16-bit integers through int32: g++ converts float or 64-bit integer
    // vectors to them lane by lane (about 40 instructions for 16 lanes of int64 to u8), but each of
    // the two steps in one or two instructions. From float (the u8 output of a float conv): equal
    // for every value the narrow type holds, and Halide leaves the others undefined. From 64-bit
    // integers (the int8 convs' requantised sums): integer narrowing keeps the low bits, so two
    // steps keep the same bits as one.
    void visit(const Cast* op) override {
        const Type from = op->value.type();
        const bool from_float_or_64 = from.is_float() || ((from.is_int() || from.is_uint()) && from.bits() == 64);
        if (op->type.is_vector() && from_float_or_64 && (op->type.is_int() || op->type.is_uint()) && op->type.bits() < 32) {
            const Expr via = Cast::make(Int(32, op->type.lanes()), op->value);
            ++narrowing_casts;
            print_assignment(op->type, print_expr(Cast::make(op->type, via)));
            return;
        }
        CodeGen_C::visit(op);
    }

private:
    // acc + the dot products of `op`, when it is the u8 x s8 pattern and the target has a form.
    bool print_dot(const VectorReduce* op, const Expr& acc) {
        if (op->op != VectorReduce::Add || op->type.element_of() != Int(32) || acc.type() != op->type) return false;
        const int lanes = op->type.lanes();
        if (op->value.type().lanes() != 4 * lanes) return false;
        const std::optional<DotForm> form = dot_form(target, lanes);
        const std::optional<Factors> f = product_factors(op->value);
        if (!form || !f || !printable(f->u8) || !printable(f->s8)) return false;
        const std::string id_acc = print_expr(acc);
        const std::string id_u8 = print_operand(f->u8, form->u8, lanes);
        const std::string id_s8 = print_operand(f->s8, form->s8, lanes);
        ++dot_products;
        print_assignment(op->type, fmt::format("sqz_bits<{}>(sqz_dot4_x{}(sqz_bits<{}>({}), {}, {}))", print_type(op->type),
                                               lanes, form->acc, id_acc, id_u8, id_s8));
        return true;
    }

    // The group of four bytes that `e` repeats across its lanes (a Broadcast of a 4-lane vector,
    // or the Shuffle that simplification makes of one), or undefined.
    static Expr repeated_group(const Expr& e) {
        if (const Broadcast* b = e.as<Broadcast>(); b && b->value.type().lanes() == 4) return b->value;
        const Shuffle* s = e.as<Shuffle>();
        if (!s || s->vectors.size() != 1 || s->vectors[0].type().lanes() != 4) return Expr();
        for (size_t i = 0; i < s->indices.size(); ++i)
            if (s->indices[i] != static_cast<int>(i % 4)) return Expr();
        return s->vectors[0];
    }

    // Halide's printer prints broadcasts of vectors, and shuffles of fewer lanes than they make,
    // wrongly (it scalarises the reductions that hold them); print_operand handles groups of four.
    static bool printable(const Expr& e) {
        if (repeated_group(e).defined()) return true;
        if (const Broadcast* b = e.as<Broadcast>()) return b->value.type().is_scalar();
        if (const Shuffle* s = e.as<Shuffle>()) {
            int lanes = 0;
            for (const Expr& v : s->vectors) lanes += v.type().lanes();
            return lanes == e.type().lanes();
        }
        return true;
    }

    // An 8-bit operand of 4L lanes as the helper's native type; a broadcast group of four bytes
    // (the input pixel's four channels, shared by every output lane) as one 32-bit broadcast.
    std::string print_operand(const Expr& e, const std::string& native, int lanes) {
        if (const Expr group = repeated_group(e); group.defined())
            return fmt::format("sqz_bits<{}>(sqz_splat4_x{}(sqz_bits<uint32_t>({})))", native, lanes, print_expr(group));
        return fmt::format("sqz_bits<{}>({})", native, print_expr(e));
    }

    // rounding_shift_right(widening_mul(a, b), n), int32 a and b, constant n in [1, 62]:
    // |a * b| <= 2^62, so a * b + 2^(n-1) < 2^63.
    bool print_rounding_shift(const Call* op) {
        if (!op->is_intrinsic(Call::rounding_shift_right) || op->type.element_of() != Int(64)) return false;
        const Call* mul = op->args[0].as<Call>();
        if (!mul || !mul->is_intrinsic(Call::widening_mul)) return false;
        for (const Expr& a : mul->args)
            if (a.type().element_of() != Int(32)) return false;
        const Expr n = op->args[1];
        const Broadcast* nb = n.as<Broadcast>();
        const Expr n_scalar = nb ? nb->value : n;
        const uint64_t* un = as_const_uint(n_scalar);
        const int64_t* sn = as_const_int(n_scalar);
        const int64_t shift = un ? static_cast<int64_t>(*un) : sn ? *sn : -1;
        if (shift < 1 || shift > 62) return false;
        const Type t = op->type;
        const Expr product = Mul::make(Cast::make(t, mul->args[0]), Cast::make(t, mul->args[1]));
        const Expr rounded = Add::make(product, make_const(t, int64_t{1} << (shift - 1)));
        ++rounding_shifts;
        print_assignment(t, print_expr(Call::make(t, Call::shift_right, {rounded, n}, Call::PureIntrinsic)));
        return true;
    }
};

}  // namespace

std::string dot_product_instruction(const Target& target, int lanes) {
    const std::optional<DotForm> f = dot_form(target, lanes);
    return f ? f->instruction : "";
}

PrintedKernel print_kernel(const Module& module) {
    const Target& t = module.target();
    SQZ_ASSERT(t.has_feature(Target::CPlusPlusMangling) && t.has_feature(Target::NoRuntime),
               "package kernels are printed for C++-mangled targets without Halide's runtime ({})", t.to_string());
    PrintedKernel out;
    std::ostringstream source;
    // The intrinsics headers first, before Halide's names (and sqzc's target pragmas) exist.
    if (t.arch == Target::X86) source << "#include <immintrin.h>\n";
    if (arm64(t)) source << "#include <arm_neon.h>\n";
    {
        KernelPrinter printer(source, t);
        source << helpers(t);
        printer.compile(module);
        out.dot_products = printer.dot_products;
        out.rounding_shifts = printer.rounding_shifts;
        out.narrowing_casts = printer.narrowing_casts;
    }
    out.source = source.str();
    std::ostringstream header;
    {
        CodeGen_C printer(header, t, CodeGen_C::CPlusPlusHeader, module.name());
        printer.compile(module);
    }
    out.header = header.str();
    return out;
}

}  // namespace sqz::codegen
