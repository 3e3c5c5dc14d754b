// Compressed weight storage in packages (sqzc compile --weights-format codebook|codebook-huffman):
// the stored layer blobs expand to the packed weights bit for bit, both in-process and in real
// built packages (embedded and in a file), a corrupt blob is refused at create with a status, and
// the stored weights of the Deep Compression model meet the paper's sizes.
#include "codegen/package_weights.h"
#include "compiler/compression/weight_coding.h"
#include "compiler/driver.h"
#include "compiler/random_weights.h"
#include "compiler/frontends/sqz_description.h"
#include "ir/interpreter.h"
#include "runtime/fnv1a.h"
#include "runtime/winograd.h"
#include "tests/codegen/package_support.h"

#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace sqz;
namespace fs = std::filesystem;
using compiler::WeightsFormat;

namespace {

ir::Graph deep_compression(const compiler::CompressionOptions& compression = {}) {
    const auto dir = test::shared_dir() / "models" / "squeezenet_v1.0_deep_compression";
    compiler::ModelOptions o = test::model_at((dir / "deploy.prototxt").string());
    o.weights_path = (dir / "compressed_SqueezeNet.net").string();
    o.compression = compression;
    return compiler::optimize(compiler::load_model(o));
}

ir::Graph tiny_dense() {
    ir::Graph g = compiler::parse_sqz("sqz 1\nname tinyc\ninput 3x33x29\nlayers\n"
                                      "conv conv1 filters=16 kernel=3 stride=2 relu\nmaxpool pool1 kernel=3 stride=2\n"
                                      "fire fire2 squeeze=6 expand1x1=8 expand3x3=8\n"
                                      "conv conv10 filters=10 kernel=1 relu\nglobal_avgpool pool10\n",
                                      "tinyc.sqz");
    compiler::bind_random_weights(g, 5);
    return g;
}

std::map<std::string, std::vector<uint8_t>> blobs_of(const ir::Graph& graph, WeightsFormat format) {
    std::map<std::string, std::vector<uint8_t>> blobs;
    if (format == WeightsFormat::Dense) return blobs;  // as sqzc compile: nothing to expand
    for (compiler::LayerBlob& b : compiler::encode_constants(graph, format))
        if (b.stored_as_blob()) blobs[b.constant] = std::move(b.bytes);
    return blobs;
}

struct Packed {
    codegen::LoweredModel model;
    codegen::WeightBlob blob;
};

// What a package of `graph` stores and expands, computed in-process.
Packed pack(const ir::Graph& graph, WeightsFormat format) {
    codegen::LoweringOptions lowering;
    lowering.target = codegen::parse_target("host");
    Packed p{codegen::lower(graph, lowering), {}};
    p.blob = codegen::pack_weight_blob(p.model);
    codegen::compress_weight_blob(p.blob, p.model, graph, blobs_of(graph, format));
    return p;
}

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<uint8_t> bytes_of(const fs::path& path) {
    const std::string s = slurp(path);
    return {s.begin(), s.end()};
}

// A program using the package's C API: creates the model (weights from argv[1] unless "-"),
// prints the status, writes the packed weights the kernels read to argv[3].weights and the output
// for the raw input argv[2] to argv[3].out.
const char* kProbe = R"(
#include "dcz.h"
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
int main(int argc, char** argv) {
    if (argc != 4) return 9;
    dcz_options o{};
    o.threads = 2;
    if (std::strcmp(argv[1], "-") != 0) o.weights_path = argv[1];
    dcz_model* m = nullptr;
    const int status = dcz_create(&o, &m);
    std::printf("create status %d: %s\n", status, dcz_status_string(status));
    if (status != DCZ_OK) return 3;
    size_t n = 0;
    const void* w = dcz_packed_weights(m, &n);
    std::FILE* f = std::fopen((std::string(argv[3]) + ".weights").c_str(), "wb");
    std::fwrite(w, 1, n, f);
    std::fclose(f);
    std::vector<float> in(DCZ_INPUT0_SIZE), out(DCZ_OUTPUT0_SIZE);
    f = std::fopen(argv[2], "rb");
    if (!f || std::fread(in.data(), 4, in.size(), f) != in.size()) return 4;
    std::fclose(f);
    if (dcz_run(m, in.data(), out.data()) != DCZ_OK) return 5;
    f = std::fopen((std::string(argv[3]) + ".out").c_str(), "wb");
    std::fwrite(out.data(), 4, out.size(), f);
    std::fclose(f);
    dcz_destroy(m);
    return 0;
}
)";

// Writes package "dcz" of `graph` in `format` into the scratch folder `dir_name`.
fs::path emit(const ir::Graph& graph, WeightsFormat format, codegen::WeightsStorage storage, const std::string& dir_name,
              codegen::Optimize optimize = codegen::Optimize::Speed) {
    codegen::PackageOptions o;
    o.name = "dcz";
    o.target = codegen::parse_target("host");
    o.weights = storage;
    o.force = true;
    o.source_description = "test";
    o.weights_format = std::string(compiler::to_string(format));
    o.weight_blobs = blobs_of(graph, format);
    o.optimize = optimize;
    const fs::path dir = test::scratch_dir() / dir_name;
    const codegen::PackageSummary s = codegen::emit_package(graph, o, dir.string());
    // codebook-range stores the biases as blobs too.
    CHECK(s.compressed_tensors == (format == WeightsFormat::CodebookRange ? 52 : 26));
    std::ofstream(dir / "probe.cpp") << kProbe;
    return dir;
}

// Builds `dir`'s probe and self-test, reusing the objects of any source identical to one in
// `reuse` (the kernels and runtime, which do not depend on the weights format).
void build(const fs::path& dir, const fs::path& reuse) {
    std::ofstream(dir / "build.sh") << "set -e\ncd '" << dir.string() << "'\n"
        << "for f in *.cpp; do\n"
        << "  if [ -n '" << reuse.string() << "' ] && [ -f '" << reuse.string() << "'/$f.o ] && cmp -s $f '"
        << reuse.string() << "'/$f; then cp '" << reuse.string() << "'/$f.o .; else echo $f; fi\n"
        << "done | xargs -r -P2 -I{} c++ -std=c++17 -O2 -I. -c {} -o {}.o\n"
        << "c++ $(ls *.o | grep -v '^probe.cpp.o$') -lpthread -o selftest\n"
        << "c++ $(ls *.o | grep -v '_selftest.cpp.o$') -lpthread -o probe\n";
    const auto r = test::run_shell("sh '" + (dir / "build.sh").string() + "'", 900);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("Deep Compression model: stored weights expand bit-exactly and meet the paper's sizes",
          "[package][compression][shared]") {
    SQZ_REQUIRE_SHARED();
    compiler::CompressionOptions six;
    six.codebook_bits = 6;
    const struct {
        const char* name;
        ir::Graph graph;
        WeightsFormat format;
        int64_t limit;  // the issue's targets in bytes (MB = 10^6), biases and every header included
    } cases[] = {
        {"codebook", deep_compression(), WeightsFormat::Codebook, 660000},
        {"codebook-huffman", deep_compression(), WeightsFormat::CodebookHuffman, 550000},
        {"6-bit codebook-huffman", deep_compression(six), WeightsFormat::CodebookHuffman, 470000},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const Packed p = pack(c.graph, c.format);
        CHECK(p.blob.compressed_tensors == 26);
        CHECK(static_cast<int64_t>(p.blob.stored.size()) <= c.limit);
        CHECK(p.blob.stored.size() * 7 < p.blob.bytes.size());  // at least 7x smaller than packed float32
        CHECK(codegen::expand_stored_weights(p.blob) == p.blob.bytes);
        // The packed image is the dense packing of the graph's values.
        const Packed dense = pack(c.graph, WeightsFormat::Dense);
        CHECK_FALSE(dense.blob.compressed());
        CHECK(dense.blob.bytes == p.blob.bytes);
    }
}

TEST_CASE("dense weights: codebook storage needs clustering, pruned and clustered weights expand exactly",
          "[package][compression]") {
    const ir::Graph dense = compiler::optimize(tiny_dense());
    CHECK_THROWS_WITH(blobs_of(dense, WeightsFormat::Codebook),
                      Catch::Contains("weights format 'codebook' needs weights in codebook form, but 'conv1.weight' is "
                                      "dense"));
    compiler::CompressionOptions o;
    o.prune = 0.5;
    o.codebook_bits = 4;
    const ir::Graph compressed = compiler::compress_weights(dense, o);
    for (WeightsFormat f : {WeightsFormat::Codebook, WeightsFormat::CodebookHuffman}) {
        const Packed p = pack(compressed, f);
        CHECK(p.blob.compressed_tensors == 5);
        CHECK(codegen::expand_stored_weights(p.blob) == pack(compressed, WeightsFormat::Dense).blob.bytes);
        CHECK(p.blob.stored.size() * 4 < p.blob.bytes.size());
    }
    // A blob that does not decode to the weight's values is refused when the package is written.
    Packed p = pack(compressed, WeightsFormat::Dense);
    auto blobs = blobs_of(compressed, WeightsFormat::Codebook);
    auto& conv1 = blobs.at("conv1.weight");
    conv1.back() ^= 0x01;  // a different gap or code for the last entry
    CHECK_THROWS_WITH(codegen::compress_weight_blob(p.blob, p.model, compressed, blobs),
                      Catch::Contains("weight 'conv1.weight': its compressed blob does not expand"));
}

TEST_CASE("lowering records how it packs each weight: a gather of a float constant, or derived values",
          "[package][compression]") {
    const ir::Graph dense = compiler::optimize(tiny_dense());
    codegen::LoweringOptions lowering;
    lowering.target = codegen::parse_target("host");
    int gathers = 0, transforms = 0;
    for (const codegen::LoweredKernel& k : codegen::lower(dense, lowering).kernels)
        for (const codegen::PackedWeight& w : k.weights) {
            INFO(w.source);
            const ir::Constant* c = dense.find_constant(w.source);
            REQUIRE(c != nullptr);
            if (w.winograd_tile > 0) {
                // A Winograd conv's weights: their transform, which compressed packages compute.
                std::vector<float> u(w.buffer.number_of_elements());
                runtime::winograd_transform_weights(c->data().data(), c->type.dims[0], c->type.dims[1], w.winograd_tile,
                                                    u.data());
                CHECK(std::memcmp(u.data(), w.buffer.data(), u.size() * 4) == 0);
                ++transforms;
                continue;
            }
            REQUIRE(w.gather.has_value());
            // The buffer is the gather, element by element.
            const std::vector<int32_t>& extents = w.gather->extents;
            REQUIRE(static_cast<int>(extents.size()) == w.buffer.dimensions());
            const Halide::Buffer<float> b = w.buffer;
            int64_t mismatches = 0;
            b.for_each_element([&](const int* at) {
                int64_t index = 0;
                for (size_t d = 0; d < extents.size(); ++d) index += at[d] * w.gather->strides[d];
                mismatches += b(at) != c->data()[static_cast<size_t>(index)];
            });
            CHECK(mismatches == 0);
            ++gathers;
        }
    CHECK(gathers + transforms == 10);  // five convs, each a weight and a bias
    CHECK(transforms > 0);              // the 3x3 expand convs run Winograd

    // int8 convs quantise their weights and derive biases and multipliers: none of those is a
    // gather. (conv1 reads the float input: a float conv, whose weights are gathered.)
    compiler::CompileOptions int8;
    int8.precision = compiler::Precision::Int8;
    const ir::Graph q = compiler::prepare(tiny_dense(), int8);
    std::set<std::string> derived;
    for (const ir::Node& node : q.nodes)
        if (node.op == ir::OpKind::Conv && node.conv().quant.int8_input)
            derived.insert({node.inputs[1], node.name + ".bias_q", node.name + ".multiplier"});
    REQUIRE(!derived.empty());
    lowering.c_source = true;
    int gathered = 0, not_gathered = 0;
    for (const codegen::LoweredKernel& k : codegen::lower(q, lowering).kernels)
        for (const codegen::PackedWeight& w : k.weights) {
            INFO(w.source);
            CHECK(w.gather.has_value() == !derived.count(w.source));
            ++(w.gather ? gathered : not_gathered);
        }
    CHECK(not_gathered == static_cast<int>(derived.size()));
    CHECK(gathered > 0);
}

TEST_CASE("built packages expand their compressed weights bit-exactly at create", "[package][compression][shared]") {
    SQZ_REQUIRE_SHARED();
    const auto dc = test::shared_dir() / "models" / "squeezenet_v1.0_deep_compression";
    const std::string input = (dc / "golden" / "input_1x3x227x227.f32").string();
    const std::vector<float> golden = test::read_f32(dc / "golden" / "output_1000.f32");
    const ir::Graph graph = deep_compression();
    const std::vector<uint8_t> packed = pack(graph, WeightsFormat::Dense).blob.bytes;

    // codebook-huffman, embedded: a full build, whose kernel and runtime objects the others reuse.
    const fs::path a = emit(graph, WeightsFormat::CodebookHuffman, codegen::WeightsStorage::Embedded, "dcz_huffman");
    build(a, "");
    auto run = test::run_shell("cd '" + a.string() + "' && ./probe - '" + input + "' result");
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(bytes_of(a / "result.weights") == packed);
    const std::string output = slurp(a / "result.out");
    REQUIRE(output.size() == 4000);
    std::vector<float> out(1000);
    std::memcpy(out.data(), output.data(), 4000);
    CHECK(ir::max_relative_error(out, golden) < 1e-5);
    run = test::run_shell((a / "selftest").string());
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out, Catch::Contains("dcz_selftest: passed"));

    // codebook, in a weights file: the same packed weights, the same output bit for bit.
    const fs::path b = emit(graph, WeightsFormat::Codebook, codegen::WeightsStorage::File, "dcz_codebook");
    build(b, a);
    const std::string weights = (b / "dcz.weights").string();
    run = test::run_shell("cd '" + b.string() + "' && ./probe '" + weights + "' '" + input + "' result");
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(bytes_of(b / "result.weights") == packed);
    CHECK(slurp(b / "result.out") == output);
    run = test::run_shell((b / "selftest").string() + " --weights " + weights);
    CHECK(run.exit_code == 0);

    // A corrupt blob with a valid checksum: create fails with the weights status, nothing crashes.
    const Packed stored = pack(graph, WeightsFormat::Codebook);
    std::string file = slurp(weights);
    REQUIRE(file.size() == codegen::kWeightsFileHeaderBytes + stored.blob.stored.size());
    for (const codegen::StoredTensor& t : stored.blob.layout) {
        if (!t.expand) continue;
        file[codegen::kWeightsFileHeaderBytes + t.stored_offset + 4] ^= 0x01;  // its numel
        break;
    }
    const std::string data = file.substr(codegen::kWeightsFileHeaderBytes);
    const uint64_t hash = runtime::fnv1a(data.data(), data.size());
    for (int i = 0; i < 8; ++i) file[16 + i] = static_cast<char>(hash >> (8 * i));
    const std::string corrupt = (b / "corrupt.weights").string();
    std::ofstream(corrupt, std::ios::binary) << file;
    run = test::run_shell("cd '" + b.string() + "' && ./probe '" + corrupt + "' '" + input + "' bad");
    CHECK(run.exit_code == 3);
    CHECK_THAT(run.out, Catch::Contains("create status 4: the weights file is missing, truncated or not this model's, "
                                        "or the stored weights are corrupt"));
    run = test::run_shell((b / "selftest").string() + " --weights " + corrupt);
    CHECK(run.exit_code == 2);

    // 6-bit codebooks (lossy against the .net file, exact against the re-clustered graph).
    compiler::CompressionOptions six;
    six.codebook_bits = 6;
    const ir::Graph six_graph = deep_compression(six);
    const fs::path c = emit(six_graph, WeightsFormat::CodebookHuffman, codegen::WeightsStorage::Embedded, "dcz_six");
    build(c, a);
    run = test::run_shell("cd '" + c.string() + "' && ./probe - '" + input + "' result");
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(bytes_of(c / "result.weights") == pack(six_graph, WeightsFormat::Dense).blob.bytes);
    CHECK(bytes_of(c / "result.weights") != packed);
    run = test::run_shell((c / "selftest").string());
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out, Catch::Contains("dcz_selftest: passed"));
}

TEST_CASE("a size-built, range-coded package builds with a bare c++ -O2, expands its weights bit-exactly and "
          "passes its self-test",
          "[package][compression][size]") {
    // The copy of the Deep Compression model in the repository; 6-bit optimal codebooks as in
    // docs/compression.md's size table (unrefined: no calibration images needed).
    const auto dir = test::source_dir() / "examples" / "models" / "squeezenet_v1.0_deep_compression";
    compiler::ModelOptions o = test::model_at((dir / "deploy.prototxt").string());
    o.weights_path = (dir / "compressed_SqueezeNet.net").string();
    o.compression.codebook_bits = 6;
    o.compression.cluster_init = compiler::ClusterInit::Optimal;
    compiler::PassOptions direct;
    direct.conv_algorithm = "direct";  // what --optimize size chooses
    const ir::Graph graph = compiler::optimize(compiler::load_model(o), direct);

    const fs::path a = emit(graph, WeightsFormat::CodebookRange, codegen::WeightsStorage::Embedded, "dcz_size",
                            codegen::Optimize::Size);
    // Five kernel bodies for the 29 kernels (every Fire module's squeeze, expand1x1 and conv10
    // share one; the expand3x3 convs another; the two max pools a third); the others' files hold
    // a comment only.
    int bodies = 0;
    for (const auto& entry : fs::directory_iterator(a))
        if (std::regex_match(entry.path().filename().string(), std::regex(R"(dcz_k\d+_.*\.cpp)")))
            bodies += slurp(entry.path()).find("the same code as kernel") == std::string::npos;
    CHECK(bodies == 5);
    build(a, "");
    test::write_scratch("dcz_size_input.f32", std::string(3 * 227 * 227 * 4, '\0'));
    auto run = test::run_shell("cd '" + a.string() + "' && ./probe - '" +
                               (test::scratch_dir() / "dcz_size_input.f32").string() + "' result");
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    // The packed weights are the dense packing of the same values, byte for byte (the layouts of
    // a size build: direct convolutions).
    CHECK(bytes_of(a / "result.weights") == pack(graph, WeightsFormat::Dense).blob.bytes);
    run = test::run_shell((a / "selftest").string() + " --threads 2");
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out, Catch::Contains("dcz_selftest: passed"));
}
