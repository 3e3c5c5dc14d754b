// The self-test of a package (see package_sources.h): NAME_selftest_data.cpp holds the stored
// input and the expected output (sqzc's float64 reference interpreter), NAME_selftest.cpp is the
// program's main, which hands them to the runtime's self-test (runtime/selftest_runner.h).
#include "codegen/package_sources.h"

#include <fmt/format.h>

#include <cstring>

namespace sqz::codegen {
namespace {

// Floats as hex bit patterns, 8 a line.
std::string hex_words(const std::vector<float>& values) {
    std::string out;
    for (size_t i = 0; i < values.size(); ++i) {
        uint32_t bits = 0;
        std::memcpy(&bits, &values[i], 4);
        out += fmt::format("0x{:08x}u,{}", bits, i % 8 == 7 ? "\n" : " ");
    }
    return out;
}

std::string words_array(const std::string& name, const std::vector<float>& values) {
    const std::string array = fmt::format("{}[{}]", name, values.size());
    return "alignas(64) extern const uint32_t " + array + ";\nalignas(64) const uint32_t " + array + " = {\n" +
           hex_words(values) + "};\n\n";
}

std::string input_name(const std::string& prefix, size_t i) { return fmt::format("{}_selftest_input{}", prefix, i); }
std::string expected_name(const std::string& prefix, size_t i) { return fmt::format("{}_selftest_expected{}", prefix, i); }

}  // namespace

std::string package_selftest_data(const PackageModel& p) {
    const std::string& N = p.options.name;
    std::string out = fmt::format("// Stored input and expected output (sqzc's float64 reference) for {}_selftest.cpp.\n"
                                  "#include <cstdint>\n\n",
                                  N);
    for (size_t i = 0; i < p.selftest_inputs.size(); ++i) out += words_array(input_name(N, i), p.selftest_inputs[i].data);
    for (size_t i = 0; i < p.selftest_outputs.size(); ++i)
        out += words_array(expected_name(N, i), p.selftest_outputs[i].data);
    return out;
}

std::string package_selftest_source(const PackageModel& p) {
    const std::string& N = p.options.name;
    std::string declarations, inputs, expected;
    std::vector<size_t> output_sizes;
    for (size_t i = 0; i < p.selftest_inputs.size(); ++i) {
        declarations += fmt::format("extern const uint32_t {}[];\n", input_name(N, i));
        inputs += fmt::format("{}reinterpret_cast<const float*>({})", i ? ", " : "", input_name(N, i));
    }
    for (size_t i = 0; i < p.selftest_outputs.size(); ++i) {
        declarations += fmt::format("extern const uint32_t {}[];\n", expected_name(N, i));
        expected += fmt::format("{}reinterpret_cast<const float*>({})", i ? ", " : "", expected_name(N, i));
        output_sizes.push_back(p.selftest_outputs[i].data.size());
    }
    std::string out = fmt::format(
        "// {0}_selftest.cpp: runs model {0} on the stored input and checks the stored output (computed\n"
        "// by sqzc's float64 reference interpreter) to a relative error of 1e-4. Usage:\n"
        "//   {0}_selftest [--threads N] [--weights FILE] [--runs K]\n"
        "// Exit status 0 when the check passes. Not part of the library: leave this file and\n"
        "// {0}_selftest_data.cpp out when you build the model into your own program.\n"
        "#include \"{0}_selftest_runner.h\"\n\n#include <cstddef>\n#include <cstdint>\n\n",
        N);
    out += declarations;
    out += "\nint main(int argc, char** argv) {\n";
    out += "    const float* inputs[] = {" + inputs + "};\n";
    out += "    const float* expected[] = {" + expected + "};\n";
    out += "    const size_t output_sizes[] = {" + fmt::format("{}", fmt::join(output_sizes, ", ")) + "};\n";
    out += "    return " + N + "::runtime::run_selftest({inputs, expected, output_sizes, " +
           std::to_string(output_sizes.size()) + "}, argc, argv);\n}\n";
    return out;
}

}  // namespace sqz::codegen
