// The line syntax of .sqz descriptions (docs/sqz-format.md): the version line, statements of the
// form `keyword [=] value... field=value[,value...]...`, and the `layers` line that starts the
// explicit form. Values remember where they were written, so later checks can report
// "file:line:col: message" (or "--set KEY=VALUE: message" for command-line overrides).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sqz::compiler {

// A word or string as written, with its position for messages.
struct SqzValue {
    std::string text;
    std::string where;           // "file:line:col", "--set KEY=VALUE", or "file" for defaults
    bool from_override = false;  // written on the command line (--set)
};

// `name=value[,value...]`
struct SqzField {
    SqzValue name;
    std::vector<SqzValue> values;
};

// One line: a keyword, then positional values and fields in any order.
struct SqzStatement {
    SqzValue keyword;
    std::vector<SqzValue> positional;
    std::vector<SqzField> fields;

    // The field with this name (case-insensitive), or null.
    const SqzField* find(std::string_view name) const;
    SqzField* find(std::string_view name);
};

struct SqzDocument {
    std::string file;
    std::vector<SqzStatement> header;  // statements before `layers` (every statement in metaparameter form)
    bool explicit_form = false;        // a `layers` line is present
    SqzValue layers_keyword;
    std::vector<SqzStatement> layers;  // statements after `layers`
};

// Splits the text into statements; checks the version line. Syntax errors throw sqz::Error as
// "file:line:col: message".
SqzDocument parse_sqz_document(std::string_view text, const std::string& file);

// Lexes a --set value ("0.25", "conv1,fire3,fire5") into values located at `where`.
std::vector<SqzValue> lex_override_values(std::string_view value, const std::string& where);

// Errors at a value: "<where>: <message>".
[[noreturn]] void sqz_fail(const SqzValue& at, const std::string& message);
// "<where>: <requirement>, found '<text>'" for values in the file; values from --set already show
// themselves in "--set KEY=VALUE", so there the suffix is left off.
[[noreturn]] void sqz_fail_value(const SqzValue& value, const std::string& requirement);

// Value conversions; each fails with "<what> must be ..." on a bad value.
int64_t sqz_int(const SqzValue& value, std::string_view what, int64_t lo, int64_t hi);
// A number in an interval; `lo_open`/`hi_open` exclude the bound.
double sqz_number(const SqzValue& value, std::string_view what, double lo, bool lo_open, double hi, bool hi_open);
// One of `choices` (case-insensitive); returns its index.
size_t sqz_choice(const SqzValue& value, std::string_view what, const std::vector<std::string_view>& choices);

bool equals_ignore_case(std::string_view a, std::string_view b);

}  // namespace sqz::compiler
