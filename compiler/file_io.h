// Reading and writing files with the checks every frontend needs: clear messages for missing
// files, directories and size limits, and writes that never leave a partial file behind.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sqz::compiler {

// Default cap on any model or weights file sqzc reads (2 GiB, protobuf's own limit).
constexpr uint64_t kMaxFileBytes = uint64_t{2} << 30;

// The size of a regular file; throws sqz::Error naming the path if it is missing or a directory.
uint64_t file_size_checked(const std::string& path);

// Reads a whole file. Throws sqz::Error naming the path if it is missing, a directory, unreadable,
// or larger than max_bytes.
std::string read_file(const std::string& path, uint64_t max_bytes = kMaxFileBytes);

// Writes a file atomically: to a temporary beside it, then renamed into place.
void write_file(const std::string& path, const void* data, size_t size);
void write_file(const std::string& path, const std::string& contents);

// Raw little-endian float32 files (model inputs and outputs). Reading checks the size against
// `expected_count` and refuses NaN and infinite values (docs/hardening.md).
std::vector<float> read_f32_file(const std::string& path, size_t expected_count);
void write_f32_file(const std::string& path, const std::vector<float>& values);

// `paths` with each folder replaced by its files whose lower-case extension is one of `extensions`
// (e.g. {".png", ".jpg"}), sorted by name; a file named directly is kept whatever its extension.
// Throws sqz::Error naming a folder that cannot be listed or has no such file (`kinds` says what
// was looked for, e.g. "PNG, JPEG or PPM files").
std::vector<std::string> expand_folders(const std::vector<std::string>& paths,
                                        const std::vector<std::string_view>& extensions, const std::string& kinds);

// The extension of `path`, lower-cased (".JPG" gives ".jpg").
std::string lower_extension(const std::string& path);

}  // namespace sqz::compiler
