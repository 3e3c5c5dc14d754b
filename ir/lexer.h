// A small line-oriented lexer shared by sqzc's text formats (the IR text form and .sqz
// descriptions). Words are runs of [A-Za-z0-9_./+-]; strings are double-quoted, with backslash
// escapes for the quote and the backslash; '#' starts a comment; newlines are tokens. Every token knows its line and column, and
// error() formats "file:line:col: message".
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace sqz::ir {

struct Token {
    enum class Kind { Word, String, Punct, Newline, End };
    Kind kind = Kind::End;
    std::string text;
    int line = 1;
    int column = 1;

    bool is(Kind k, std::string_view t) const { return kind == k && text == t; }
    bool is_punct(char c) const { return kind == Kind::Punct && text.size() == 1 && text[0] == c; }
    bool at_line_end() const { return kind == Kind::Newline || kind == Kind::End; }
};

class Lexer {
public:
    // `file` is only used in messages. Throws sqz::Error on bytes that cannot start a token.
    Lexer(std::string_view source, std::string file);

    const Token& peek() const { return current_; }
    Token next();
    // Skips blank lines and comments; returns false at the end of input.
    bool skip_newlines();

    // Consumers: each throws a positioned sqz::Error when the next token is not what is expected.
    std::string expect_word(std::string_view what);
    std::string expect_name(std::string_view what);  // a word or a string
    void expect_punct(char c);
    void expect_keyword(std::string_view word);
    void expect_line_end();
    bool accept_punct(char c);
    int64_t expect_int(std::string_view what);
    double expect_number(std::string_view what);

    const std::string& file() const { return file_; }

    template <typename... Args>
    [[noreturn]] void error(const Token& at, fmt::format_string<Args...> format, Args&&... args) const {
        fail(at, fmt::format(format, std::forward<Args>(args)...));
    }

private:
    [[noreturn]] void fail(const Token& at, const std::string& message) const;
    Token scan();

    std::string_view source_;
    std::string file_;
    size_t pos_ = 0;
    int line_ = 1;
    int column_ = 1;
    Token current_;
};

// Parses a whole word as an integer or a number; nullopt-like failure reported by the bool.
bool parse_int(std::string_view text, int64_t& out);
bool parse_number(std::string_view text, double& out);
// Describes a token for messages: "word 'conv'", "end of line", ...
std::string describe(const Token& token);

}  // namespace sqz::ir
