// The weights file format (runtime/weights_file.h) and its checksum (runtime/fnv1a.h): FNV-1a 64
// against the published test vectors, the header byte for byte, and reading back.
#include "runtime/fnv1a.h"
#include "runtime/weights_file.h"
#include "tests/support.h"

#include <fstream>
#include <string>
#include <vector>

using namespace sqz;

TEST_CASE("FNV-1a 64 matches the published test vectors and continues a hash", "[runtime][fnv1a]") {
    CHECK(runtime::fnv1a("", 0) == 0xcbf29ce484222325ULL);
    CHECK(runtime::fnv1a("a", 1) == 0xaf63dc4c8601ec8cULL);
    CHECK(runtime::fnv1a("foobar", 6) == 0x85944171f73967e8ULL);
    CHECK(runtime::fnv1a("bar", 3, runtime::fnv1a("foo", 3)) == 0x85944171f73967e8ULL);
}

TEST_CASE("a weights file's header names the version, the byte count and the checksum", "[runtime][weights]") {
    const std::string data = "0123456789abcdef";
    unsigned char header[runtime::kWeightsFileHeaderBytes];
    runtime::weights_file_header(data.data(), data.size(), header);
    CHECK(std::string(reinterpret_cast<const char*>(header), 4) == "SQZW");
    const std::vector<unsigned char> version(header + 4, header + 8), count(header + 8, header + 16);
    CHECK(version == std::vector<unsigned char>{1, 0, 0, 0});
    CHECK(count == std::vector<unsigned char>{16, 0, 0, 0, 0, 0, 0, 0});
    uint64_t checksum = 0;
    for (int b = 0; b < 8; ++b) checksum |= static_cast<uint64_t>(header[16 + b]) << (8 * b);
    CHECK(checksum == runtime::fnv1a(data.data(), data.size()));

    const std::string path = (test::scratch_dir() / "format.weights").string();
    std::ofstream(path, std::ios::binary) << std::string(reinterpret_cast<const char*>(header), sizeof header) << data;
    std::string back(data.size(), '\0');
    CHECK(runtime::read_weights_file(path.c_str(), back.data(), back.size()) == runtime::Status::Ok);
    CHECK(back == data);
    CHECK(runtime::read_weights_file(path.c_str(), back.data(), back.size() - 1) == runtime::Status::Weights);
    CHECK(runtime::read_weights_file(nullptr, back.data(), back.size()) == runtime::Status::Argument);
}
