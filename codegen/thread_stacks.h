// Per-thread memory for the blocks Halide's JIT kernels allocate while they run. Halide's LLVM
// backend keeps a constant-sized allocation on the stack only up to 16 KB and asks halide_malloc
// for anything larger, even when the schedule says MemoryType::Stack: a Winograd F4 conv's block
// of products (32 KB at 27x27 and 55x55) once per task. The C++ backend of the packages keeps such
// blocks on the thread's real stack. From one shared, locked first-fit arena a task could get the
// block the other thread had just written (a read from the other core's cache costs 6-8x a local
// one on the project's VM); here each thread of the pool has a stack of its own, so a block comes
// back to the thread, and core, that used it last, without a lock, as in a package.
//
// Blocks are handed out last in, first out; a block freed below the top is released with the top.
// Stack k is used only by the thread that is k-th in the model's pool (ThreadPool::thread_index);
// a model runs one inference at a time, so no two threads share a stack.
#pragma once

#include "runtime/arena.h"

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <vector>

namespace sqz::codegen {

class ThreadStacks {
public:
    static constexpr size_t kAlignment = runtime::Arena::kAlignment;

    // `threads` stacks of `bytes` each (zero bytes: no stacks); only while nothing is allocated.
    void reset(int threads, size_t bytes);

    // A block of `bytes`, aligned and with room for Halide's over-reads as the arena's are
    // (runtime/arena.h), from stack `thread`, or nullptr when that stack is full or there is none.
    void* allocate(int thread, size_t bytes);
    // Frees a block from any of the stacks; false if `p` is not in one. A pointer inside a stack
    // that is not a block in use is counted in bad_frees() and otherwise ignored.
    bool free(void* p);
    int bad_frees() const;

    int threads() const { return static_cast<int>(stacks_.size()); }
    size_t in_use(int thread) const;

private:
    struct Block {
        size_t offset;
        bool freed;
    };
    struct Stack {
        std::unique_ptr<unsigned char, void (*)(void*)> memory{nullptr, std::free};  // aligned
        size_t capacity = 0;
        size_t top = 0;
        std::vector<Block> blocks;
        int bad_frees = 0;
    };
    std::vector<Stack> stacks_;
};

}  // namespace sqz::codegen
