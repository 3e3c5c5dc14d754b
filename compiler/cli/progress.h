// A progress indication for slow steps: if the step takes more than a second, says so on stderr
// and keeps the user informed every few seconds until it ends.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace sqz::cli {

class Progress {
public:
    explicit Progress(std::string what);
    ~Progress();  // ends the indication ("... done in 12.3 s" if anything was printed)

private:
    std::string what_;
    std::chrono::steady_clock::time_point start_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    bool printed_ = false;
    std::thread thread_;
};

}  // namespace sqz::cli
