// Names as C identifiers (see c_identifier.h).
#include "ir/c_identifier.h"

namespace sqz {
namespace {

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool is_c_identifier_char(char c) { return is_letter(c) || is_digit(c); }

bool is_c_identifier(std::string_view name) {
    if (name.empty() || !is_letter(name[0])) return false;
    for (char c : name)
        if (!is_c_identifier_char(c)) return false;
    return true;
}

std::string c_identifier(std::string_view name, std::string_view lead) {
    std::string out;
    out.reserve(name.size() + lead.size());
    for (char c : name) out.push_back(is_c_identifier_char(c) ? c : '_');
    if (out.empty() || is_digit(out[0])) out.insert(0, lead);
    return out;
}

}  // namespace sqz
