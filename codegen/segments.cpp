// Segment planning (see segments.h).
#include "codegen/segments.h"

#include <map>
#include <set>

namespace sqz::codegen {

SegmentPlan plan_segments(const ir::Graph& graph, int convs_per_segment) {
    // Last node index that reads each value (graph outputs count as read at the end).
    std::map<std::string, size_t> last_use;
    for (size_t i = 0; i < graph.nodes.size(); ++i)
        for (const std::string& in : graph.nodes[i].inputs) last_use[in] = i;
    for (const std::string& out : graph.outputs) last_use[out] = graph.nodes.size();

    SegmentPlan plan;
    std::vector<size_t> current;
    std::set<std::string> live;  // values defined so far that are still read later
    int convs = 0;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        const ir::Node& node = graph.nodes[i];
        current.push_back(i);
        if (node.op == ir::OpKind::Conv) ++convs;
        for (const std::string& in : node.inputs)
            if (last_use[in] == i) live.erase(in);
        if (last_use.count(node.name) && last_use[node.name] > i) live.insert(node.name);
        // Graph inputs stay live while read; they are not produced by a segment, so they do not count.
        const bool last = i + 1 == graph.nodes.size();
        // Prefer cuts where one value is live (between Fire modules); accept up to three live values
        // when a segment has grown to twice its budget without such a point.
        const bool cut = convs_per_segment < 0 ||
                         (convs_per_segment > 0 && ((convs >= convs_per_segment && live.size() <= 1) ||
                                                    (convs >= 2 * convs_per_segment && live.size() <= 3)));
        if (!last && cut) {
            plan.segments.push_back(current);
            current.clear();
            convs = 0;
        }
    }
    if (!current.empty()) plan.segments.push_back(current);
    return plan;
}

}  // namespace sqz::codegen
