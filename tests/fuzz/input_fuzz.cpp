// libFuzzer target: raw float32 input files (read_f32_file). The reader takes a path, so each input
// is written to a per-process file under /tmp first; it is read once with the tiny model's count
// (243 values) and once with the count its size implies, so the value checks run too.
#include "compiler/file_io.h"
#include "tests/fuzz/fuzz_support.h"

#include <fstream>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string path = "/tmp/sqzc-fuzz-input-" + std::to_string(getpid()) + ".f32";
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                  static_cast<std::streamsize>(size));
    sqz::fuzz::guarded([&] { (void)sqz::compiler::read_f32_file(path, 243); });
    sqz::fuzz::guarded([&] { (void)sqz::compiler::read_f32_file(path, size / 4); });
    return 0;
}
