// The persistent thread pool (see thread_pool.h).
//
// A loop is published by storing it in loop_ and bumping generation_. Workers notice the new
// generation (spinning for a short while after each loop, else woken through the condition
// variable), take indices from the loop's atomic counter, and count finished indices in `done`.
// The caller works too and then waits until every index is done and no worker still holds a
// reference to the loop, so the Loop object can live on the caller's stack.
#include "thread_pool.h"

#include <algorithm>
#include <chrono>

namespace SQZ_PACKAGE::runtime {
namespace {

thread_local const ThreadPool* t_current_pool = nullptr;
thread_local int t_current_index = 0;  // the thread's index in t_current_pool

// Iterations a worker spins on the generation counter before sleeping (~50-100 us).
constexpr int kSpinIterations = 20000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

}  // namespace

ThreadPool::ThreadPool(int threads) {
    if (threads < 1) threads = 1;
    if (threads > kMaxThreads) threads = kMaxThreads;
    workers_.reserve(static_cast<size_t>(threads - 1));
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { worker_main(i); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_.store(true);
        generation_.fetch_add(1);
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
}

void ThreadPool::work_on(Loop& loop, int home) {
    const ThreadPool* outer = t_current_pool;
    const int outer_index = t_current_index;
    t_current_pool = this;
    t_current_index = home;
    for (int k = 0; k < loop.chunks; ++k) {
        Chunk& chunk = loop.chunk[(home + k) % loop.chunks];
        for (;;) {
            const int i = chunk.next.fetch_add(1, std::memory_order_relaxed);
            if (i >= chunk.end) break;
            const int status = loop.task(loop.user_context, loop.min + i, loop.closure);
            if (status != 0) {
                int expected = 0;
                loop.status.compare_exchange_strong(expected, status);
            }
            loop.done.fetch_add(1, std::memory_order_acq_rel);
        }
    }
    t_current_pool = outer;
    t_current_index = outer_index;
}

int ThreadPool::thread_index() const { return t_current_pool == this ? t_current_index : 0; }

void ThreadPool::worker_main(int index) {
    uint64_t seen = generation_.load();
    for (;;) {
        // Spin a while for the next loop, then sleep.
        int spins = 0;
        while (generation_.load(std::memory_order_acquire) == seen && !stop_.load() && spins < kSpinIterations) {
            cpu_relax();
            ++spins;
        }
        if (generation_.load(std::memory_order_acquire) == seen) {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return generation_.load() != seen || stop_.load(); });
        }
        seen = generation_.load(std::memory_order_acquire);
        if (stop_.load()) return;
        // Sequentially consistent with the caller's clear-then-check in parallel_for: either the
        // caller sees this worker as active, or this worker sees no loop.
        active_workers_.fetch_add(1);
        Loop* loop = loop_.load();
        if (loop != nullptr) work_on(*loop, index);
        active_workers_.fetch_sub(1);
    }
}

int ThreadPool::parallel_for(Task task, void* user_context, int min, int extent, uint8_t* closure) {
    if (extent <= 0) return 0;
    if (workers_.empty() || extent == 1 || t_current_pool == this) {
        for (int i = min; i < min + extent; ++i)
            if (int status = task(user_context, i, closure)) return status;
        return 0;
    }
    std::lock_guard<std::mutex> caller_lock(caller_mutex_);
    Loop loop;
    loop.task = task;
    loop.user_context = user_context;
    loop.closure = closure;
    loop.min = min;
    loop.extent = extent;
    loop.chunks = std::min(threads(), extent);
    for (int k = 0; k < loop.chunks; ++k) {
        loop.chunk[k].next.store(static_cast<int>(static_cast<int64_t>(extent) * k / loop.chunks), std::memory_order_relaxed);
        loop.chunk[k].end = static_cast<int>(static_cast<int64_t>(extent) * (k + 1) / loop.chunks);
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        loop_.store(&loop);
        generation_.fetch_add(1);
    }
    wake_.notify_all();
    work_on(loop, 0);
    // Wait for every index, then for every worker to let go of `loop`.
    while (loop.done.load(std::memory_order_acquire) < extent) cpu_relax();
    loop_.store(nullptr);
    while (active_workers_.load() != 0) cpu_relax();
    return loop.status.load();
}

}  // namespace SQZ_PACKAGE::runtime
