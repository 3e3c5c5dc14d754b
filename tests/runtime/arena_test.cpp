// The runtime's arena: aligned first-fit blocks, coalescing, exhaustion and its statistics.
#include "runtime/arena.h"
#include "tests/support.h"

#include <cstring>
#include <random>

using sqz::runtime::Arena;

TEST_CASE("arena blocks are aligned, disjoint and reused after free", "[runtime][arena]") {
    std::vector<unsigned char> memory(64 * 1024 + 100);
    Arena arena(memory.data() + 3, 64 * 1024);  // deliberately misaligned region
    void* a = arena.allocate(100);
    void* b = arena.allocate(5000);
    void* c = arena.allocate(1);
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(c);
    for (void* p : {a, b, c}) CHECK(reinterpret_cast<uintptr_t>(p) % Arena::kAlignment == 0);
    CHECK(static_cast<unsigned char*>(b) >= static_cast<unsigned char*>(a) + 100);
    CHECK(static_cast<unsigned char*>(c) >= static_cast<unsigned char*>(b) + 5000);
    CHECK(arena.in_use_bytes() == 128 + 5056 + 64);
    CHECK(arena.free(b));
    void* d = arena.allocate(4000);  // fits in b's hole
    CHECK(d == b);
    CHECK(arena.free(a));
    CHECK(arena.free(c));
    CHECK(arena.free(d));
    CHECK(arena.in_use_bytes() == 0);
    // Everything coalesced: one block as large as the arena fits again.
    void* all = arena.allocate(arena.capacity());
    CHECK(all != nullptr);
    CHECK(arena.free(all));
    CHECK_FALSE(arena.free(memory.data()));  // not an arena block
    int outside = 0;
    CHECK_FALSE(arena.free(&outside));
}

TEST_CASE("arena refuses what does not fit and tracks peak and high water", "[runtime][arena]") {
    std::vector<unsigned char> memory(4096 + 256);
    Arena arena(memory.data(), 4096 + 128);
    CHECK(arena.allocate(arena.capacity() + 1) == nullptr);
    void* a = arena.allocate(1000);
    void* b = arena.allocate(1000);
    CHECK(arena.peak_bytes() == 2048);
    arena.free(a);
    arena.free(b);
    CHECK(arena.high_water() == 2048);
    CHECK(arena.peak_bytes() == 2048);
}

TEST_CASE("arena survives random allocate/free sequences without overlap", "[runtime][arena]") {
    std::vector<unsigned char> memory(1 << 20);
    Arena arena(memory.data(), memory.size());
    std::mt19937 rng(4);
    std::vector<std::pair<unsigned char*, size_t>> live;
    for (int step = 0; step < 5000; ++step) {
        if (live.empty() || rng() % 3 != 0) {
            size_t size = 1 + rng() % 20000;
            auto* p = static_cast<unsigned char*>(arena.allocate(size));
            if (!p) continue;
            std::memset(p, static_cast<int>(live.size() & 0xff), size);
            for (auto& [q, n] : live) REQUIRE((p + size <= q || q + n <= p));
            live.emplace_back(p, size);
        } else {
            size_t i = rng() % live.size();
            REQUIRE(arena.free(live[i].first));
            live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
        }
    }
    for (auto& [p, n] : live) arena.free(p);
    CHECK(arena.in_use_bytes() == 0);
}
