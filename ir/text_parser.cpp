// Parsing the IR's text form (see text_form.h).
#include "ir/text_form.h"

#include "ir/error.h"
#include "ir/lexer.h"
#include "ir/shape_inference.h"
#include "ir/verifier.h"

#include <cstring>
#include <unordered_map>
#include <unordered_set>

namespace sqz::ir {
namespace {

using Kind = Token::Kind;

class Parser {
public:
    Parser(std::string_view text, const std::string& file) : lex_(text, file) {}

    Graph parse() {
        lex_.skip_newlines();
        lex_.expect_keyword("sqzir");
        Token version = lex_.peek();
        if (lex_.expect_int("format version") != 1) lex_.error(version, "unsupported sqzir version (expected 1)");
        lex_.expect_line_end();
        lex_.skip_newlines();
        lex_.expect_keyword("graph");
        graph_.name = lex_.expect_name("graph name");
        Token batch = lex_.peek();
        lex_.expect_keyword("batch");
        lex_.expect_punct('=');
        graph_.batch = lex_.expect_int("batch size");
        if (graph_.batch < 1 || graph_.batch > Limits::max_dim) lex_.error(batch, "batch size out of range");
        if (lex_.peek().is(Kind::Word, "layout")) {
            lex_.next();
            lex_.expect_punct('=');
            Token at = lex_.peek();
            const std::string layout = lex_.expect_word("activation layout");
            if (layout != "nchw" && layout != "nhwc") lex_.error(at, "layout must be nchw or nhwc");
            graph_.layout = layout == "nhwc" ? ActivationLayout::NHWC : ActivationLayout::NCHW;
        }
        lex_.expect_line_end();

        while (lex_.skip_newlines()) {
            Token keyword = lex_.peek();
            std::string word = lex_.expect_word("'input', 'const', 'node', 'quant' or 'output'");
            if (word == "input") parse_input();
            else if (word == "const") parse_const();
            else if (word == "node") parse_node(keyword);
            else if (word == "output") graph_.outputs.push_back(lex_.expect_name("output name"));
            else if (word == "preprocess") parse_preprocess();
            else if (word == "quant") parse_quant(keyword);
            else lex_.error(keyword, "unknown statement '{}'", word);
            lex_.expect_line_end();
        }

        // Every name a node reads must be defined above it, which also rules out cycles; checked here
        // so that the message can point at the line.
        std::unordered_set<std::string> defined;
        for (const GraphInput& in : graph_.inputs) defined.insert(in.name);
        for (const Constant& c : graph_.constants) defined.insert(c.name);
        for (size_t i = 0; i < graph_.nodes.size(); ++i) {
            for (const std::string& in : graph_.nodes[i].inputs)
                if (!defined.count(in))
                    lex_.error(node_tokens_[i], "node '{}' reads '{}', which is not defined above it{}",
                               graph_.nodes[i].name, in,
                               in == graph_.nodes[i].name ? " (a node cannot read itself)" : "");
            defined.insert(graph_.nodes[i].name);
        }

        Graph inferred = graph_;
        try {
            infer_shapes(inferred);
        } catch (const Error& e) {
            throw Error(fmt::format("{}: {}", lex_.file(), e.what()));
        }
        for (size_t i = 0; i < graph_.nodes.size(); ++i) {
            const Node& node = graph_.nodes[i];
            if (node.type != inferred.nodes[i].type)
                lex_.error(node_tokens_[i], "node '{}' is written with type {} but its inputs give {}", node.name,
                           to_string(node.type), to_string(inferred.nodes[i].type));
        }
        try {
            verify(graph_);
        } catch (const Error& e) {
            throw Error(fmt::format("{}: {}", lex_.file(), e.what()));
        }
        return graph_;
    }

private:
    TensorType parse_type() {
        Token at = lex_.peek();
        std::string dtype = lex_.expect_word("element type");
        auto parsed = parse_dtype(dtype);
        if (!parsed) lex_.error(at, "unknown element type '{}'", dtype);
        TensorType type{*parsed, {}};
        lex_.expect_punct('[');
        if (!lex_.accept_punct(']')) {
            do {
                Token dim = lex_.peek();
                int64_t d = lex_.expect_int("dimension");
                if (d < 1 || d > Limits::max_dim)
                    lex_.error(dim, "dimension {} is out of range [1, {}]", d, Limits::max_dim);
                type.dims.push_back(d);
            } while (lex_.accept_punct(','));
            lex_.expect_punct(']');
        }
        if (!checked_numel(type.dims)) lex_.error(at, "tensor type has more than {} elements", Limits::max_elements);
        return type;
    }

    // preprocess order=bgr scale=1 mean=104,117,123 std=1,1,1
    void parse_preprocess() {
        Preprocess& p = graph_.preprocess;
        while (!lex_.peek().at_line_end()) {
            Token at = lex_.peek();
            std::string key = lex_.expect_word("preprocess setting");
            lex_.expect_punct('=');
            if (key == "order") {
                Token v = lex_.peek();
                std::string order = lex_.expect_word("channel order");
                if (order != "bgr" && order != "rgb") lex_.error(v, "channel order must be bgr or rgb");
                p.channel_order = order == "bgr" ? Preprocess::Order::BGR : Preprocess::Order::RGB;
            } else if (key == "scale") {
                p.pixel_scale = lex_.expect_number("pixel scale");
            } else if (key == "mean" || key == "std") {
                double* dst = key == "mean" ? p.mean : p.std;
                for (int c = 0; c < 3; ++c) {
                    if (c > 0) lex_.expect_punct(',');
                    dst[c] = lex_.expect_number(key);
                }
            } else {
                lex_.error(at, "unknown preprocess setting '{}'", key);
            }
        }
        for (double s : p.std)
            if (s == 0) lex_.error(lex_.peek(), "preprocess std must not be zero");
    }

    void parse_input() {
        GraphInput in;
        in.name = lex_.expect_name("input name");
        lex_.expect_punct(':');
        in.type = parse_type();
        graph_.inputs.push_back(std::move(in));
    }

    static int hex_digit(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    // Little-endian float32 bytes from a hex string; `count` values unless it is 0 (any count > 0).
    std::vector<float> parse_hex_floats(size_t count, std::string_view what) {
        lex_.expect_keyword("hex");
        Token at = lex_.peek();
        auto bytes = parse_hex_string(what);
        if (bytes.size() % 4 != 0 || bytes.empty() || (count != 0 && bytes.size() != count * 4))
            lex_.error(at, "{} holds {} bytes, expected {}", what, bytes.size(),
                       count != 0 ? fmt::format("{} ({} float32 values)", count * 4, count)
                                  : std::string("a non-zero multiple of 4"));
        std::vector<float> values(bytes.size() / 4);
        for (size_t i = 0; i < values.size(); ++i) {
            uint32_t bits = 0;
            for (int b = 0; b < 4; ++b) bits |= static_cast<uint32_t>(bytes[i * 4 + b]) << (8 * b);
            std::memcpy(&values[i], &bits, 4);
        }
        return values;
    }

    // Reads a word of the form "key=value" split into its parts, as the lexer delivers them.
    int64_t parse_int_attr(const char* key) {
        lex_.expect_keyword(key);
        lex_.expect_punct('=');
        return lex_.expect_int(key);
    }

    void parse_const() {
        Constant c;
        c.name = lex_.expect_name("constant name");
        lex_.expect_punct(':');
        c.type = parse_type();
        if (lex_.accept_punct('=')) {
            Token values_at = lex_.peek();
            c.bind(parse_hex_floats(static_cast<size_t>(c.type.numel()), "constant values"));
            if (int64_t i = first_non_finite(c.data()); i >= 0)
                lex_.error(values_at, "constant '{}': value {} is {}; sqzc refuses weights that are not finite",
                           c.name, i, c.data()[static_cast<size_t>(i)]);
            if (lex_.peek().is(Kind::Word, "codebook")) {
                lex_.next();
                auto cb = std::make_shared<CodebookWeights>();
                Token bits_at = lex_.peek();
                cb->bits = static_cast<int>(parse_int_attr("bits"));
                cb->gap_bits = static_cast<int>(parse_int_attr("gap_bits"));
                if (cb->bits < 1 || cb->bits > 8 || cb->gap_bits < 1 || cb->gap_bits > 8)
                    lex_.error(bits_at, "codebook bit widths must lie in [1, 8]");
                Token hex_at = lex_.peek();
                if (lex_.peek().kind != Kind::Word) lex_.error(hex_at, "expected the codebook's hex strings");
                Token codebook_at = lex_.peek();
                cb->codebook = parse_hex_floats(0, "codebook");
                if (int64_t i = first_non_finite(cb->codebook); i >= 0)
                    lex_.error(codebook_at, "constant '{}': codebook entry {} is {}; sqzc refuses weights that are "
                               "not finite", c.name, i, cb->codebook[static_cast<size_t>(i)]);
                cb->codes = parse_hex("codes");
                cb->gaps = parse_hex("gaps");
                if (cb->codes.size() != cb->gaps.size())
                    lex_.error(hex_at, "codebook has {} codes but {} gaps", cb->codes.size(), cb->gaps.size());
                if (cb->codebook.size() > (size_t{1} << cb->bits))
                    lex_.error(hex_at, "codebook has {} entries, more than {}-bit codes can address",
                               cb->codebook.size(), cb->bits);
                for (uint8_t gap : cb->gaps)
                    if (gap >= (1u << cb->gap_bits))
                        lex_.error(hex_at, "codebook gap {} does not fit in {} bits", gap, cb->gap_bits);
                // The compressed form must be the same weights as the dense values.
                std::vector<float> decoded;
                try {
                    decoded = cb->decode(c.type.numel());
                } catch (const Error& e) {
                    lex_.error(hex_at, "constant '{}': {}", c.name, e.what());
                }
                if (decoded != c.data())
                    lex_.error(hex_at, "constant '{}': its codebook form does not decode to its values", c.name);
                c.codebook = std::move(cb);
            }
            if (lex_.peek().is(Kind::Word, "int8")) parse_int8_form(c);
        }
        graph_.constants.push_back(std::move(c));
    }

    // `int8 hex "<values>" hex "<scales>"` after a constant's values: its int8 form, which must
    // dequantise to exactly those values (the verifier checks).
    void parse_int8_form(Constant& c) {
        Token at = lex_.next();
        if (c.type.rank() < 1) lex_.error(at, "constant '{}': a scalar has no int8 form", c.name);
        const std::vector<unsigned char> bytes = parse_hex("int8 values");
        if (static_cast<int64_t>(bytes.size()) != c.type.numel())
            lex_.error(at, "constant '{}': its int8 form holds {} values, expected {}", c.name, bytes.size(),
                       c.type.numel());
        Int8Weights q;
        q.values.reserve(bytes.size());
        for (unsigned char b : bytes) q.values.push_back(static_cast<int8_t>(b));
        q.scales = parse_hex_floats(static_cast<size_t>(c.type.dims[0]), "int8 scales");
        c.int8 = std::make_shared<const Int8Weights>(std::move(q));
    }

    // quant NAME scale=S zero_point=Z
    void parse_quant(const Token& at) {
        const std::string name = lex_.expect_name("quantised value");
        ActivationQuant q;
        lex_.expect_keyword("scale");
        lex_.expect_punct('=');
        q.scale = lex_.expect_number("scale");
        const int64_t zero_point = parse_int_attr("zero_point");
        if (zero_point < 0 || zero_point > 255) lex_.error(at, "zero point {} is out of range [0, 255]", zero_point);
        q.zero_point = static_cast<int32_t>(zero_point);
        if (!graph_.activation_quant.emplace(name, q).second) lex_.error(at, "'{}' is quantised twice", name);
    }

    // `hex "0a1b..."`: an even number of hex digits.
    std::vector<unsigned char> parse_hex(std::string_view what) {
        lex_.expect_keyword("hex");
        return parse_hex_string(what);
    }

    std::vector<unsigned char> parse_hex_string(std::string_view what) {
        Token t = lex_.peek();
        if (t.kind != Kind::String || t.text.size() % 2 != 0)
            lex_.error(t, "expected a quoted hex string with an even number of digits for {}", what);
        std::vector<unsigned char> bytes(t.text.size() / 2);
        for (size_t i = 0; i < bytes.size(); ++i) {
            int hi = hex_digit(t.text[2 * i]);
            int lo = hex_digit(t.text[2 * i + 1]);
            if (hi < 0 || lo < 0) lex_.error(t, "{} contains a character that is not a hex digit", what);
            bytes[i] = static_cast<unsigned char>(hi * 16 + lo);
        }
        lex_.next();
        return bytes;
    }

    std::pair<int64_t, int64_t> parse_pair(const Token& at) {
        // "3x3" arrives as one word.
        std::string word = lex_.expect_word("a size such as 3x3");
        auto x = word.find('x');
        int64_t a = 0, b = 0;
        if (x == std::string::npos || !parse_int(std::string_view(word).substr(0, x), a) ||
            !parse_int(std::string_view(word).substr(x + 1), b))
            lex_.error(at, "expected a size such as 3x3, found '{}'", word);
        return {a, b};
    }

    std::vector<int64_t> parse_int_list(const char* what) {
        std::vector<int64_t> values;
        do values.push_back(lex_.expect_int(what));
        while (lex_.accept_punct(','));
        return values;
    }

    // Parses one "key=value" or flag attribute into the window/flags; returns false if unknown.
    bool parse_window_attr(const std::string& key, const Token& at, Window& w) {
        if (key == "kernel") {
            lex_.expect_punct('=');
            std::tie(w.kernel_h, w.kernel_w) = parse_pair(at);
        } else if (key == "stride") {
            lex_.expect_punct('=');
            std::tie(w.stride_h, w.stride_w) = parse_pair(at);
        } else if (key == "pads") {
            lex_.expect_punct('=');
            auto p = parse_int_list("padding");
            if (p.size() != 4) lex_.error(at, "pads takes 4 values (top, left, bottom, right), got {}", p.size());
            w.pad_top = p[0], w.pad_left = p[1], w.pad_bottom = p[2], w.pad_right = p[3];
        } else {
            return false;
        }
        return true;
    }

    void parse_node(const Token& at) {
        Node node;
        node.name = lex_.expect_name("node name");
        lex_.expect_punct('=');
        Token op_at = lex_.peek();
        std::string op = lex_.expect_word("operator");
        auto kind = parse_op(op);
        if (!kind) lex_.error(op_at, "unknown operator '{}'", op);
        node.op = *kind;
        lex_.expect_punct('(');
        if (!lex_.accept_punct(')')) {
            do node.inputs.push_back(lex_.expect_name("input name"));
            while (lex_.accept_punct(','));
            lex_.expect_punct(')');
        }
        node.attrs = parse_attrs(node.op);
        if (lex_.accept_punct('{')) {
            lex_.expect_keyword("group");
            lex_.expect_punct('=');
            node.group = lex_.expect_name("fusion group");
            lex_.expect_punct('}');
        }
        lex_.expect_punct(':');
        node.type = parse_type();
        graph_.nodes.push_back(std::move(node));
        node_tokens_.push_back(at);
    }

    Attrs parse_attrs(OpKind op) {
        AttrKind kind = op_info(op).attrs;
        Attrs attrs;
        switch (kind) {
        case AttrKind::None: break;
        case AttrKind::Conv: attrs = ConvAttrs{}; break;
        case AttrKind::Pool: attrs = PoolAttrs{}; break;
        case AttrKind::Concat: attrs = ConcatAttrs{}; break;
        case AttrKind::Softmax: attrs = SoftmaxAttrs{}; break;
        case AttrKind::Reshape: attrs = ReshapeAttrs{}; break;
        }
        if (!lex_.accept_punct('[')) {
            if (kind == AttrKind::Conv || kind == AttrKind::Pool || kind == AttrKind::Reshape)
                lex_.error(lex_.peek(), "operator '{}' needs attributes in [...]", op_name(op));
            return attrs;
        }
        while (!lex_.accept_punct(']')) {
            Token at = lex_.peek();
            std::string key = lex_.expect_word("attribute");
            bool known = false;
            if (auto* c = std::get_if<ConvAttrs>(&attrs)) {
                known = parse_window_attr(key, at, c->window);
                if (key == "out") {
                    lex_.expect_punct('=');
                    c->out_channels = lex_.expect_int("output channels");
                    known = true;
                } else if (key == "relu") {
                    c->relu = known = true;
                } else if (key == "int8_input_scale") {
                    lex_.expect_punct('=');
                    c->quant.input_scale = lex_.expect_number("scale");
                    c->quant.int8_input = known = true;
                } else if (key == "input_quant_scale") {
                    lex_.expect_punct('=');
                    c->quant.input_scale = lex_.expect_number("scale");
                    known = true;
                } else if (key == "input_zero_point") {
                    lex_.expect_punct('=');
                    Token zp = lex_.peek();
                    const int64_t z = lex_.expect_int("zero point");
                    if (z < 0 || z > 255) lex_.error(zp, "zero point {} is out of range [0, 255]", z);
                    c->quant.input_zero_point = static_cast<int32_t>(z);
                    known = true;
                } else if (key == "u8_output_scale") {
                    lex_.expect_punct('=');
                    c->quant.output_scale = lex_.expect_number("scale");
                    c->quant.u8_output = known = true;
                } else if (key == "u8_residual_scale") {
                    lex_.expect_punct('=');
                    c->quant.residual_scale = lex_.expect_number("scale");
                    known = true;
                } else if (key == "residual_offset") {
                    lex_.expect_punct('=');
                    c->residual_offset = lex_.expect_int("residual offset");
                    c->residual = known = true;
                } else if (key == "algorithm") {
                    lex_.expect_punct('=');
                    const Token name_at = lex_.peek();
                    const std::string name = lex_.expect_word("convolution algorithm");
                    const std::optional<ConvAlgorithm> algorithm = parse_conv_algorithm(name);
                    if (!algorithm)
                        lex_.error(name_at, "unknown convolution algorithm '{}' (direct, winograd-f2, winograd-f4 or "
                                            "winograd-f6)", name);
                    c->algorithm = *algorithm;
                    known = true;
                }
            } else if (auto* p = std::get_if<PoolAttrs>(&attrs)) {
                known = parse_window_attr(key, at, p->window);
                if (key == "ceil") p->rounding = Rounding::Ceil, known = true;
                if (key == "count_include_pad") p->count_include_pad = known = true;
            } else if (auto* c = std::get_if<ConcatAttrs>(&attrs)) {
                if ((known = key == "axis")) lex_.expect_punct('='), c->axis = lex_.expect_int("axis");
                if (key == "in_place") c->in_place = known = true;
            } else if (auto* s = std::get_if<SoftmaxAttrs>(&attrs)) {
                if ((known = key == "axis")) lex_.expect_punct('='), s->axis = lex_.expect_int("axis");
            } else if (auto* r = std::get_if<ReshapeAttrs>(&attrs)) {
                if ((known = key == "shape")) lex_.expect_punct('='), r->shape = parse_int_list("dimension");
            }
            if (!known) lex_.error(at, "unknown attribute '{}' for operator '{}'", key, op_name(op));
        }
        return attrs;
    }

    Lexer lex_;
    Graph graph_;
    std::vector<Token> node_tokens_;
};

}  // namespace

Graph parse_graph(std::string_view text, const std::string& file) { return Parser(text, file).parse(); }

}  // namespace sqz::ir
