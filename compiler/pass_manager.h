// The optimisation pipeline: one straight list of passes (pass_manager.cpp), each a function from
// graph to graph in its own file under passes/. Every pass keeps the graph's meaning: the reference
// interpreter gives the same output before and after (tests check 1e-6). The verifier runs after
// every pass.
#pragma once

#include "ir/graph.h"

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace sqz::compiler {

struct PassOptions;

struct PassInfo {
    const char* name;      // as given to --disable-pass and --print-after
    const char* summary;
    ir::Graph (*run)(ir::Graph, const PassOptions&);
};

// The passes in the order they run.
const std::vector<PassInfo>& passes();
std::string pass_names();  // "remove-identity, fuse-conv-relu, ..."

struct PassOptions {
    std::set<std::string> disabled;  // pass names, or "all"
    std::string conv_algorithm = "auto";  // choose-conv-algorithm's mode (--conv-algorithm)
    std::string print_after;         // a pass name, or "all": print the IR text after it
    std::function<void(const std::string& pass, const std::string& ir_text)> print;  // default: stdout
};

// Runs the pipeline. Throws sqz::Error for an unknown pass name.
ir::Graph optimize(ir::Graph graph, const PassOptions& options = {});

}  // namespace sqz::compiler
