// canonicalize_names: Halide's counter-numbered names become numbers of first appearance, so two
// compilations that drew other numbers print the same file; prose in comments and literals stays.
#include "codegen/canonical_names.h"

#include <catch2/catch.hpp>

using sqz::codegen::canonicalize_names;

TEST_CASE("names numbered by Halide's counters are renumbered by first appearance", "[codegen][package]") {
    // The same kernel as two processes (or two parallel compilations) may number it.
    const std::string a = "int32_t const _417 = f(_closure_arg__9);\n} s12 = {_417};\nauto _parallel_closure__3 = &s12;\n"
                          "int x_y__88 = _417 + x_y__88;\n";
    const std::string b = "int32_t const _9 = f(_closure_arg__31);\n} s5 = {_9};\nauto _parallel_closure__7 = &s5;\n"
                          "int x_y__2 = _9 + x_y__2;\n";
    const std::string expected = "int32_t const _t0 = f(_closure_arg__n1);\n} s_2 = {_t0};\nauto _parallel_closure__n3 = &s_2;\n"
                                 "int x_y__n4 = _t0 + x_y__n4;\n";
    CHECK(canonicalize_names(a) == expected);
    CHECK(canonicalize_names(b) == expected);
    // Different names stay different; names without a counter (f_0, int32_t, __m512, i0) stay.
    CHECK(canonicalize_names("_5 + _6 + _5") == "_t0 + _t1 + _t0");
    CHECK(canonicalize_names("__m512 v = f_0(int32_t(i0));") == "__m512 v = f_0(int32_t(i0));");
}

TEST_CASE("comments keep their prose, literals stay as written", "[codegen][package]") {
    // "s8" in the comment is prose, not the struct s8 of the code after it: it neither changes
    // nor takes a number, so the struct's name does not depend on what the comment says. The
    // temporaries that Halide names in comments are renamed with the code's.
    const std::string source = "// the u8 and s8 bytes\n/* s8 _3 */ } s8 = {_3};\nputs(\"_3 s8\"); char c = '_';\n"
                               "x = a / b; } // if _3\n";
    CHECK(canonicalize_names(source) ==
          "// the u8 and s8 bytes\n/* s8 _t0 */ } s_1 = {_t0};\nputs(\"_3 s8\"); char c = '_';\nx = a / b; } // if _t0\n");
    // An escaped quote does not end a string.
    CHECK(canonicalize_names("f(\"a\\\"_4\", _4);") == "f(\"a\\\"_4\", _t0);");
    // A comment that runs to the end of the file.
    CHECK(canonicalize_names("_7 = 1; /* _7 s7") == "_t0 = 1; /* _t0 s7");
}
