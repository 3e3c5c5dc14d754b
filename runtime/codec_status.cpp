// The text of a decoder's reason (see codec_status.h).
#include "codec_status.h"

#include <ostream>

namespace SQZ_PACKAGE::runtime {

std::string CodecText::str() const {
    std::string out;
    if (!what) return out;
    int next = 0;
    for (const char* p = what; *p; ++p) {
        if (p[0] == '{' && p[1] == '}' && next < 4) {
            out += std::to_string(values[next++]);
            ++p;
        } else {
            out += *p;
        }
    }
    return out;
}

bool operator==(const CodecText& text, const std::string& s) { return text.str() == s; }

std::ostream& operator<<(std::ostream& out, const CodecText& text) { return out << text.str(); }

}  // namespace SQZ_PACKAGE::runtime
