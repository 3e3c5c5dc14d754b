// Embedded weights (codegen/package_weights.cpp: embedded_weights_source): the string literal a
// package holds its weights in gives back every byte, whatever the bytes are, and compiles without
// a warning under -Wall -Wextra -pedantic -Werror (a literal this long is past what ISO C++
// requires compilers to support, so the file quiets -Woverlength-strings).
#include "codegen/package_weights.h"
#include "tests/support.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

using namespace sqz;

namespace {

// Compiles `prefix`'s weights source with a driver that prints the array's bytes (and its size)
// as decimal numbers, and returns what it printed.
test::CommandResult dump_weights(const std::string& prefix, const std::vector<uint8_t>& bytes, const std::string& compiler) {
    codegen::WeightBlob blob;
    blob.bytes = bytes;
    const std::string source = test::write_scratch(prefix + "_weights.cpp", codegen::embedded_weights_source(prefix, blob));
    const std::string driver = test::write_scratch(
        prefix + "_driver.cpp",
        "#include <cstdio>\n"
        "alignas(64) extern const unsigned char " + prefix + "_weight_data[];\n"
        "int main() {\n"
        "    const unsigned long n = " + std::to_string(bytes.size()) + ";\n"
        "    std::printf(\"%lu\", n);\n"
        "    for (unsigned long i = 0; i <= n; ++i) std::printf(\" %d\", " + prefix + "_weight_data[i]);\n"
        "    std::printf(\" aligned %d\\n\", int(reinterpret_cast<unsigned long>(" + prefix + "_weight_data) % 64));\n"
        "}\n");
    const std::string exe = (test::scratch_dir() / (prefix + "_dump")).string();
    const test::CommandResult build = test::run_shell(compiler + " -std=c++17 -O2 -Wall -Wextra -pedantic -Werror " + source +
                                                      " " + driver + " -o " + exe);
    INFO(build.out << build.err);
    REQUIRE(build.exit_code == 0);
    return test::run_shell(exe);
}

std::string expected_dump(const std::vector<uint8_t>& bytes) {
    std::string out = std::to_string(bytes.size());
    for (uint8_t b : bytes) out += " " + std::to_string(b);
    return out + " 0 aligned 0\n";  // the terminating zero, and the array on a 64-byte boundary
}

}  // namespace

TEST_CASE("embedded weights give back every byte value and the sequences escapes could swallow",
          "[package][weights]") {
    std::vector<uint8_t> bytes;
    for (int v = 0; v < 256; ++v) bytes.push_back(static_cast<uint8_t>(v));
    // An escape followed by octal digits, quotes and backslashes, trigraph-like runs, and a line
    // break (96 bytes a line) falling right after an escape.
    for (const char* s : {"\0017", "\"\\\"", "?\?/?\?=?\?(", "\\0", "a\"b"})
        for (const char* p = s; *p; ++p) bytes.push_back(static_cast<uint8_t>(*p));
    bytes.push_back(0);
    bytes.push_back('7');
    while (bytes.size() % 96 != 95) bytes.push_back(static_cast<uint8_t>(bytes.size() * 37));
    bytes.push_back(0);   // the last byte of a line is an escape...
    bytes.push_back('1');  // ...and the next line starts with a digit
    bytes.push_back('2');
    for (const std::string compiler : {"c++", "clang++-14"}) {
        if (compiler != "c++" && test::run_shell("which " + compiler).exit_code != 0) continue;
        INFO(compiler);
        const test::CommandResult run = dump_weights(compiler == "c++" ? "wgpp" : "wclang", bytes, compiler);
        REQUIRE(run.exit_code == 0);
        CHECK(run.out == expected_dump(bytes));
    }
}

TEST_CASE("a package without weight bytes embeds an empty array", "[package][weights]") {
    const test::CommandResult run = dump_weights("wempty", {}, "c++");
    REQUIRE(run.exit_code == 0);
    CHECK(run.out == expected_dump({}));
}
