// fma_peak: measures this machine's float32 fused multiply-add peak, the ceiling that benchmark
// GFLOP/s figures are compared with. Each thread runs a loop of independent FMAs on 16 vector
// accumulators (more than FMA latency x FMA pipes on any current x86 core, so the pipes never
// wait), using the widest instruction set the CPU has, chosen at run time: AVX-512, AVX2+FMA, or
// SSE multiply+add. One figure per requested thread count (all threads run at once); each is the
// best of several timed repetitions, so a preempted repetition does not lower it.
//
//   fma_peak [--threads 1,2] [--ms 150] [--repeats 5] [--json]
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kAccumulators = 16;

// Every kernel runs `iterations` x 16 FMAs of one vector each and returns a value that depends on
// all accumulators, so the compiler cannot drop any of them. acc = acc * a + b with a just below 1
// converges to b / (1 - a): no overflow, no denormals.
#define SQZ_FMA_BODY(VEC, SET1, FMA, ADD, STORE, LANES)                                   \
    VEC acc[kAccumulators];                                                               \
    for (int k = 0; k < kAccumulators; ++k) acc[k] = SET1(0.001f * static_cast<float>(k)); \
    const VEC a = SET1(0.999999f), b = SET1(1e-6f);                                       \
    for (int64_t i = 0; i < iterations; ++i) {                                            \
        for (int k = 0; k < kAccumulators; ++k) acc[k] = FMA(acc[k], a, b);               \
    }                                                                                     \
    for (int k = 1; k < kAccumulators; ++k) acc[0] = ADD(acc[0], acc[k]);                 \
    float lanes[LANES];                                                                   \
    STORE(lanes, acc[0]);                                                                 \
    float sum = 0;                                                                        \
    for (float v : lanes) sum += v;                                                       \
    return sum;

__attribute__((target("avx512f"))) float kernel_avx512(int64_t iterations) {
    SQZ_FMA_BODY(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, _mm512_storeu_ps, 16)
}

__attribute__((target("avx2,fma"))) float kernel_avx2(int64_t iterations) {
    SQZ_FMA_BODY(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, _mm256_storeu_ps, 8)
}

// No FMA: a multiply and an add count as the same two flops.
inline __m128 mul_add_sse(__m128 x, __m128 a, __m128 b) { return _mm_add_ps(_mm_mul_ps(x, a), b); }
float kernel_sse(int64_t iterations) {
    SQZ_FMA_BODY(__m128, _mm_set1_ps, mul_add_sse, _mm_add_ps, _mm_storeu_ps, 4)
}

struct Isa {
    const char* name;
    int lanes;
    float (*kernel)(int64_t);
};

Isa best_isa() {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return {"avx512f", 16, kernel_avx512};
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {"avx2-fma", 8, kernel_avx2};
    return {"sse", 4, kernel_sse};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// GFLOP/s of `threads` threads each running `iterations` loop trips at once (wall time of all).
double measure(const Isa& isa, int threads, int64_t iterations) {
    std::atomic<int> arrived{0};
    std::atomic<bool> go{false};
    std::vector<float> sinks(static_cast<size_t>(threads));
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            ++arrived;
            while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
            sinks[static_cast<size_t>(t)] = isa.kernel(iterations);
        });
    }
    while (arrived.load() < threads) std::this_thread::yield();
    const auto start = std::chrono::steady_clock::now();
    go.store(true, std::memory_order_release);
    for (std::thread& w : workers) w.join();
    const double elapsed = seconds_since(start);
    volatile float sink = 0;
    for (float s : sinks) sink = sink + s;
    const double flops = 2.0 * isa.lanes * kAccumulators * static_cast<double>(iterations) * threads;
    return flops / elapsed / 1e9;
}

// Loop trips that take about `ms` milliseconds on one thread.
int64_t calibrate(const Isa& isa, double ms) {
    int64_t iterations = 1 << 16;
    for (;;) {
        const auto start = std::chrono::steady_clock::now();
        volatile float sink = isa.kernel(iterations);
        (void)sink;
        const double elapsed = seconds_since(start);
        if (elapsed * 1000 > ms / 4 || iterations > (int64_t{1} << 40))
            return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(iterations) * ms / (elapsed * 1000)));
        iterations *= 4;
    }
}

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr, "fma_peak: error: %s\nusage: fma_peak [--threads 1,2] [--ms 150] [--repeats 5] [--json]\n",
                 message.c_str());
    std::exit(2);
}

int parse_int(const std::string& option, const std::string& text, int lo, int hi) {
    char* end = nullptr;
    const long v = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || v < lo || v > hi)
        usage_error(option + " " + text + ": expected a whole number in [" + std::to_string(lo) + ", " +
                    std::to_string(hi) + "]");
    return static_cast<int>(v);
}

std::vector<int> parse_list(const std::string& text) {
    std::vector<int> out;
    size_t pos = 0;
    while (pos <= text.size()) {
        const size_t comma = std::min(text.find(',', pos), text.size());
        out.push_back(parse_int("--threads", text.substr(pos, comma - pos), 1, 256));
        pos = comma + 1;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<int> thread_counts = {1, static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))};
    int ms = 150, repeats = 5;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage_error(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--threads") thread_counts = parse_list(value());
        else if (arg == "--ms") ms = parse_int(arg, value(), 1, 100000);
        else if (arg == "--repeats") repeats = parse_int(arg, value(), 1, 1000);
        else if (arg == "--json") json = true;
        else if (arg == "--help" || arg == "-h") usage_error("help requested");
        else usage_error("unknown argument '" + arg + "'");
    }
    thread_counts.erase(std::unique(thread_counts.begin(), thread_counts.end()), thread_counts.end());

    const Isa isa = best_isa();
    const int64_t iterations = calibrate(isa, ms);
    std::string rows;
    for (int threads : thread_counts) {
        double best = 0;
        for (int r = 0; r < repeats; ++r) best = std::max(best, measure(isa, threads, iterations));
        if (json) {
            rows += (rows.empty() ? "" : ", ") + std::string("{\"threads\": ") + std::to_string(threads) +
                    ", \"gflops\": " + std::to_string(best) + "}";
        } else {
            std::printf("%d thread%s  %8.1f GFLOP/s\n", threads, threads == 1 ? " " : "s", best);
        }
    }
    if (json)
        std::printf("{\"isa\": \"%s\", \"vector_lanes\": %d, \"accumulators\": %d, \"peak\": [%s]}\n", isa.name,
                    isa.lanes, kAccumulators, rows.c_str());
    else
        std::printf("(%s, %d lanes, %d accumulators per thread)\n", isa.name, isa.lanes, kAccumulators);
    return 0;
}
