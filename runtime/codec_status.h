// What a weight decoder (weight_codec.h) reports: success, or what is wrong with the bytes as a
// fixed text with up to four numbers in it. Decoding builds no strings (a package discards the
// reason: create returns NAME_ERROR_WEIGHTS); sqzc and the tests turn the reason into text, and a
// package that never does links none of that code.
#pragma once

#include "prefix.h"

#include <cstdint>
#include <iosfwd>
#include <string>

namespace SQZ_PACKAGE::runtime {

// A reason: `what` with "{}" where each value goes, in order.
struct CodecText {
    const char* what = nullptr;  // null: no reason (success)
    uint64_t values[4] = {};

    std::string str() const;  // the text with its values in place; "" for none
};
bool operator==(const CodecText& text, const std::string& s);
std::ostream& operator<<(std::ostream& out, const CodecText& text);

struct CodecStatus {
    bool ok = true;
    CodecText message;  // why not, when not ok

    static CodecStatus failure(const char* what, uint64_t a = 0, uint64_t b = 0, uint64_t c = 0, uint64_t d = 0) {
        CodecStatus s;
        s.ok = false;
        s.message = CodecText{what, {a, b, c, d}};
        return s;
    }
    explicit operator bool() const { return ok; }
};

}  // namespace SQZ_PACKAGE::runtime
