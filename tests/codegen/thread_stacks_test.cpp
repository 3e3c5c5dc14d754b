// The JIT's per-thread stacks for allocations inside kernels: blocks come back last in, first
// out, to the thread that freed them; out-of-order frees; full stacks; bad frees are counted.
#include "codegen/thread_stacks.h"
#include "tests/support.h"

#include <cstdint>
#include <cstring>

using sqz::codegen::ThreadStacks;

namespace {

bool aligned(const void* p) { return reinterpret_cast<uintptr_t>(p) % ThreadStacks::kAlignment == 0; }

}  // namespace

TEST_CASE("a thread stack hands back the block it last freed", "[codegen][thread-stacks]") {
    ThreadStacks stacks;
    stacks.reset(2, 64 * 1024);
    REQUIRE(stacks.threads() == 2);
    void* a = stacks.allocate(0, 18 * 1024);
    void* b = stacks.allocate(1, 18 * 1024);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(aligned(a));
    CHECK(aligned(b));
    CHECK(a != b);
    std::memset(a, 1, 18 * 1024);  // the whole block is usable
    std::memset(b, 2, 18 * 1024);
    CHECK(stacks.free(b));
    CHECK(stacks.free(a));
    CHECK(stacks.in_use(0) == 0);
    // Each thread gets its own block again, whatever order they come in.
    CHECK(stacks.allocate(1, 18 * 1024) == b);
    CHECK(stacks.allocate(0, 18 * 1024) == a);
    CHECK(stacks.free(a));
    CHECK(stacks.free(b));
    CHECK(stacks.bad_frees() == 0);
}

TEST_CASE("nested blocks, freed in any order, release the stack when the top is free", "[codegen][thread-stacks]") {
    ThreadStacks stacks;
    stacks.reset(1, 4096);
    void* outer = stacks.allocate(0, 100);
    void* inner = stacks.allocate(0, 200);
    REQUIRE(outer);
    REQUIRE(inner);
    CHECK(aligned(inner));
    CHECK(static_cast<char*>(inner) >= static_cast<char*>(outer) + 100);
    const size_t both = stacks.in_use(0);
    CHECK(stacks.free(outer));  // below the top: kept until the top goes
    CHECK(stacks.in_use(0) == both);
    CHECK(stacks.free(inner));
    CHECK(stacks.in_use(0) == 0);
    CHECK(stacks.allocate(0, 50) == outer);
    CHECK(stacks.free(outer));
    CHECK(stacks.bad_frees() == 0);
}

TEST_CASE("a full stack, an unknown pointer and a double free", "[codegen][thread-stacks]") {
    ThreadStacks stacks;
    stacks.reset(2, 1024);
    void* a = stacks.allocate(0, 1024);
    REQUIRE(a);
    CHECK(stacks.allocate(0, 1024) == nullptr);  // full: the caller falls back to its arena
    CHECK(stacks.allocate(2, 16) == nullptr);    // no such thread
    CHECK(stacks.allocate(-1, 16) == nullptr);
    int elsewhere = 0;
    CHECK_FALSE(stacks.free(&elsewhere));
    CHECK(stacks.free(a));
    CHECK(stacks.free(a));  // inside the stack, but not handed out: counted
    CHECK(stacks.bad_frees() == 1);

    ThreadStacks none;
    none.reset(2, 0);
    CHECK(none.threads() == 0);
    CHECK(none.allocate(0, 16) == nullptr);
    CHECK_FALSE(none.free(&elsewhere));
}
