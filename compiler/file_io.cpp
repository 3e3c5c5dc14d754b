// File reading and atomic writing (see file_io.h).
#include "compiler/file_io.h"

#include "ir/error.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace sqz::compiler {

namespace fs = std::filesystem;

uint64_t file_size_checked(const std::string& path) {
    std::error_code ec;
    fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) user_error("{}: no such file", path);
    if (fs::is_directory(status)) user_error("{}: is a directory, expected a file", path);
    uint64_t size = fs::file_size(path, ec);
    if (ec) user_error("{}: cannot determine its size ({})", path, ec.message());
    return size;
}

std::string read_file(const std::string& path, uint64_t max_bytes) {
    file_size_checked(path);
    std::ifstream in(path, std::ios::binary);
    if (!in) user_error("{}: cannot open for reading ({})", path, std::strerror(errno));
    in.seekg(0, std::ios::end);
    std::streamoff size = in.tellg();
    if (size < 0) user_error("{}: cannot determine its size", path);
    if (static_cast<uint64_t>(size) > max_bytes)
        user_error("{}: file is {} bytes, more than the limit of {}", path, size, max_bytes);
    std::string data(static_cast<size_t>(size), '\0');
    in.seekg(0);
    in.read(data.data(), size);
    if (in.gcount() != size) user_error("{}: read {} of {} bytes", path, in.gcount(), size);
    return data;
}

void write_file(const std::string& path, const void* data, size_t size) {
    fs::path target(path);
    fs::path tmp = target;
    tmp += ".sqzc-tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) user_error("{}: cannot open for writing ({})", path, std::strerror(errno));
        out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
        out.close();
        if (!out) {
            std::error_code ignored;
            fs::remove(tmp, ignored);
            user_error("{}: write failed", path);
        }
    }
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) {
        fs::remove(tmp, ec);
        user_error("{}: cannot move the written file into place", path);
    }
}

void write_file(const std::string& path, const std::string& contents) {
    write_file(path, contents.data(), contents.size());
}

std::vector<float> read_f32_file(const std::string& path, size_t expected_count) {
    uint64_t size = file_size_checked(path);
    if (size != uint64_t{expected_count} * 4)
        user_error("{}: holds {} bytes, expected {} ({} float32 values)", path, size, expected_count * 4,
                   expected_count);
    std::string bytes = read_file(path, size);
    std::vector<float> values(expected_count);
    for (size_t i = 0; i < expected_count; ++i) {
        uint32_t bits = 0;
        for (int b = 0; b < 4; ++b) bits |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i * 4 + b])) << (8 * b);
        std::memcpy(&values[i], &bits, 4);
        if (!std::isfinite(values[i]))
            user_error("{}: value {} (at byte {}) is {}; inputs must be finite", path, i, i * 4, values[i]);
    }
    return values;
}

void write_f32_file(const std::string& path, const std::vector<float>& values) {
    std::string bytes(values.size() * 4, '\0');
    for (size_t i = 0; i < values.size(); ++i) {
        uint32_t bits = 0;
        std::memcpy(&bits, &values[i], 4);
        for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>(bits >> (8 * b));
    }
    write_file(path, bytes);
}

std::string lower_extension(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext;
}

std::vector<std::string> expand_folders(const std::vector<std::string>& paths,
                                        const std::vector<std::string_view>& extensions, const std::string& kinds) {
    std::vector<std::string> files;
    for (const std::string& path : paths) {
        std::error_code ec;
        if (!fs::is_directory(path, ec)) {
            files.push_back(path);
            continue;
        }
        std::vector<std::string> found;
        for (const auto& entry : fs::directory_iterator(path, ec)) {
            const std::string name = entry.path().string();
            if (entry.is_regular_file() &&
                std::find(extensions.begin(), extensions.end(), lower_extension(name)) != extensions.end())
                found.push_back(name);
        }
        if (ec) user_error("{}: cannot list the folder: {}", path, ec.message());
        if (found.empty()) user_error("{}: the folder has no {}", path, kinds);
        std::sort(found.begin(), found.end());
        files.insert(files.end(), found.begin(), found.end());
    }
    return files;
}

}  // namespace sqz::compiler
