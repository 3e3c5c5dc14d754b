// A package compiles without a warning under -Wall -Wextra -Werror, with g++ and with clang++
// (users build with -Werror): a float32 package with Winograd convolutions, an int8 one, a
// compressed one (codebook-huffman, direct convolutions) and one built for size (codebook-range,
// --optimize size: shared kernels, -Os pragma, call-frame information out of .eh_frame), each
// written by `sqzc compile`. At -O2,
// because some of GCC's warnings come from its optimisers. The runtime's files are the same in
// every package but for their prefix, so only the first package compiles them; clang++ only
// parses, since its warnings all come from its front end.
#include "tests/support.h"

#include "ir/shell.h"

#include <fstream>
#include <set>

using namespace sqz;
namespace fs = std::filesystem;

namespace {

struct Case {
    const char* name;
    const char* model;
    const char* options;
};

const Case kCases[] = {
    {"wfloat", test::kTinyFireSqz, "--conv-algorithm winograd"},
    {"wint8", test::kInt8FireSqz, "--precision int8"},
    {"wcomp", test::kTinyFireSqz, "--conv-algorithm direct --weights-format codebook-huffman --prune 0.5 --codebook-bits 4"},
    {"wsize", test::kTinyFireSqz, "--optimize size --weights-format codebook-range --prune 0.5 --codebook-bits 4"},
};

// The runtime's source files (runtime/*.cpp), as they are named in package `name`.
std::set<std::string> runtime_sources(const std::string& name) {
    std::set<std::string> files;
    for (const auto& entry : fs::directory_iterator(test::source_dir() / "runtime"))
        if (entry.path().extension() == ".cpp") files.insert(name + "_" + entry.path().filename().string());
    return files;
}

}  // namespace

TEST_CASE("packages compile without warnings under -Wall -Wextra -Werror with g++ and clang++", "[package]") {
    std::vector<std::string> compilers;
    for (const char* compiler : {"g++", "clang++"}) {
        if (test::run_shell(std::string("command -v ") + compiler).ok()) compilers.push_back(compiler);
        else SQZ_RECORD_SKIP(compiler << " is not installed (scripts/install-deps installs it)");
    }
    if (compilers.empty()) SQZ_SKIP("no C++ compiler to check the packages with");

    bool first = true;
    for (const Case& c : kCases) {
        const fs::path model = test::write_scratch(std::string(c.name) + ".sqz", c.model);
        const fs::path dir = test::scratch_dir() / c.name;
        auto r = test::run_sqzc("compile " + model.string() + " -o " + dir.string() + " --name " + c.name + " --force " +
                                c.options);
        INFO(c.name << ": " << r.out << r.err);
        REQUIRE(r.exit_code == 0);

        // Every .cpp of the package (the self-test's too: the package's CMakeLists.txt builds it).
        const std::set<std::string> runtime = runtime_sources(c.name);
        std::string files;
        for (const auto& entry : fs::directory_iterator(dir)) {
            const std::string file = entry.path().filename().string();
            if (entry.path().extension() == ".cpp" && (first || !runtime.count(file))) files += file + "\n";
        }
        first = false;
        std::ofstream(dir / "sources.txt") << files;
        for (const std::string& compiler : compilers) {
            // clang warns from its front end only, so it need not generate code.
            const std::string mode = compiler == "g++" ? "-O2 -c -o /dev/null" : "-fsyntax-only";
            r = test::run_shell("cd " + shell_quote(dir.string()) + " && xargs -P2 -I{} " + compiler +
                                    " -std=c++17 -Wall -Wextra -Werror -I. " + mode + " {} < sources.txt",
                                900);
            INFO(c.name << " with " << compiler << ":\n" << r.out << r.err);
            CHECK(r.exit_code == 0);
            // Not one warning either. GCC's note on the ABI of 128-byte vectors (-Wpsabi) in Halide's
            // int8 kernels is a note, not a warning, and its pragma in the kernel file cannot silence it
            // (sqzc_add_model and the package's CMakeLists.txt pass -Wno-psabi).
            CHECK_THAT(r.err, !Catch::Contains("warning:"));
        }
    }
}
