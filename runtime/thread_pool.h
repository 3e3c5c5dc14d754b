// A persistent thread pool for parallel loops: `threads` threads in all work on a loop (the caller
// plus threads - 1 workers, created once), so a pool never runs more threads than asked for.
// Workers spin briefly between loops and then sleep, which keeps the start-up cost of the many
// short loops of a network small. Used behind halide_do_par_for by generated code and by the JIT.
// Depends on the C++ standard library only (it is copied into generated packages).
#pragma once

#include "prefix.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace SQZ_PACKAGE::runtime {

class ThreadPool {
public:
    // The signature of a Halide task: returns non-zero on error.
    using Task = int (*)(void* user_context, int index, uint8_t* closure);

    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int threads() const { return static_cast<int>(workers_.size()) + 1; }

    // Runs task(user_context, i, closure) for every i in [min, min + extent), spread over the
    // pool's threads, and returns the first non-zero status (or 0). A loop started from inside a
    // task of this pool runs serially on the calling thread. Calls from different threads are
    // serialised.
    int parallel_for(Task task, void* user_context, int min, int extent, uint8_t* closure);

    // The calling thread's place in this pool, in [0, threads()): k inside a task that the pool's
    // k-th thread runs (the caller is 0), and 0 outside this pool's loops. No two threads have the
    // same index at once while a loop runs, so per-thread memory can be picked by it.
    int thread_index() const;

private:
    static constexpr int kMaxThreads = 64;

    // The index range is cut into one contiguous chunk per thread; thread k works through chunk k
    // first (so consecutive loops over the same range touch the same data on the same core), then
    // helps with the others' chunks.
    struct alignas(64) Chunk {
        std::atomic<int> next{0};
        int end = 0;
    };
    struct Loop {
        Task task = nullptr;
        void* user_context = nullptr;
        uint8_t* closure = nullptr;
        int min = 0;
        int extent = 0;
        int chunks = 0;
        Chunk chunk[kMaxThreads];
        std::atomic<int> done{0};
        std::atomic<int> status{0};
    };

    void worker_main(int index);
    // Runs loop indices, own chunk first, until none are left.
    void work_on(Loop& loop, int home);

    std::vector<std::thread> workers_;
    std::mutex mutex_;                  // pairs with wake_ for sleeping workers
    std::condition_variable wake_;
    std::atomic<Loop*> loop_{nullptr};
    std::atomic<uint64_t> generation_{0};
    std::atomic<int> active_workers_{0};  // workers inside work_on for the current loop
    std::atomic<bool> stop_{false};
    std::mutex caller_mutex_;           // one loop at a time
};

}  // namespace SQZ_PACKAGE::runtime
