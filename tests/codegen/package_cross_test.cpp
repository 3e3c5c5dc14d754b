// Cross compilation: a package for arm-64-linux builds with aarch64-linux-gnu-g++ and passes its
// self-test under qemu-aarch64.
#include "tests/codegen/package_support.h"

using namespace sqz;

TEST_CASE("an arm-64-linux package builds with the cross compiler and runs under qemu", "[package][cross]") {
    if (test::run_shell("which aarch64-linux-gnu-g++ qemu-aarch64").exit_code != 0)
        SQZ_SKIP("aarch64-linux-gnu-g++ or qemu-aarch64 is not installed (scripts/install-deps installs them)");
    const ir::Graph g = compiler::load_model(test::model_at((test::source_dir() / "examples/squeezenet_v1.1.sqz").string()));
    const auto dir = test::write_package(g, "armv11", codegen::WeightsStorage::Embedded, "arm-64-linux");
    const auto exe = (dir / "selftest_arm").string();
    const auto build = test::build_package(dir, exe, "aarch64-linux-gnu-g++");
    INFO(build.err);
    REQUIRE(build.exit_code == 0);
    CHECK(test::run_shell("file " + exe).out.find("aarch64") != std::string::npos);
    const auto run = test::run_shell("qemu-aarch64 -L /usr/aarch64-linux-gnu " + exe + " --threads 2", 300);
    INFO(run.out << run.err);
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out, Catch::Contains("armv11_selftest: passed"));
}
