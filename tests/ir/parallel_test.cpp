// The work queue: every job runs once, on no more threads than asked for, and the first failure
// (by job number) reaches the caller after the running jobs are done.
#include "ir/error.h"
#include "ir/parallel.h"
#include "tests/support.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace sqz;

TEST_CASE("parallel_for_each runs every job once", "[ir][parallel]") {
    for (int threads : {0, 1, 2, 7}) {
        std::vector<std::atomic<int>> runs(100);
        parallel_for_each(runs.size(), threads, [&](size_t i) { ++runs[i]; });
        for (const std::atomic<int>& r : runs) CHECK(r == 1);
    }
    bool called = false;
    parallel_for_each(0, 4, [&](size_t) { called = true; });
    CHECK_FALSE(called);
}

TEST_CASE("parallel_for_each uses at most the threads it is given, the caller among them", "[ir][parallel]") {
    std::mutex mutex;
    std::set<std::thread::id> ids;
    std::atomic<int> running{0}, most{0};
    parallel_for_each(24, 3, [&](size_t) {
        const int now = ++running;
        for (int seen = most; now > seen && !most.compare_exchange_weak(seen, now);) {}
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        --running;
        std::lock_guard<std::mutex> lock(mutex);
        ids.insert(std::this_thread::get_id());
    });
    CHECK(most <= 3);
    CHECK(ids.size() <= 3);
    // One thread: the caller does all the work, in order.
    std::vector<size_t> order;
    const std::thread::id caller = std::this_thread::get_id();
    bool on_caller = true;
    parallel_for_each(5, 1, [&](size_t i) {
        on_caller = on_caller && std::this_thread::get_id() == caller;
        order.push_back(i);
    });
    CHECK(on_caller);
    CHECK(order == std::vector<size_t>{0, 1, 2, 3, 4});
}

TEST_CASE("parallel_for_each rethrows the lowest-numbered failure and starts no jobs after it", "[ir][parallel]") {
    std::atomic<int> started{0};
    // The other jobs take a millisecond each, so the threads see job 3's failure long before they
    // could start them all (with instant jobs, on a busy 2-core machine, three threads ran all 1000
    // while the fourth, descheduled, was still throwing).
    auto failing = [&](size_t i) {
        ++started;
        if (i == 3) throw Error("job 3 failed");
        if (i == 5) throw std::runtime_error("job 5 failed");
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    };
    CHECK_THROWS_WITH(parallel_for_each(1000, 1, failing), "job 3 failed");
    CHECK(started == 4);
    // On several threads the failures keep their type, and far fewer than all jobs start.
    started = 0;
    CHECK_THROWS_AS(parallel_for_each(1000, 4, failing), Error);
    CHECK(started < 1000);
    CHECK_THROWS_AS(parallel_for_each(1000, 2, [](size_t i) { SQZ_ASSERT(i != 0, "job {}", i); }), InternalError);
}

TEST_CASE("hardware_threads is at least one", "[ir][parallel]") { CHECK(hardware_threads() >= 1); }
