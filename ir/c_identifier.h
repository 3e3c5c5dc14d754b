// Names as C identifiers. IR names come from model files and may hold '/', '.', ':', '-' and
// more; generated code (Halide Funcs, kernels, package names) needs [A-Za-z_][A-Za-z0-9_]*.
#pragma once

#include <string>
#include <string_view>

namespace sqz {

// True if `c` may appear in a C identifier: an ASCII letter, digit or '_'.
bool is_c_identifier_char(char c);

// True if `name` is a C identifier: a letter or '_', then letters, digits and '_' (ASCII only).
bool is_c_identifier(std::string_view name);

// `name` with every character that may not appear in a C identifier (anything but ASCII letters,
// digits and '_', byte by byte) replaced by '_'; when the result is empty or starts with a digit,
// `lead` goes in front. Different names may map to the same identifier: callers that need unique
// names add a counter.
std::string c_identifier(std::string_view name, std::string_view lead = "_");

}  // namespace sqz
