// Times SqueezeNet's 3x3 expand convolutions alone with each algorithm (direct, Winograd F2, F4,
// F6) on the JIT, one thread, with their weights warm from the run before (the cost model of
// choose-conv-algorithm is fitted to the layers inside their models instead, by
// bench/algorithm-times; docs/performance.md); then each algorithm's error on each
// layer against the float64 reference interpreter (max |a-b| / max |ref| over the conv's output,
// seeded random weights and inputs).
//
//   build/bench/conv_layers [--runs N] [CIN:SIZE:COUT ...]
//
// Each layer runs inside a one-node model (a 1x1 conv feeding it, then a global pool); the model
// without the 3x3 conv is timed too and subtracted. Times are the calling thread's CPU time (the
// JIT's pool of one thread runs the kernels on it), which a busy machine disturbs less than wall
// time; each figure is the lower quartile of N runs, the models interleaved run by run.
#include "codegen/engine.h"
#include "codegen/jit_model.h"
#include "compiler/random_weights.h"
#include "compiler/pass_manager.h"
#include "ir/builder.h"
#include "ir/interpreter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

using namespace sqz;

namespace {

double thread_cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) * 1e-6;
}

struct Layer {
    int in_c, size, out_c;
};

// The squeeze conv and ReLU that feed the layer, the layer (if `with_3x3`), and a global pool
// (`pooled`) or the layer's whole output map (to measure its error).
ir::Graph layer_model(const Layer& l, bool with_3x3, bool pooled = true) {
    ir::GraphBuilder b("layer");
    auto x = b.input("x", {ir::DType::F32, {l.in_c, l.size, l.size}});
    auto s = b.relu("squeeze_relu", b.conv("squeeze", x, l.in_c, ir::square_window(1)));
    if (with_3x3) s = b.conv("expand3x3", s, l.out_c, ir::square_window(3, 1, 1));
    b.output(pooled ? b.global_avg_pool("pool", s) : s);
    ir::Graph g = b.finish();
    compiler::bind_random_weights(g, 3);
    return g;
}

}  // namespace

int main(int argc, char** argv) {
    int runs = 60;
    std::vector<Layer> layers;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--runs" && i + 1 < argc) {
            runs = std::max(4, std::atoi(argv[++i]));
        } else if (Layer l{}; std::sscanf(a.c_str(), "%d:%d:%d", &l.in_c, &l.size, &l.out_c) == 3 && l.in_c > 0 &&
                   l.size > 0 && l.out_c > 0) {
            layers.push_back(l);
        } else {
            fmt::print(stderr, "usage: conv_layers [--runs N] [CIN:SIZE:COUT ...]\n");
            return 2;
        }
    }
    if (layers.empty())  // the expand3x3 shapes of SqueezeNet v1.0 and v1.1
        layers = {{16, 55, 64}, {32, 55, 128}, {32, 27, 128}, {48, 27, 192}, {64, 27, 256}, {48, 13, 192}, {64, 13, 256}};
    const char* algorithms[] = {"direct", "winograd-f2", "winograd-f4", "winograd-f6"};
    fmt::print("{:>16}  {:>22}  {:>22}  {:>22}  {:>22}\n", "layer (ms, GF/s*)", algorithms[0], algorithms[1],
               algorithms[2], algorithms[3]);
    for (const Layer& l : layers) {
        std::vector<std::unique_ptr<codegen::Engine>> engines;
        codegen::JitOptions jit;
        jit.threads = 1;
        compiler::PassOptions direct;
        direct.conv_algorithm = "direct";
        engines.push_back(codegen::make_jit_engine(compiler::optimize(layer_model(l, false), direct), jit));
        for (const char* a : algorithms) {
            compiler::PassOptions p;
            p.conv_algorithm = a;
            engines.push_back(codegen::make_jit_engine(compiler::optimize(layer_model(l, true), p), jit));
        }
        const ir::Tensor input{{1, l.in_c, l.size, l.size},
                               std::vector<float>(static_cast<size_t>(l.in_c) * l.size * l.size, 0.5f)};
        for (auto& e : engines) {
            e->set_inputs({input});
            for (int w = 0; w < 3; ++w) e->run_in_place();
        }
        std::vector<std::vector<double>> ms(engines.size());
        for (int r = 0; r < runs; ++r)
            for (size_t e = 0; e < engines.size(); ++e) {
                const double start = thread_cpu_ms();
                engines[e]->run_in_place();
                ms[e].push_back(thread_cpu_ms() - start);
            }
        std::vector<double> quartile;
        for (auto& m : ms) {
            std::sort(m.begin(), m.end());
            quartile.push_back(m[m.size() / 4]);
        }
        // GF/s*: the direct convolution's flops over the time (direct-equivalent).
        const double gflop = 2.0 * l.in_c * l.out_c * 9 * l.size * l.size * 1e-9;
        std::string line = fmt::format("{:>4}->{:<4}{:>3}x{:<3}", l.in_c, l.out_c, l.size, l.size);
        for (size_t a = 1; a < quartile.size(); ++a) {
            const double t = std::max(1e-6, quartile[a] - quartile[0]);
            line += fmt::format("  {:>9.4f} ms {:>6.0f} GF/s", t, gflop / t * 1e3);
        }
        fmt::print("{}\n", line);
    }

    fmt::print("\nerror against the float64 reference (max |a-b| / max |ref| over the layer's output)\n");
    fmt::print("{:>16}  {:>12}  {:>12}  {:>12}  {:>12}\n", "layer", algorithms[0], algorithms[1], algorithms[2],
               algorithms[3]);
    for (const Layer& l : layers) {
        const ir::Graph g = layer_model(l, true, false);
        ir::Tensor input{{1, l.in_c, l.size, l.size}, {}};
        uint64_t state = 12345;
        for (int64_t i = 0; i < int64_t{l.in_c} * l.size * l.size; ++i) {  // uniform in [-1, 1), a fixed LCG
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            input.data.push_back(static_cast<float>(static_cast<double>(state >> 11) * 0x1p-52 - 1.0));
        }
        const std::vector<double> ref = ir::interpret(g, {input}).at(0).data;
        std::string line = fmt::format("{:>4}->{:<4}{:>3}x{:<3}", l.in_c, l.out_c, l.size, l.size);
        for (const char* a : algorithms) {
            compiler::PassOptions p;
            p.conv_algorithm = a;
            codegen::JitOptions jit;
            jit.threads = 1;
            const auto engine = codegen::make_jit_engine(compiler::optimize(g, p), jit);
            line += fmt::format("  {:>12.2e}", ir::max_relative_error(engine->run({input}).at(0).data, ref));
        }
        fmt::print("{}\n", line);
    }
}
