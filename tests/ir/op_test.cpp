// The operator table: one entry per OpKind (checked at compile time, see op.h), names that parse
// back to their op, and input counts that make sense.
#include "ir/op.h"
#include "tests/support.h"

#include <set>
#include <string>

using namespace sqz::ir;

TEST_CASE("every operator has a name that parses back to it", "[ir][op]") {
    std::set<std::string_view> names;
    for (size_t i = 0; i < kOpCount; ++i) {
        const auto op = static_cast<OpKind>(i);
        const OpInfo& info = op_info(op);
        INFO("op " << i << " '" << info.name << "'");
        CHECK(info.kind == op);
        CHECK_FALSE(info.name.empty());
        CHECK(parse_op(info.name) == op);
        CHECK(info.min_inputs >= 1);
        CHECK((info.max_inputs == -1 || info.max_inputs >= info.min_inputs));
        names.insert(info.name);
    }
    CHECK(names.size() == kOpCount);
    CHECK_FALSE(parse_op("count").has_value());
    CHECK_FALSE(parse_op("").has_value());
}

namespace {

struct Entry {
    OpKind op;
    int payload;
};

}  // namespace

TEST_CASE("lists_every_op_in_order refuses tables out of order or short", "[ir][op]") {
    // A complete table in order passes: kOps (op.cpp) and kLowerers (codegen/lower_graph.cpp) say so
    // when they compile.
    constexpr Entry swapped[] = {{OpKind::Relu, 0},    {OpKind::Conv, 1},    {OpKind::MaxPool, 2},
                                 {OpKind::AvgPool, 3}, {OpKind::GlobalAvgPool, 4}, {OpKind::Concat, 5},
                                 {OpKind::Add, 6},     {OpKind::Dropout, 7}, {OpKind::Softmax, 8},
                                 {OpKind::Flatten, 9}, {OpKind::Reshape, 10}, {OpKind::Identity, 11}};
    static_assert(!lists_every_op_in_order(swapped, &Entry::op));
    constexpr Entry short_table[] = {{OpKind::Conv, 0}, {OpKind::Relu, 1}};
    static_assert(!lists_every_op_in_order(short_table, &Entry::op));
    SUCCEED("checked at compile time");
}
