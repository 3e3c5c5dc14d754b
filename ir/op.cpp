// The operator table (see op.h).
#include "ir/op.h"

#include "ir/error.h"

namespace sqz::ir {
namespace {

constexpr OpInfo kOps[] = {
    {OpKind::Conv, "conv", 2, 4, AttrKind::Conv},
    {OpKind::Relu, "relu", 1, 1, AttrKind::None},
    {OpKind::MaxPool, "maxpool", 1, 1, AttrKind::Pool},
    {OpKind::AvgPool, "avgpool", 1, 1, AttrKind::Pool},
    {OpKind::GlobalAvgPool, "global_avgpool", 1, 1, AttrKind::None},
    {OpKind::Concat, "concat", 1, -1, AttrKind::Concat},
    {OpKind::Add, "add", 2, 2, AttrKind::None},
    {OpKind::Dropout, "dropout", 1, 1, AttrKind::None},
    {OpKind::Softmax, "softmax", 1, 1, AttrKind::Softmax},
    {OpKind::Flatten, "flatten", 1, 1, AttrKind::None},
    {OpKind::Reshape, "reshape", 1, 1, AttrKind::Reshape},
    {OpKind::Identity, "identity", 1, 1, AttrKind::None},
};
static_assert(lists_every_op_in_order(kOps, &OpInfo::kind), "kOps needs one entry per OpKind, in order");

}  // namespace

const OpInfo& op_info(OpKind kind) {
    const auto index = static_cast<size_t>(kind);
    SQZ_ASSERT(index < kOpCount, "no operator has the number {}", index);
    return kOps[index];
}

std::optional<OpKind> parse_op(std::string_view name) {
    for (const OpInfo& info : kOps)
        if (info.name == name) return info.kind;
    return std::nullopt;
}

}  // namespace sqz::ir
