// The runtime's thread pool: every index runs exactly once, errors propagate, nested loops run
// serially, and the pool never uses more threads than it was given.
#include "runtime/thread_pool.h"
#include "tests/support.h"

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

using sqz::runtime::ThreadPool;

namespace {

struct Probe {
    std::vector<std::atomic<int>> hits;
    std::mutex mutex;
    std::set<std::thread::id> threads;
    ThreadPool* pool = nullptr;
    int fail_at = -1;
    explicit Probe(size_t n) : hits(n) {}
};

int record(void* ctx, int i, uint8_t*) {
    auto* p = static_cast<Probe*>(ctx);
    p->hits[static_cast<size_t>(i)].fetch_add(1);
    {
        std::lock_guard<std::mutex> lock(p->mutex);
        p->threads.insert(std::this_thread::get_id());
    }
    // Enough work that several threads get a share.
    volatile double x = 0;
    for (int k = 0; k < 20000; ++k) x = x + k * 0.5;
    return i == p->fail_at ? 7 : 0;
}

int nested(void* ctx, int i, uint8_t* closure) {
    auto* p = static_cast<Probe*>(ctx);
    return p->pool->parallel_for(record, ctx, i * 10, 10, closure);
}

}  // namespace

TEST_CASE("parallel_for runs every index once, on at most the pool's threads", "[runtime][pool]") {
    for (int threads : {1, 2, 4}) {
        ThreadPool pool(threads);
        CHECK(pool.threads() == threads);
        for (int round = 0; round < 50; ++round) {
            Probe probe(300);
            CHECK(pool.parallel_for(record, &probe, 0, 300, nullptr) == 0);
            for (auto& h : probe.hits) REQUIRE(h.load() == 1);
            CHECK(probe.threads.size() <= static_cast<size_t>(threads));
        }
    }
}

TEST_CASE("parallel_for returns a task's error and handles an offset range", "[runtime][pool]") {
    ThreadPool pool(3);
    Probe probe(100);
    probe.fail_at = 57;
    CHECK(pool.parallel_for(record, &probe, 40, 60, nullptr) == 7);
    for (int i = 0; i < 40; ++i) CHECK(probe.hits[static_cast<size_t>(i)].load() == 0);
    for (int i = 40; i < 100; ++i) CHECK(probe.hits[static_cast<size_t>(i)].load() == 1);
    CHECK(pool.parallel_for(record, &probe, 0, 0, nullptr) == 0);
}

TEST_CASE("a loop started inside a task runs serially on that thread", "[runtime][pool]") {
    ThreadPool pool(2);
    Probe probe(100);
    probe.pool = &pool;
    CHECK(pool.parallel_for(nested, &probe, 0, 10, nullptr) == 0);
    for (auto& h : probe.hits) CHECK(h.load() == 1);
}

TEST_CASE("loops from several caller threads are serialised safely", "[runtime][pool]") {
    ThreadPool pool(2);
    std::vector<std::thread> callers;
    std::atomic<int> failures{0};
    for (int t = 0; t < 4; ++t)
        callers.emplace_back([&] {
            for (int round = 0; round < 20; ++round) {
                Probe probe(64);
                if (pool.parallel_for(record, &probe, 0, 64, nullptr) != 0) failures++;
                for (auto& h : probe.hits)
                    if (h.load() != 1) failures++;
            }
        });
    for (auto& c : callers) c.join();
    CHECK(failures.load() == 0);
}

namespace {

struct Indices {
    ThreadPool* pool = nullptr;
    std::vector<std::atomic<int>> busy;  // per thread index: tasks running with it right now
    std::atomic<int> clashes{0}, out_of_range{0};
    std::mutex mutex;
    std::set<std::pair<std::thread::id, int>> seen;  // (thread, index) pairs
    explicit Indices(size_t threads) : busy(threads) {}
};

int note_index(void* ctx, int, uint8_t*) {
    auto* p = static_cast<Indices*>(ctx);
    const int k = p->pool->thread_index();
    if (k < 0 || k >= p->pool->threads()) {
        p->out_of_range.fetch_add(1);
        return 0;
    }
    if (p->busy[static_cast<size_t>(k)].fetch_add(1) != 0) p->clashes.fetch_add(1);
    volatile double x = 0;
    for (int i = 0; i < 20000; ++i) x = x + i * 0.5;
    p->busy[static_cast<size_t>(k)].fetch_sub(1);
    std::lock_guard<std::mutex> lock(p->mutex);
    p->seen.insert({std::this_thread::get_id(), k});
    return 0;
}

}  // namespace

TEST_CASE("thread_index gives each thread of a loop its own index, and the caller 0", "[runtime][pool]") {
    ThreadPool pool(3);
    CHECK(pool.thread_index() == 0);
    Indices probe(3);
    probe.pool = &pool;
    for (int round = 0; round < 20; ++round) REQUIRE(pool.parallel_for(note_index, &probe, 0, 200, nullptr) == 0);
    CHECK(probe.clashes.load() == 0);
    CHECK(probe.out_of_range.load() == 0);
    // One index per OS thread, the calling thread's being 0.
    std::set<std::thread::id> threads;
    for (const auto& [thread, index] : probe.seen) {
        CHECK(threads.insert(thread).second);
        if (thread == std::this_thread::get_id()) CHECK(index == 0);
    }
    CHECK(threads.size() >= 2);
    CHECK(pool.thread_index() == 0);
    // Another pool's worker is its caller: 0 there too.
    ThreadPool other(2);
    CHECK(other.thread_index() == 0);
}
