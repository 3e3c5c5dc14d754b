// The line syntax of .sqz descriptions (see sqz_syntax.h).
#include "compiler/frontends/sqz_syntax.h"

#include "ir/error.h"
#include "ir/lexer.h"

#include <cctype>
#include <cmath>

namespace sqz::compiler {
namespace {

using ir::Lexer;
using ir::Token;
using Kind = Token::Kind;

SqzValue value_at(const Lexer& lex, const Token& t) {
    return {t.text, fmt::format("{}:{}:{}", lex.file(), t.line, t.column), false};
}

SqzValue take_value(Lexer& lex, std::string_view what) {
    Token t = lex.peek();
    if (t.kind != Kind::Word && t.kind != Kind::String)
        lex.error(t, "expected {}, found {}", what, ir::describe(t));
    lex.next();
    return value_at(lex, t);
}

// keyword [=] (value | name=value[,value...])* end-of-line
SqzStatement parse_statement(Lexer& lex) {
    SqzStatement s;
    Token key = lex.peek();
    if (key.kind != Kind::Word) lex.error(key, "expected a keyword, found {}", ir::describe(key));
    lex.next();
    s.keyword = value_at(lex, key);
    lex.accept_punct('=');
    while (!lex.peek().at_line_end()) {
        SqzValue v = take_value(lex, "a value or name=value");
        if (!lex.peek().is_punct('=')) {
            s.positional.push_back(std::move(v));
            continue;
        }
        lex.next();
        if (s.find(v.text)) sqz_fail(v, fmt::format("'{}' is given twice in this line", v.text));
        SqzField field{std::move(v), {}};
        do {
            field.values.push_back(take_value(lex, fmt::format("a value for '{}'", field.name.text)));
        } while (lex.accept_punct(','));
        s.fields.push_back(std::move(field));
    }
    lex.expect_line_end();
    return s;
}

}  // namespace

const SqzField* SqzStatement::find(std::string_view name) const {
    for (const SqzField& f : fields)
        if (equals_ignore_case(f.name.text, name)) return &f;
    return nullptr;
}

SqzField* SqzStatement::find(std::string_view name) {
    for (SqzField& f : fields)
        if (equals_ignore_case(f.name.text, name)) return &f;
    return nullptr;
}

SqzDocument parse_sqz_document(std::string_view text, const std::string& file) {
    SqzDocument doc;
    doc.file = file;
    Lexer lex(text, file);
    lex.skip_newlines();
    Token first = lex.peek();
    if (!first.is(Kind::Word, "sqz"))
        lex.error(first, "expected the version line 'sqz 1' first, found {}", ir::describe(first));
    lex.next();
    Token version = lex.peek();
    int64_t v = lex.expect_int("the format version");
    if (v != 1) lex.error(version, "unsupported .sqz format version {} (this sqzc reads version 1)", v);
    lex.expect_line_end();

    while (lex.skip_newlines()) {
        if (lex.peek().is(Kind::Word, "layers") && !doc.explicit_form) {
            doc.layers_keyword = value_at(lex, lex.peek());
            doc.explicit_form = true;
            lex.next();
            lex.expect_line_end();
            continue;
        }
        SqzStatement s = parse_statement(lex);
        (doc.explicit_form ? doc.layers : doc.header).push_back(std::move(s));
    }
    return doc;
}

std::vector<SqzValue> lex_override_values(std::string_view value, const std::string& where) {
    std::vector<SqzValue> out;
    try {
        Lexer lex(value, where);
        if (lex.peek().at_line_end()) user_error("{}: the value is empty", where);
        do {
            Token t = lex.next();
            if (t.kind != Kind::Word && t.kind != Kind::String)
                user_error("{}: expected a value, found {}", where, ir::describe(t));
            out.push_back({t.text, where, true});
        } while (lex.accept_punct(','));
        if (lex.peek().kind != Kind::End)
            user_error("{}: unexpected {} in the value", where, ir::describe(lex.peek()));
    } catch (const Error& e) {
        std::string message = e.what();
        if (message.rfind(where + ": ", 0) == 0) throw;
        user_error("{}: the value '{}' cannot be read", where, value);
    }
    return out;
}

void sqz_fail(const SqzValue& at, const std::string& message) { user_error("{}: {}", at.where, message); }

void sqz_fail_value(const SqzValue& value, const std::string& requirement) {
    if (value.from_override) sqz_fail(value, requirement);
    sqz_fail(value, fmt::format("{}, found '{}'", requirement, value.text));
}

int64_t sqz_int(const SqzValue& value, std::string_view what, int64_t lo, int64_t hi) {
    int64_t out = 0;
    if (!ir::parse_int(value.text, out) || out < lo || out > hi)
        sqz_fail_value(value, fmt::format("{} must be an integer in [{}, {}]", what, lo, hi));
    return out;
}

double sqz_number(const SqzValue& value, std::string_view what, double lo, bool lo_open, double hi, bool hi_open) {
    double out = 0;
    bool ok = ir::parse_number(value.text, out) && (lo_open ? out > lo : out >= lo) && (hi_open ? out < hi : out <= hi);
    if (!ok)
        sqz_fail_value(value, fmt::format("{} must be a number in {}{}, {}{}", what, lo_open ? '(' : '[', lo, hi,
                                          hi_open ? ')' : ']'));
    return out;
}

size_t sqz_choice(const SqzValue& value, std::string_view what, const std::vector<std::string_view>& choices) {
    for (size_t i = 0; i < choices.size(); ++i)
        if (equals_ignore_case(value.text, choices[i])) return i;
    std::string list;
    for (size_t i = 0; i < choices.size(); ++i)
        list += fmt::format("{}{}", i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ", choices[i]);
    sqz_fail_value(value, fmt::format("{} must be {}", what, list));
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

}  // namespace sqz::compiler
