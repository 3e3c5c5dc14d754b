// The lowering pass that renumbers Halide's counter-numbered names (see counter_names_pass.h).
#include "codegen/counter_names_pass.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>

namespace sqz::codegen {
namespace {

class RenumberCounterNames : public Halide::Internal::IRMutator {
public:
    // Halide hands the pass the whole lowered statement first; its buffer names are collected then.
    Halide::Internal::Stmt mutate(const Halide::Internal::Stmt& s) override {
        if (!started_) {
            started_ = true;
            BufferNames buffers;
            s.accept(&buffers);
            buffers_ = std::move(buffers.names);
        }
        return IRMutator::mutate(s);
    }
    using IRMutator::mutate;

private:
    // Names that also name buffers, functions or realizations: kept (renaming them would need
    // every node that refers to them, and Halide does not number those from its counter).
    struct BufferNames : Halide::Internal::IRVisitor {
        std::set<std::string> names;
        using IRVisitor::visit;
        void visit(const Halide::Internal::Load* op) override { names.insert(op->name), IRVisitor::visit(op); }
        void visit(const Halide::Internal::Store* op) override { names.insert(op->name), IRVisitor::visit(op); }
        void visit(const Halide::Internal::Call* op) override { names.insert(op->name), IRVisitor::visit(op); }
        void visit(const Halide::Internal::Allocate* op) override { names.insert(op->name), IRVisitor::visit(op); }
        void visit(const Halide::Internal::Free* op) override { names.insert(op->name), IRVisitor::visit(op); }
        void visit(const Halide::Internal::Realize* op) override { names.insert(op->name), IRVisitor::visit(op); }
        void visit(const Halide::Internal::Provide* op) override { names.insert(op->name), IRVisitor::visit(op); }
        void visit(const Halide::Internal::ProducerConsumer* op) override { names.insert(op->name), IRVisitor::visit(op); }
        void visit(const Halide::Internal::Prefetch* op) override { names.insert(op->name), IRVisitor::visit(op); }
    };

    static bool counter_numbered(const std::string& name) {
        return name.size() > 1 && std::isalpha(static_cast<unsigned char>(name[0])) &&
               std::all_of(name.begin() + 1, name.end(), [](char c) { return c >= '0' && c <= '9'; });
    }
    // The new name of a name bound here, or the name itself when it is kept.
    std::string bind(const std::string& name) {
        if (!counter_numbered(name) || buffers_.count(name)) return name;
        auto [it, is_new] = renamed_.emplace(name, "");
        if (is_new) it->second = fmt::format("sqzT{}", renamed_.size() - 1);
        return it->second;
    }

    Halide::Expr visit(const Halide::Internal::Variable* op) override {
        const auto it = renamed_.find(op->name);
        if (it == renamed_.end()) return op;
        return Halide::Internal::Variable::make(op->type, it->second, op->image, op->param, op->reduction_domain);
    }
    Halide::Expr visit(const Halide::Internal::Let* op) override {
        const std::string name = bind(op->name);
        Halide::Expr value = mutate(op->value);
        return Halide::Internal::Let::make(name, std::move(value), mutate(op->body));
    }
    Halide::Internal::Stmt visit(const Halide::Internal::LetStmt* op) override {
        const std::string name = bind(op->name);
        Halide::Expr value = mutate(op->value);
        return Halide::Internal::LetStmt::make(name, std::move(value), mutate(op->body));
    }
    Halide::Internal::Stmt visit(const Halide::Internal::For* op) override {
        const std::string name = bind(op->name);
        Halide::Expr min = mutate(op->min);
        Halide::Expr extent = mutate(op->extent);
        return Halide::Internal::For::make(name, std::move(min), std::move(extent), op->for_type, op->device_api,
                                           mutate(op->body));
    }

    bool started_ = false;
    std::set<std::string> buffers_;
    std::map<std::string, std::string> renamed_;
};

}  // namespace

std::unique_ptr<Halide::Internal::IRMutator> counter_names_pass() { return std::make_unique<RenumberCounterNames>(); }

}  // namespace sqz::codegen
