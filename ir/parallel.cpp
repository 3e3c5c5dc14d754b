// The work queue (see parallel.h).
#include "ir/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace sqz {

int hardware_threads() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

void parallel_for_each(size_t count, int threads, const std::function<void(size_t)>& job) {
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex mutex;
    size_t failed_index = count;
    std::exception_ptr failure;
    auto work = [&] {
        for (size_t i = next++; i < count && !failed; i = next++) {
            try {
                job(i);
            } catch (...) {
                std::lock_guard<std::mutex> lock(mutex);
                if (i < failed_index) failed_index = i, failure = std::current_exception();
                failed = true;
            }
        }
    };
    const size_t helpers = std::min(static_cast<size_t>(std::max(threads, 1)), count);
    std::vector<std::thread> pool;
    try {
        for (size_t t = 1; t < helpers; ++t) pool.emplace_back(work);
    } catch (const std::system_error&) {
        // No more threads to be had: the ones started (and the caller) do all the jobs.
    }
    work();
    for (std::thread& t : pool) t.join();
    if (failure) std::rethrow_exception(failure);
}

}  // namespace sqz
