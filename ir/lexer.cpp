// The shared line-oriented lexer (see lexer.h).
#include "ir/lexer.h"

#include "ir/error.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace sqz::ir {
namespace {

bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '/' || c == '+' || c == '-';
}

bool is_punct(char c) {
    switch (c) {
    case '=': case '(': case ')': case '[': case ']': case ',': case ':': case '{': case '}': return true;
    default: return false;
    }
}

}  // namespace

Lexer::Lexer(std::string_view source, std::string file) : source_(source), file_(std::move(file)) {
    current_ = scan();
}

Token Lexer::next() {
    Token t = current_;
    current_ = scan();
    return t;
}

bool Lexer::skip_newlines() {
    while (current_.kind == Token::Kind::Newline) next();
    return current_.kind != Token::Kind::End;
}

void Lexer::fail(const Token& at, const std::string& message) const {
    throw Error(fmt::format("{}:{}:{}: {}", file_, at.line, at.column, message));
}

Token Lexer::scan() {
    // Skip spaces and comments.
    while (pos_ < source_.size()) {
        char c = source_[pos_];
        if (c == ' ' || c == '\t' || c == '\r') {
            ++pos_;
            ++column_;
        } else if (c == '#') {
            while (pos_ < source_.size() && source_[pos_] != '\n') ++pos_;
        } else {
            break;
        }
    }
    Token t;
    t.line = line_;
    t.column = column_;
    if (pos_ >= source_.size()) return t;
    char c = source_[pos_];
    if (c == '\n') {
        ++pos_;
        ++line_;
        column_ = 1;
        t.kind = Token::Kind::Newline;
        t.text = "\n";
        return t;
    }
    if (is_punct(c)) {
        ++pos_;
        ++column_;
        t.kind = Token::Kind::Punct;
        t.text = std::string(1, c);
        return t;
    }
    if (is_word_char(c)) {
        size_t start = pos_;
        while (pos_ < source_.size() && is_word_char(source_[pos_])) ++pos_;
        column_ += static_cast<int>(pos_ - start);
        t.kind = Token::Kind::Word;
        t.text = std::string(source_.substr(start, pos_ - start));
        return t;
    }
    if (c == '"') {
        ++pos_;
        ++column_;
        t.kind = Token::Kind::String;
        while (true) {
            if (pos_ >= source_.size() || source_[pos_] == '\n') fail(t, "unterminated string");
            char s = source_[pos_++];
            ++column_;
            if (s == '"') break;
            if (s == '\\') {
                if (pos_ >= source_.size() || (source_[pos_] != '"' && source_[pos_] != '\\'))
                    fail(t, "invalid escape in string (only \\\" and \\\\ are allowed)");
                s = source_[pos_++];
                ++column_;
            }
            t.text.push_back(s);
        }
        return t;
    }
    unsigned byte = static_cast<unsigned char>(c);
    fail(t, byte >= 0x20 && byte < 0x7f ? fmt::format("unexpected character '{}'", c)
                                        : fmt::format("unexpected byte 0x{:02x}", byte));
}

std::string describe(const Token& token) {
    switch (token.kind) {
    case Token::Kind::Word: return fmt::format("'{}'", token.text);
    case Token::Kind::String: return fmt::format("string \"{}\"", token.text);
    case Token::Kind::Punct: return fmt::format("'{}'", token.text);
    case Token::Kind::Newline: return "end of line";
    case Token::Kind::End: return "end of file";
    }
    return "?";
}

std::string Lexer::expect_word(std::string_view what) {
    if (current_.kind != Token::Kind::Word) error(current_, "expected {}, found {}", what, describe(current_));
    return next().text;
}

std::string Lexer::expect_name(std::string_view what) {
    if (current_.kind != Token::Kind::Word && current_.kind != Token::Kind::String)
        error(current_, "expected {}, found {}", what, describe(current_));
    return next().text;
}

void Lexer::expect_punct(char c) {
    if (!current_.is_punct(c)) error(current_, "expected '{}', found {}", c, describe(current_));
    next();
}

void Lexer::expect_keyword(std::string_view word) {
    if (!current_.is(Token::Kind::Word, word)) error(current_, "expected '{}', found {}", word, describe(current_));
    next();
}

void Lexer::expect_line_end() {
    if (!current_.at_line_end()) error(current_, "expected end of line, found {}", describe(current_));
    if (current_.kind == Token::Kind::Newline) next();
}

bool Lexer::accept_punct(char c) {
    if (!current_.is_punct(c)) return false;
    next();
    return true;
}

int64_t Lexer::expect_int(std::string_view what) {
    Token t = current_;
    int64_t value = 0;
    if (t.kind != Token::Kind::Word || !parse_int(t.text, value))
        error(t, "expected {} (an integer), found {}", what, describe(t));
    next();
    return value;
}

double Lexer::expect_number(std::string_view what) {
    Token t = current_;
    double value = 0;
    if (t.kind != Token::Kind::Word || !parse_number(t.text, value))
        error(t, "expected {} (a number), found {}", what, describe(t));
    next();
    return value;
}

bool parse_int(std::string_view text, int64_t& out) {
    if (!text.empty() && text[0] == '+') text.remove_prefix(1);
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool parse_number(std::string_view text, double& out) {
    if (text.empty() || text.size() > 64) return false;
    std::string s(text);
    char* end = nullptr;
    errno = 0;
    out = std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size() && errno == 0 && std::isfinite(out);
}

}  // namespace sqz::ir
