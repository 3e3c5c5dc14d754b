// `sqzc graph`: draws a model's graph (optionally after the optimisation passes) as Graphviz DOT
// text, or as SVG or PNG by running Graphviz's `dot`. The output appears whole or not at all: DOT
// is written atomically, and `dot` writes to a temporary beside the target that is renamed into
// place only when it succeeds.
#include "compiler/cli/command.h"
#include "compiler/cli/model_options.h"
#include "compiler/file_io.h"
#include "ir/dot.h"
#include "ir/error.h"
#include "ir/shell.h"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <vector>

namespace sqz::cli {
namespace {

namespace fs = std::filesystem;

// Removes the temporaries it holds when it goes out of scope (success renames them away first).
struct TempFiles {
    std::vector<fs::path> paths;
    ~TempFiles() {
        for (const fs::path& p : paths) {
            std::error_code ignored;
            fs::remove(p, ignored);
        }
    }
};

// The first lines of dot's complaint, joined into one line.
std::string one_line(const std::string& text) {
    std::string out;
    size_t start = 0;
    int lines = 0;
    while (start < text.size() && lines < 3) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (!line.empty()) out += (lines++ ? "; " : "") + line;
        start = end + 1;
    }
    return out.empty() ? "no message" : out;
}

// Runs `dot -T<format> -o <out> <in>` with stdin from /dev/null, collecting its stderr.
void run_dot(const std::string& format, const std::string& in, const std::string& out) {
    // The shell's exit status for a command it cannot find.
    constexpr int kCommandNotFound = 127;
    const ShellResult r = run_shell("dot " + shell_quote("-T" + format) + " -o " + shell_quote(out) + " " + shell_quote(in));
    if (r.exit_code == kCommandNotFound)
        user_error("cannot draw .{}: Graphviz's 'dot' is not on PATH; install graphviz (apt-get install graphviz, "
                   "or scripts/install-deps), or write .dot",
                   format);
    if (r.signal != 0) user_error("dot -T{} was killed by signal {}: {}", format, r.signal, one_line(r.err));
    if (r.exit_code != 0) user_error("dot -T{} failed (exit code {}): {}", format, r.exit_code, one_line(r.err));
}

// Draws `dot_text` into `output` (svg or png) through temporaries beside it.
void render(const std::string& dot_text, const std::string& format, const std::string& output) {
    TempFiles temps;
    const std::string tmp_dot = output + ".sqzc-tmp.dot", tmp_out = output + ".sqzc-tmp";
    temps.paths = {tmp_dot, tmp_out};
    compiler::write_file(tmp_dot, dot_text);
    run_dot(format, tmp_dot, tmp_out);
    std::error_code ec;
    const auto size = fs::file_size(tmp_out, ec);
    if (ec || size == 0) user_error("dot -T{} succeeded but wrote no {}", format, output);
    fs::rename(tmp_out, output, ec);
    if (ec) user_error("{}: cannot move the drawn file into place ({})", output, ec.message());
}

}  // namespace

int graph_command(const Args& argv) {
    ModelArgs model;
    std::string output;
    bool after_passes = false;
    po::options_description options("sqzc graph options");
    po::positional_options_description positional;
    add_model_options(options, positional, model);
    add_pass_options(options, model);
    options.add_options()
        ("output,o", po::value(&output)->required(), "the picture to write: FILE.dot, FILE.svg or FILE.png")
        ("after-passes", po::bool_switch(&after_passes), "draw the graph after the optimisation passes (fusions shown)");
    po::variables_map vm;
    if (!parse_args("graph", "MODEL [--weights FILE] [--after-passes [--disable-pass P ...]] -o FILE.dot|FILE.svg|FILE.png",
                    argv, options, positional, vm))
        return 0;
    if (!after_passes && (!model.disable_pass.empty() || !model.print_after.empty()))
        user_error("--disable-pass and --print-after need --after-passes");

    // Check the target before loading anything, so that a bad name fails fast and writes nothing.
    std::string ext = fs::path(output).extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ext != ".dot" && ext != ".svg" && ext != ".png")
        user_error("{}: unknown picture format '{}'; use .dot, .svg or .png", output, ext.empty() ? "(none)" : ext);
    const fs::path parent = fs::path(output).parent_path();
    std::error_code ec;
    if (!parent.empty() && !fs::is_directory(parent, ec))
        user_error("{}: directory '{}' does not exist", output, parent.string());
    if (fs::is_directory(output, ec)) user_error("{}: is a directory, expected a file", output);

    ir::Graph graph = compiler::load_model(model.to_options());
    const compiler::PassOptions passes = model.pass_options();  // checks the options even when unused
    if (after_passes) graph = compiler::optimize(std::move(graph), passes);
    const std::string text = ir::to_dot(graph);
    if (ext == ".dot") compiler::write_file(output, text);
    else render(text, ext.substr(1), output);
    fmt::print("wrote {} ({} nodes{})\n", output, graph.nodes.size(), after_passes ? ", after passes" : "");
    return 0;
}

}  // namespace sqz::cli
