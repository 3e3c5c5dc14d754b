// The .sqz frontend on bad input: malformed descriptions fail with a message naming the file,
// line and column, and random edits of the examples give a graph or a clean error, never a crash.
#include "compiler/file_io.h"
#include "compiler/frontends/sqz_description.h"
#include "ir/error.h"
#include "ir/verifier.h"
#include "tests/support.h"

using namespace sqz;
using compiler::load_sqz;
using compiler::parse_sqz;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using ir::Graph;
using ir::verify;

namespace {

std::string example(const std::string& name) { return (test::source_dir() / "examples" / name).string(); }

}  // namespace

TEST_CASE("malformed descriptions fail with clear messages", "[sqz][errors]") {
    auto fails = [](const std::string& text, const std::vector<std::string>& sets = {}) {
        try {
            parse_sqz(text, "bad.sqz", sets);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    const std::string meta = "sqz 1\n";
    const std::string expl = "sqz 1\nlayers\n";

    CHECK(fails("name x\n") == "bad.sqz:1:1: expected the version line 'sqz 1' first, found 'name'");
    CHECK(fails("") == "bad.sqz:1:1: expected the version line 'sqz 1' first, found end of file");
    CHECK(fails("sqz 2\n") == "bad.sqz:1:5: unsupported .sqz format version 2 (this sqzc reads version 1)");
    CHECK_THAT(fails(meta + "squeeze_ratio 0.5\n"),
               StartsWith("bad.sqz:2:1: unknown key 'squeeze_ratio' (keys: name, input, classes, "
                          "conv1.{filters,kernel,stride,pad}, maxpool.{kernel,stride,pad,after}, fire_modules,"));
    CHECK_THAT(fails(meta + "fire fire2 squeeze=16\n"),
               StartsWith("bad.sqz:2:1: unknown key 'fire'; a list of layers starts with a 'layers' line"));
    CHECK(fails(meta + "SR abc\n") == "bad.sqz:2:4: SR must be a number in (0, 1], found 'abc'");
    CHECK(fails(meta + "SR 1.5\n") == "bad.sqz:2:4: SR must be a number in (0, 1], found '1.5'");
    CHECK(fails(meta + "pct3x3 1\n") == "bad.sqz:2:8: pct3x3 must be a number in (0, 1), found '1'");
    CHECK(fails(meta + "freq two\n") == "bad.sqz:2:6: freq must be an integer in [1, 100], found 'two'");
    CHECK(fails(meta + "SR 0.1\nSR 0.2\n") == "bad.sqz:3:1: 'SR' is given twice (first at bad.sqz:2:1)");
    CHECK(fails(meta + "SR 0.1 0.2\n") == "bad.sqz:2:1: 'SR' takes one value, as in 'SR 0.125'");
    CHECK(fails(meta + "conv1 size=3\n") == "bad.sqz:2:7: 'conv1' has no field 'size' (fields: filters, kernel, stride, pad)");
    CHECK(fails(meta + "bypass full\n") == "bad.sqz:2:8: bypass must be none, simple or complex, found 'full'");
    CHECK(fails(meta + "SR 0.1 $\n") == "bad.sqz:2:8: unexpected character '$'");

    // Sizes.
    CHECK(fails(meta + "conv1 filters=-5\n") ==
          "bad.sqz:2:15: conv1.filters must be an integer in [1, 1000000], found '-5'");
    CHECK(fails(meta + "conv1 filters=0\n") ==
          "bad.sqz:2:15: conv1.filters must be an integer in [1, 1000000], found '0'");
    CHECK(fails(meta + "conv1 filters=5000000\n") ==
          "bad.sqz:2:15: conv1.filters must be an integer in [1, 1000000], found '5000000'");
    CHECK(fails(meta + "conv1 filters=1000000\n") ==
          "bad.sqz:2:1: layer 'conv1': 'conv1' would be f32[1,1000000,111,111], more than 1000000000 elements or a "
          "dimension over 1000000");
    CHECK(fails(expl + "conv c filters=0 kernel=1\n") ==
          "bad.sqz:3:16: layer 'c': filters must be an integer in [1, 1000000], found '0'");
    CHECK(fails(meta + "input 3x0x227\n") ==
          "bad.sqz:2:7: input must be CxHxW with each dimension in [1, 1000000], found '3x0x227'");
    CHECK(fails(meta + "input 3x227\n") ==
          "bad.sqz:2:7: input must be CxHxW with each dimension in [1, 1000000], found '3x227'");
    CHECK(fails(meta + "input 3x100000x100000\n") ==
          "bad.sqz:2:7: input must have at most 1000000000 elements, found '3x100000x100000'");
    CHECK(fails(meta + "input 3x5x5\n") ==
          "bad.sqz:2:1: node 'conv1' (conv): a 7-wide window does not fit the height 5 of the input (padded by 0+0)");
    CHECK(fails(meta + "base_e 1000000\n") ==
          "bad.sqz:2:1: fire4 would have 1000128 expand filters (base_e 1000000 + incr_e 128 * floor(2 / freq 2)), more "
          "than 1000000");
    CHECK(fails(meta + "maxpool after=conv1,fire12\n") ==
          "bad.sqz:2:21: maxpool.after must list conv1 or Fire modules of this network (fire2..fire9), or be none, "
          "found 'fire12'");
    CHECK(fails(meta + "fire_modules 4\n") ==
          "bad.sqz:2:1: the default maxpool.after=conv1,fire4,fire8 needs at least 7 Fire modules, but fire_modules "
          "is 4; set maxpool after=...");

    // Explicit form.
    CHECK(fails(expl + "convolution c1 filters=3 kernel=1\n") ==
               std::string("bad.sqz:3:1: unknown layer kind 'convolution' (kinds: conv, relu, maxpool, avgpool, "
                      "global_avgpool, fire, concat, add, dropout, softmax, flatten)"));
    CHECK(fails(expl + "fire fire2 expand1x1=64 expand3x3=64\n") == "bad.sqz:3:1: layer 'fire2' (fire) needs squeeze=");
    CHECK(fails(expl + "fire\n") == "bad.sqz:3:1: a fire layer needs a name: fire NAME ...");
    CHECK(fails(expl + "relu r\nrelu r\n") == "bad.sqz:4:1: duplicate layer name 'r' (first defined at bad.sqz:3:1)");
    CHECK(fails(expl + "relu data\n") == "bad.sqz:3:1: the layer name 'data' is taken by the network's input");
    CHECK(fails(expl + "relu r from=nowhere\n") == "bad.sqz:3:1: layer 'r' reads 'nowhere', which is not defined before it");
    CHECK(fails(expl + "conv c filters=4 kernel=1 stride=2 bias=1\n") ==
          "bad.sqz:3:36: layer 'c': a conv layer has no field 'bias' (fields: filters, kernel, stride, pad, from)");
    CHECK(fails(expl + "concat c from=data\n") == "bad.sqz:3:10: layer 'c': concat needs at least two inputs, from=A,B,...");
    CHECK(fails(expl + "relu r extra\n") == "bad.sqz:3:8: layer 'r': unexpected 'extra' (fields are written name=value)");
    CHECK(fails("sqz 1\nSR 0.25\nlayers\nrelu r\n") ==
          "bad.sqz:2:1: 'SR' cannot be used in the explicit form (layers start at bad.sqz:3:1); before 'layers' only "
          "name and input may be given");
    CHECK(fails(expl) == "bad.sqz:2:1: 'layers' is followed by no layers");

    // Simple bypass where the channel counts differ.
    CHECK(fails(meta + "bypass simple\nfreq 1\n") ==
          "bad.sqz:2:1: fire3: a simple bypass needs as many input as output channels, but fire3 takes 128 channels "
          "and gives 256 (a complex bypass adds a 1x1 conv that matches them)");
    CHECK(fails(expl + "fire f squeeze=2 expand1x1=4 expand3x3=4 bypass=simple\n") ==
          "bad.sqz:3:49: f: a simple bypass needs as many input as output channels, but f takes 3 channels and gives "
          "8 (a complex bypass adds a 1x1 conv that matches them)");

    // --set.
    CHECK(fails(meta, {"SR=abc"}) == "--set SR=abc: SR must be a number in (0, 1]");
    CHECK_THAT(fails(meta, {"squeeze=2"}), StartsWith("--set squeeze=2: unknown metaparameter 'squeeze' (keys: name, "));
    CHECK(fails(meta, {"SR"}) == "--set SR: expected KEY=VALUE");
    CHECK(fails(meta, {"SR="}) == "--set SR=: the value is empty");
    CHECK(fails(meta, {"SR=0.1,0.2"}) == "--set SR=0.1,0.2: 'SR' takes one value");
    CHECK(fails(meta, {"SR=$"}) == "--set SR=$: the value '$' cannot be read");
    CHECK(fails(meta, {"conv1=7"}) ==
          "--set conv1=7: 'conv1' has fields (filters, kernel, stride, pad); set one at a time, as in --set "
          "conv1.filters=...");
    CHECK(fails(meta, {"conv1.size=7"}) == "--set conv1.size=7: 'conv1' has no field 'size' (fields: filters, kernel, stride, pad)");
    CHECK(fails(meta, {"conv1.filters=0"}) == "--set conv1.filters=0: conv1.filters must be an integer in [1, 1000000]");
    CHECK(fails(meta, {"input=3x0x227"}) == "--set input=3x0x227: input must be CxHxW with each dimension in [1, 1000000]");
    CHECK(fails(meta, {"bypass=simple", "freq=1"}) ==
          "--set bypass=simple: fire3: a simple bypass needs as many input as output channels, but fire3 takes 128 "
          "channels and gives 256 (a complex bypass adds a 1x1 conv that matches them)");
    CHECK(fails(expl + "relu r\n", {"SR=0.25"}) ==
          "--set SR=0.25: bad.sqz is in the explicit form (it lists layers from bad.sqz:2:1); --set applies only to "
          "metaparameter descriptions");

    // Files.
    CHECK_THROWS_WITH(load_sqz("/nonexistent/model.sqz"), "/nonexistent/model.sqz: no such file");
}

TEST_CASE("mutated descriptions fail cleanly or parse", "[sqz][errors]") {
    // Seeded random edits of the examples: every outcome is a graph or a sqz::Error, never another
    // exception, a crash or a hang.
    const char alphabet[] = "0123456789x=,.-+ \n#\"abcfirez_/";
    int errors = 0, parsed = 0;
    for (const char* name : {"squeezenet_v1.0.sqz", "squeezenet_v1.0_explicit.sqz"}) {
        const std::string original = compiler::read_file(example(name));
        uint64_t state = 12345;
        auto next = [&] { return (state = state * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };
        for (int round = 0; round < 300; ++round) {
            std::string text = original;
            for (int edit = 0, edits = 1 + static_cast<int>(next() % 3); edit < edits; ++edit) {
                size_t pos = next() % text.size();
                char c = alphabet[next() % (sizeof(alphabet) - 1)];
                switch (next() % 3) {
                case 0: text[pos] = c; break;
                case 1: text.insert(pos, 1, c); break;
                default: text.erase(pos, 1 + next() % 8); break;
                }
            }
            INFO(text);
            try {
                Graph g = parse_sqz(text, "mutated.sqz");
                verify(g);
                ++parsed;
            } catch (const Error& e) {
                CHECK_THAT(std::string(e.what()), StartsWith("mutated.sqz"));
                ++errors;
            }
        }
    }
    CHECK(errors > 50);
    CHECK(parsed > 50);
}
