// Per-thread stacks for the JIT's allocations inside kernels (see thread_stacks.h).
#include "codegen/thread_stacks.h"

#include "ir/error.h"

#include <new>

namespace sqz::codegen {
namespace {

// Bytes a block of `bytes` takes, as in the arena: the slack Halide may read past a buffer's end,
// rounded up so that the next block starts aligned.
size_t footprint(size_t bytes) { return runtime::arena_round_up(bytes + runtime::Arena::kSlack); }

}  // namespace

void ThreadStacks::reset(int threads, size_t bytes) {
    for (const Stack& s : stacks_) SQZ_ASSERT(s.blocks.empty(), "thread stacks reset while a block is in use");
    stacks_.clear();
    if (bytes == 0) return;
    stacks_.resize(static_cast<size_t>(threads));
    for (Stack& s : stacks_) {
        s.capacity = footprint(bytes);
        s.memory.reset(static_cast<unsigned char*>(std::aligned_alloc(kAlignment, s.capacity)));
        if (!s.memory) throw std::bad_alloc();
        s.blocks.reserve(32);  // nesting is shallow: no growth while kernels run
    }
}

void* ThreadStacks::allocate(int thread, size_t bytes) {
    if (thread < 0 || thread >= threads()) return nullptr;
    Stack& s = stacks_[static_cast<size_t>(thread)];
    const size_t size = footprint(bytes);
    if (size > s.capacity - s.top) return nullptr;
    s.blocks.push_back({s.top, false});
    void* p = s.memory.get() + s.top;
    s.top += size;
    return p;
}

bool ThreadStacks::free(void* p) {
    auto* q = static_cast<unsigned char*>(p);
    for (Stack& s : stacks_) {
        unsigned char* base = s.memory.get();
        if (q < base || q >= base + s.capacity) continue;
        const size_t offset = static_cast<size_t>(q - base);
        for (auto b = s.blocks.rbegin(); b != s.blocks.rend(); ++b) {
            if (b->offset != offset || b->freed) continue;
            b->freed = true;
            while (!s.blocks.empty() && s.blocks.back().freed) {
                s.top = s.blocks.back().offset;
                s.blocks.pop_back();
            }
            return true;
        }
        // Freed twice, or never handed out: counted, as this is called from inside a kernel, where
        // an exception cannot pass.
        ++s.bad_frees;
        return true;
    }
    return false;
}

int ThreadStacks::bad_frees() const {
    int n = 0;
    for (const Stack& s : stacks_) n += s.bad_frees;
    return n;
}

size_t ThreadStacks::in_use(int thread) const {
    return thread >= 0 && thread < threads() ? stacks_[static_cast<size_t>(thread)].top : 0;
}

}  // namespace sqz::codegen
