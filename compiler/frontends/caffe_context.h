// The state of one prototxt conversion, shared by the driver (caffe_prototxt.cpp) and the layer
// rules (caffe_layers.cpp): the graph being built, where each Caffe top name currently points, and
// the source locations that make every message "file:line: layer 'name': ...".
//
// Caffe names blobs (tops), and in-place layers (ReLU, Dropout) write the top they read. The IR is
// SSA and names each value after its node, which is the Caffe layer. So a bottom resolves through
// a map from top name to the value that last wrote it, and the graph's outputs are, as in Caffe,
// the tops that no layer read after their last write.
#pragma once

#include "compiler/frontends/caffe_net.h"
#include "ir/builder.h"
#include "ir/error.h"

#include <google/protobuf/text_format.h>

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sqz::compiler {

// A step of a path to a field inside a layer: a field name and, for repeated fields, an index.
struct FieldRef {
    FieldRef(const char* field_name, int i = 0) : name(field_name), index(i) {}
    std::string_view name;
    int index;
};
using FieldPath = std::initializer_list<FieldRef>;

class CaffeContext {
public:
    // `tree` holds the locations recorded while parsing; null when unknown (no line numbers then).
    CaffeContext(std::string file, std::string graph_name, const google::protobuf::TextFormat::ParseInfoTree* tree);

    const std::string& file() const { return file_; }

    // "file:line" of a layer, or of the field at `path` inside it when the text has it.
    std::string where(const CaffeLayer& layer, FieldPath path = {}) const;
    // "file:line" of the index-th value of a top-level NetParameter field.
    std::string where_net(std::string_view field, int index) const;

    // Fails with "file:line: layer 'name': message", the line of the field at `path`.
    template <typename... Args>
    [[noreturn]] void fail(const CaffeLayer& layer, FieldPath path, fmt::format_string<Args...> format,
                           Args&&... args) const {
        user_error("{}: layer '{}': {}", where(layer, path), layer.param.name(),
                   fmt::format(format, std::forward<Args>(args)...));
    }

    // Checks the number of bottoms and tops of a layer of the current type.
    void require_bottoms(const CaffeLayer& layer, int min, int max) const;
    void require_one_top(const CaffeLayer& layer) const;

    // The value that bottom i currently names; fails if no earlier layer or input produced it.
    std::string bottom(const CaffeLayer& layer, int i);
    // Points a top name at a value (a graph input or a node).
    void define_top(const std::string& top, const std::string& value);

    ir::GraphBuilder& builder() { return builder_; }
    // Runs a builder call for a layer, reporting its errors (shape mismatches, limits) at the layer.
    template <typename F>
    std::string build(const CaffeLayer& layer, F&& call) {
        try {
            return call(builder_);
        } catch (const Error& e) {
            fail(layer, {}, "{}", e.what());
        }
    }

    // Values of the tops that no layer read after their last write, in the order they were written.
    std::vector<std::string> outputs() const;

private:
    struct Top {
        std::string value;
        bool available = true;  // written and not read since
        int64_t order = 0;
    };

    int line_of(const CaffeLayer& layer, FieldPath path) const;

    std::string file_;
    const google::protobuf::TextFormat::ParseInfoTree* tree_;
    ir::GraphBuilder builder_;
    std::map<std::string, Top> tops_;
    int64_t next_order_ = 0;
};

}  // namespace sqz::compiler
