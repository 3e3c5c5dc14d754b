// GraphBuilder: the one way frontends and tests assemble graphs. Each call appends a node, creates
// its constants (unbound, named "<node>.weight" / "<node>.bias"), and infers its type at once, so
// errors surface at the layer that causes them.
#pragma once

#include "ir/graph.h"

#include <string>
#include <vector>

namespace sqz::ir {

class GraphBuilder {
public:
    explicit GraphBuilder(std::string graph_name, int64_t batch = 1);

    // Each returns the name of the value it defines.
    std::string input(const std::string& name, const TensorType& per_sample);
    std::string conv(const std::string& name, const std::string& x, int64_t out_channels, const Window& window,
                     bool bias = true);
    std::string relu(const std::string& name, const std::string& x);
    std::string max_pool(const std::string& name, const std::string& x, const Window& window, Rounding rounding);
    std::string avg_pool(const std::string& name, const std::string& x, const Window& window, Rounding rounding,
                         bool count_include_pad);
    std::string global_avg_pool(const std::string& name, const std::string& x);
    std::string concat(const std::string& name, const std::vector<std::string>& xs, int64_t axis = 1);
    std::string add(const std::string& name, const std::string& a, const std::string& b);
    std::string dropout(const std::string& name, const std::string& x);
    std::string identity(const std::string& name, const std::string& x);
    std::string softmax(const std::string& name, const std::string& x, int64_t axis = 1);
    std::string flatten(const std::string& name, const std::string& x);
    std::string reshape(const std::string& name, const std::string& x, const Dims& per_sample);
    // Appends any node (attributes already set); used by frontends with unusual wiring.
    std::string node(Node node);
    void output(const std::string& name);

    // The type of an already defined value.
    TensorType type_of(const std::string& name) const { return graph_.type_of(name); }
    bool defines(const std::string& name) const;
    const Graph& graph() const { return graph_; }
    // Verifies and returns the graph.
    Graph finish();

private:
    std::string add_constant(const std::string& name, const Dims& dims);

    Graph graph_;
};

// A square window (kernel k, stride s, padding p on every side).
Window square_window(int64_t kernel, int64_t stride = 1, int64_t pad = 0);

}  // namespace sqz::ir
