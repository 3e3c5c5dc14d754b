// The Graphviz picture of a graph (ir/dot.h): Fire clusters, shapes on edges, fused convs and
// in-place concats marked, odd names escaped, deterministic text that `dot` accepts.
#include "ir/builder.h"
#include "ir/dot.h"
#include "ir/verifier.h"
#include "tests/support.h"

#include <fstream>

using namespace sqz;
using namespace sqz::ir;

namespace {

// conv1 -> relu -> fire2 (squeeze, relu, expand1x1 + expand3x3, relus, concat) -> odd-named relu.
Graph fire_graph() {
    GraphBuilder b("tiny_fire");
    auto x = b.input("data", {DType::F32, {3, 17, 17}});
    auto c1 = b.relu("relu_conv1", b.conv("conv1", x, 16, square_window(3, 2)));
    auto s = b.relu("fire2/relu_squeeze1x1", b.conv("fire2/squeeze1x1", c1, 4, square_window(1)));
    auto e1 = b.relu("fire2/relu_expand1x1", b.conv("fire2/expand1x1", s, 8, square_window(1)));
    auto e3 = b.relu("fire2/relu_expand3x3", b.conv("fire2/expand3x3", s, 8, square_window(3, 1, 1)));
    auto cat = b.concat("fire2/concat", {e1, e3});
    b.output(b.relu("a\"b\\c", cat));
    return b.finish();
}

// The same graph as the passes would leave it, built by hand: ReLUs folded into the convs, the
// bypass (conv1's output) added in the expand convs' epilogues, the concat in place, and the two
// expands one fusion group.
Graph fused_fire_graph() {
    Graph g = fire_graph();
    std::vector<Node> kept;
    for (Node& n : g.nodes) {
        if (n.op == OpKind::Relu && n.name != "a\"b\\c") continue;
        for (std::string& in : n.inputs) {
            if (in == "relu_conv1") in = "conv1";
            if (in.compare(0, 10, "fire2/relu") == 0) in = "fire2/" + in.substr(11);
        }
        if (n.op == OpKind::Conv) n.conv().relu = true;
        if (n.name == "fire2/expand1x1" || n.name == "fire2/expand3x3") {
            n.conv().residual = true;
            n.conv().residual_offset = n.name == "fire2/expand1x1" ? 0 : 8;
            n.inputs.push_back("conv1");
            n.group = "fire2/expand";
        }
        if (n.op == OpKind::Concat) n.concat().in_place = true;
        kept.push_back(n);
    }
    g.nodes = kept;
    g.layout = ActivationLayout::NHWC;
    verify(g);
    return g;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Runs `dot -Tsvg` on the text. Without Graphviz, the test records a skip (the rest of it runs).
bool dot_accepts(const std::string& text, const std::string& name) {
    if (test::run_shell("sh -c \"command -v dot\"").exit_code != 0) {
        SQZ_RECORD_SKIP("Graphviz 'dot' is not installed: the DOT text was not checked with dot");
        return true;
    }
    const auto path = test::scratch_dir() / (name + ".dot");
    std::ofstream(path, std::ios::binary) << text;
    const auto svg = test::scratch_dir() / (name + ".svg");
    auto r = test::run_shell("dot -Tsvg -o " + svg.string() + " " + path.string(), 60);
    INFO(r.err);
    CHECK(r.err.empty());
    return r.exit_code == 0 && std::filesystem::file_size(svg) > 0;
}

}  // namespace

TEST_CASE("to_dot draws nodes, shapes on edges, inputs, outputs and Fire clusters", "[ir][dot]") {
    const Graph g = fire_graph();
    const std::string dot = to_dot(g);
    CHECK(dot.rfind("digraph \"tiny_fire\" {\n", 0) == 0);
    CHECK(contains(dot, "label=\"tiny_fire\\nbatch 1, activations NCHW, 852 parameters\""));
    // The input and output are houses; constants are not drawn, their sizes are in the conv label.
    CHECK(contains(dot, "in0 [shape=invhouse fillcolor=\"#a1d99b\" label=\"input data\\n1x3x17x17\"];"));
    CHECK(contains(dot, "out0 [shape=house"));
    CHECK_FALSE(contains(dot, "weight"));
    CHECK(contains(dot, "n0 [label=\"conv1\\nconv 3x3, stride 2, pad 0, out 16\\n448 params\" fillcolor=\"#c6dbef\"];"));
    CHECK(contains(dot, "label=\"fire2/expand3x3\\nconv 3x3, stride 1, pad 1, out 8\\n296 params\""));
    // Edges carry the shape of their value.
    CHECK(contains(dot, "in0 -> n0 [label=\"1x3x17x17\"];"));
    CHECK(contains(dot, "n0 -> n1 [label=\"1x16x8x8\"];"));
    CHECK(contains(dot, "-> out0 [label=\"1x16x8x8\"];"));
    // fire2's nodes, and only they, sit in its cluster.
    const size_t begin = dot.find("  subgraph cluster_fire2 {\n    label=\"fire2\";");
    REQUIRE(begin != std::string::npos);
    const size_t end = dot.find("\n  }\n", begin);
    const std::string cluster = dot.substr(begin, end - begin);
    for (const char* name : {"fire2/squeeze1x1", "fire2/relu_squeeze1x1", "fire2/expand1x1", "fire2/expand3x3",
                             "fire2/concat"})
        CHECK(contains(cluster, std::string("label=\"") + name + "\\n"));
    CHECK_FALSE(contains(cluster, "conv1"));
    // Nothing is marked fused before the passes.
    CHECK_FALSE(contains(dot, "+ReLU"));
    CHECK_FALSE(contains(dot, "in place"));
    CHECK(dot_accepts(dot, "plain"));
}

TEST_CASE("to_dot marks fused convs, residuals, in-place concats and fusion groups", "[ir][dot]") {
    const Graph g = fused_fire_graph();
    const std::string dot = to_dot(g);
    CHECK(contains(dot, "activations NHWC"));
    // A fused conv is filled orange and lists what it absorbed.
    CHECK(contains(dot, "label=\"conv1\\nconv 3x3, stride 2, pad 0, out 16\\n448 params\\n+ReLU\" "
                        "fillcolor=\"#fdae6b\" penwidth=1.5];"));
    CHECK(contains(dot, "label=\"fire2/expand3x3\\nconv 3x3, stride 1, pad 1, out 8\\n296 params\\n+ReLU\\n"
                        "+ residual from conv1 [8, 16)\""));
    // The residual edge is dashed and names its channels.
    CHECK(contains(dot, "n0 -> n3 [label=\"1x16x8x8\\nresidual [8, 16)\" style=dashed"));
    // The in-place concat: dashed border; each producer writes its slice.
    CHECK(contains(dot, "label=\"fire2/concat\\nconcat axis 1\\nin place (no copy)\" style=\"rounded,filled,dashed\""));
    CHECK(contains(dot, "n2 -> n4 [label=\"1x8x8x8\\nwrites into [0, 8)\" penwidth=2"));
    CHECK(contains(dot, "n3 -> n4 [label=\"1x8x8x8\\nwrites into [8, 16)\" penwidth=2"));
    // The fusion group is a cluster nested in the Fire cluster, holding both expands.
    const size_t fire = dot.find("subgraph cluster_fire2 {");
    const size_t group = dot.find("    subgraph cluster_group0 {\n      label=\"fused kernel fire2/expand\"; labeljust=l;");
    REQUIRE(fire != std::string::npos);
    REQUIRE(group != std::string::npos);
    CHECK(fire < group);
    const std::string group_text = dot.substr(group, dot.find("    }\n", group) - group);
    CHECK(contains(group_text, "n2 [label=\"fire2/expand1x1"));
    CHECK(contains(group_text, "n3 [label=\"fire2/expand3x3"));
    CHECK_FALSE(contains(group_text, "squeeze"));
    CHECK(dot_accepts(dot, "fused"));
}

TEST_CASE("to_dot escapes names and is deterministic", "[ir][dot]") {
    CHECK(dot_escape("a\"b\\c") == "a\\\"b\\\\c");
    CHECK(dot_escape("line\nbreak\ttab") == "line\\\\x0Abreak\\\\x09tab");
    CHECK(dot_escape("caf\xC3\xA9 \xE2\x86\x92 ok") == "caf\xC3\xA9 \xE2\x86\x92 ok");  // UTF-8 kept
    CHECK(dot_escape("bad\xFF\xC3") == "bad\\\\xFF\\\\xC3");                            // not UTF-8
    CHECK(dot_escape("\\N \\G") == "\\\\N \\\\G");  // no Graphviz substitutions

    Graph g = fire_graph();
    const std::string dot = to_dot(g);
    CHECK(contains(dot, "label=\"a\\\"b\\\\c\\nrelu\""));
    CHECK(contains(dot, "label=\"output a\\\"b\\\\c\""));
    CHECK(to_dot(g) == dot);
    CHECK(to_dot(Graph(g)) == dot);
    CHECK(to_dot(fused_fire_graph()) == to_dot(fused_fire_graph()));

    // Every odd name survives Graphviz, including in the graph's own name.
    g.name = "model \"x\"\n\\";
    g.nodes[0].name = "conv\n1\x01\xFE";
    for (Node& n : g.nodes)
        for (std::string& in : n.inputs)
            if (in == "conv1") in = g.nodes[0].name;
    verify(g);
    const std::string odd = to_dot(g);
    CHECK(contains(odd, "label=\"conv\\\\x0A1\\\\x01\\\\xFE\\nconv"));
    CHECK(dot_accepts(odd, "odd"));
}
