// sqzc_bench_server: a long-running benchmark driver for side-by-side comparisons (bench/compare-ort).
// It loads a model, prepares it as `sqzc` does (compiler::prepare: the optimisation passes, and
// for --precision int8 the quantisation, calibrated as `sqzc export --precision int8` does),
// compiles it once with each engine (the Halide JIT and the emitted-source package), and then
// times blocks of runs on request, so another process can alternate between these engines and a
// different runtime in one sitting without recompiling.
//
//   sqzc_bench_server MODEL [--weights W] [--seed S] --threads N [--engines jit,source]
//                     [--input X.f32] [--save-input X.f32] [--disable-pass NAME ...]
//                     [--precision int8 [--calibrate INPUTS ...]]
//
// Without --input the engines run sqzc's test pattern (ir/test_pattern.h); --save-input writes the
// input used, as raw float32, for the other runtime. Protocol: one command a line on stdin, one JSON
// object a line on stdout (diagnostics go to stderr):
//   (start-up)              -> {"ready": true, "model": ..., "macs": ..., "threads": ..., "engines": [...]}
//   run ENGINE K [W]        -> {"engine": ENGINE, "ms": [K run times]}   (after W untimed runs, default 0)
//   output ENGINE PATH      -> {"engine": ENGINE, "output": PATH, "values": N}   (raw float32, all outputs)
//   quit                    -> exits 0
// A malformed command answers {"error": "..."} and the server keeps going; end of input ends it.
#include "codegen/engine.h"
#include "compiler/file_io.h"
#include "compiler/driver.h"
#include "compiler/error_report.h"
#include "compiler/model_loader.h"
#include "ir/error.h"
#include "ir/stats.h"
#include "ir/test_pattern.h"

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace sqz::bench {
namespace {

namespace po = boost::program_options;
using Json = nlohmann::ordered_json;

struct ServerOptions {
    compiler::ModelOptions model;
    std::vector<std::string> disabled_passes;
    int threads = 1;
    std::string engines = "jit,source";
    std::string input_path;
    std::string save_input_path;
    std::string precision = "float32";
    std::vector<std::string> calibration;
};

// One compiled engine, its inputs set once: timed runs are runs in place.
struct TimedEngine {
    std::string name;
    std::unique_ptr<codegen::Engine> engine;
};

TimedEngine make_timed_engine(const std::string& name, const ir::Graph& compiled, int threads,
                              const std::vector<ir::Tensor>& inputs) {
    codegen::EngineOptions o;
    o.threads = threads;
    TimedEngine e{name, codegen::make_engine(name, compiled, o)};
    e.engine->set_inputs(inputs);
    return e;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string part; std::getline(in, part, separator);)
        if (!part.empty()) out.push_back(part);
    return out;
}

// The graph's inputs: the file given (one input only), or the test pattern for each.
std::vector<ir::Tensor> make_inputs(const ir::Graph& graph, const std::string& path) {
    std::vector<ir::Tensor> inputs;
    for (const ir::GraphInput& in : graph.inputs) inputs.push_back(ir::test_pattern(graph.type_of(in.name)));
    if (path.empty()) return inputs;
    if (inputs.size() != 1) user_error("--input {}: the model has {} inputs; give none to use the test pattern", path, inputs.size());
    inputs[0].data = compiler::read_f32_file(path, inputs[0].data.size());
    return inputs;
}

int parse_count(const std::string& text, int lo, int hi) {
    size_t used = 0;
    int v = 0;
    try {
        v = std::stoi(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size() || v < lo || v > hi)
        user_error("'{}': expected a whole number in [{}, {}]", text, lo, hi);
    return v;
}

class Server {
public:
    explicit Server(std::vector<TimedEngine> engines) : engines_(std::move(engines)) {}

    // Answers one command line; returns false on quit.
    bool handle(const std::string& line) {
        const std::vector<std::string> words = split(line, ' ');
        if (words.empty()) return true;
        try {
            if (words[0] == "quit") return false;
            if (words[0] == "run" && (words.size() == 3 || words.size() == 4)) {
                reply(run(engine(words[1]), parse_count(words[2], 1, 100000), words.size() == 4 ? parse_count(words[3], 0, 100000) : 0));
            } else if (words[0] == "output" && words.size() == 3) {
                reply(write_output(engine(words[1]), words[2]));
            } else {
                user_error("unknown command '{}' (expected: run ENGINE K [W], output ENGINE PATH, quit)", line);
            }
        } catch (const Error& e) {
            reply(Json{{"error", e.what()}});
        }
        return true;
    }

private:
    TimedEngine& engine(const std::string& name) {
        for (TimedEngine& e : engines_)
            if (e.name == name) return e;
        user_error("no engine '{}' in this server", name);
    }

    static Json run(TimedEngine& e, int count, int warmup) {
        for (int i = 0; i < warmup; ++i) e.engine->run_in_place();
        auto times = Json::array();
        for (int i = 0; i < count; ++i) {
            const auto start = std::chrono::steady_clock::now();
            e.engine->run_in_place();
            times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        }
        return Json{{"engine", e.name}, {"ms", times}};
    }

    static Json write_output(TimedEngine& e, const std::string& path) {
        std::vector<float> all;
        for (const ir::Tensor& t : e.engine->outputs()) all.insert(all.end(), t.data.begin(), t.data.end());
        compiler::write_f32_file(path, all);
        return Json{{"engine", e.name}, {"output", path}, {"values", all.size()}};
    }

    static void reply(const Json& j) { std::cout << j.dump() << std::endl; }

    std::vector<TimedEngine> engines_;
};

// Parses the command line; returns false for --help.
bool parse_options(int argc, char** argv, ServerOptions& o) {
    po::options_description options("sqzc_bench_server options");
    options.add_options()
        ("model", po::value(&o.model.model_path)->required(), "model file (.sqz, .prototxt, .onnx, .sqzir)")
        ("weights,w", po::value(&o.model.weights_path), "weights file (.caffemodel or .net)")
        ("seed", po::value(&o.model.seed)->default_value(1), "seed for random weights when none are given")
        ("threads", po::value(&o.threads)->default_value(1), "worker threads of every engine")
        ("engines", po::value(&o.engines)->default_value("jit,source"), ("engines to compile: " + codegen::engine_names()).c_str())
        ("input", po::value(&o.input_path), "raw float32 input (default: sqzc's test pattern)")
        ("save-input", po::value(&o.save_input_path), "write the input used as raw float32")
        ("precision", po::value(&o.precision)->default_value("float32"), "float32 or int8")
        ("calibrate", po::value(&o.calibration)->multitoken()->composing(),
         "int8 calibration inputs (default: the test pattern, as sqzc's)")
        ("disable-pass", po::value(&o.disabled_passes)->composing(),
         ("switch off an optimisation pass (repeatable; 'all' for every pass): " + compiler::pass_names()).c_str())
        ("help,h", "show this help");
    po::positional_options_description positional;
    positional.add("model", 1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(), vm);
        if (vm.count("help")) {
            std::cout << "usage: sqzc_bench_server MODEL [--weights W] --threads N [--engines jit,source] "
                         "[--input X.f32] [--save-input X.f32] [--disable-pass NAME ...] [--precision int8]\n\n"
                      << options << "\nthen commands on stdin: run ENGINE K [W] | output ENGINE PATH | quit\n";
            return false;
        }
        po::notify(vm);
    } catch (const po::error& e) {
        throw Error(fmt::format("{} (see --help)", e.what()));
    }
    if (o.threads < 1 || o.threads > 256) user_error("--threads {}: must lie in [1, 256]", o.threads);
    return true;
}

int serve(const ServerOptions& o) {
    compiler::ModelOptions model = o.model;
    model.keep_quantization = compiler::parse_precision(o.precision) == compiler::Precision::Int8;
    const ir::Graph graph = compiler::load_model(model);
    const ir::GraphStats stats = ir::graph_stats(graph);
    const std::vector<ir::Tensor> inputs = make_inputs(graph, o.input_path);
    if (!o.save_input_path.empty()) compiler::write_f32_file(o.save_input_path, inputs.at(0).data);

    compiler::CompileOptions compile;
    compile.passes.disabled.insert(o.disabled_passes.begin(), o.disabled_passes.end());
    compile.precision = compiler::parse_precision(o.precision);
    compile.calibration = o.calibration;
    compile.warn = [](const std::string& w) { fmt::print(stderr, "sqzc_bench_server: warning: {}\n", w); };
    const ir::Graph compiled = compiler::prepare(graph, compile);
    std::vector<TimedEngine> engines;
    auto names = Json::array();
    auto compile_ms = Json::object();
    int threads = o.threads;
    for (const std::string& name : split(o.engines, ',')) {
        fmt::print(stderr, "sqzc_bench_server: compiling {} with the {} engine ({} threads)\n", graph.name, name, o.threads);
        engines.push_back(make_timed_engine(name, compiled, o.threads, inputs));
        names.push_back(name);
        compile_ms[name] = engines.back().engine->compile_ms();
        threads = engines.back().engine->threads();
    }
    if (engines.empty()) user_error("--engines '{}': name at least one engine", o.engines);

    auto output_dims = Json::array();
    for (const std::string& out : graph.outputs) output_dims.push_back(graph.type_of(out).dims);
    std::cout << Json{{"ready", true},
                      {"model", graph.name},
                      {"precision", o.precision},
                      {"macs", stats.macs},
                      {"params", stats.params},
                      {"threads", threads},
                      {"engines", names},
                      {"compile_ms", compile_ms},
                      {"input_dims", inputs.at(0).dims},
                      {"output_dims", output_dims}}
                     .dump()
              << std::endl;

    Server server(std::move(engines));
    for (std::string line; std::getline(std::cin, line);)
        if (!server.handle(line)) break;
    return 0;
}

}  // namespace
}  // namespace sqz::bench

int main(int argc, char** argv) {
    try {
        sqz::bench::ServerOptions options;
        if (!sqz::bench::parse_options(argc, argv, options)) return 0;
        return sqz::bench::serve(options);
    } catch (...) {
        const sqz::compiler::FailureReport report = sqz::compiler::describe_failure(
            std::current_exception(), "sqzc_bench_server", std::vector<std::string>(argv, argv + argc));
        fmt::print(stderr, "{}", report.text);
        return report.exit_code;
    }
}
