// Progress indication (see progress.h).
#include "compiler/cli/progress.h"

#include <fmt/format.h>

namespace sqz::cli {

Progress::Progress(std::string what) : what_(std::move(what)), start_(std::chrono::steady_clock::now()) {
    thread_ = std::thread([this] {
        std::unique_lock<std::mutex> lock(mutex_);
        auto next = start_ + std::chrono::seconds(1);
        while (!cv_.wait_until(lock, next, [this] { return done_; })) {
            double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
            fmt::print(stderr, "{}{}... {:.0f} s\n", printed_ ? "still " : "", what_, s);
            std::fflush(stderr);
            printed_ = true;
            next += std::chrono::seconds(5);
        }
    });
}

Progress::~Progress() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        done_ = true;
    }
    cv_.notify_one();
    thread_.join();
    if (printed_) {
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        fmt::print(stderr, "{}: done in {:.1f} s\n", what_, s);
    }
}

}  // namespace sqz::cli
