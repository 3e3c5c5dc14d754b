// Failure reports of the tools: a user error is one line and exit code 1; an internal error, or
// any exception sqzc did not mean to throw, is reported as a bug in sqzc with what to report
// (command line, version, message) and exits with its own code.
#include "compiler/error_report.h"
#include "ir/error.h"
#include "ir/lookup.h"
#include "tests/support.h"

#include <map>
#include <new>
#include <stdexcept>

using namespace sqz;
using compiler::describe_failure;

namespace {

template <typename F>
compiler::FailureReport report_of(F&& fail, const std::vector<std::string>& argv = {"sqzc", "run", "model.sqz"}) {
    try {
        fail();
    } catch (...) {
        return describe_failure(std::current_exception(), "sqzc run", argv);
    }
    FAIL("nothing was thrown");
    return {};
}

}  // namespace

TEST_CASE("a user error is one line and exit code 1", "[cli][errors]") {
    const auto r = report_of([] { user_error("model.sqz:3: unknown layer kind 'conx'"); });
    CHECK(r.exit_code == compiler::kExitUserError);
    CHECK(r.exit_code == 1);
    CHECK(r.text == "sqzc run: error: model.sqz:3: unknown layer kind 'conx'\n");
    const auto oom = report_of([] { throw std::bad_alloc(); });
    CHECK(oom.exit_code == 1);
    CHECK(oom.text == "sqzc run: error: out of memory\n");
}

TEST_CASE("an internal error is reported as a bug, with what to report", "[cli][errors]") {
    const auto r = report_of([] { SQZ_ASSERT(false, "slot {} has no memory", "fire2"); },
                             {"build/sqzc", "run", "my model.sqz", "--engine", "jit"});
    CHECK(r.exit_code == compiler::kExitBug);
    CHECK(r.exit_code != compiler::kExitUserError);
    CHECK(r.exit_code != compiler::kExitUsage);
    CHECK_THAT(r.text, Catch::StartsWith("sqzc run: internal error at "));
    CHECK_THAT(r.text, Catch::Contains(": slot fire2 has no memory (false)\n"));
    CHECK_THAT(r.text, Catch::Contains("this is a bug in sqzc"));
    CHECK_THAT(r.text, Catch::Contains("\n  command line: build/sqzc run 'my model.sqz' --engine jit\n"));
    CHECK_THAT(r.text, Catch::Contains("\n  version:      sqzc " + std::string(compiler::sqzc_version()) + "\n"));
    CHECK_THAT(r.text, !Catch::Contains("error: slot"));  // not dressed as a user error
}

TEST_CASE("an exception sqzc did not mean to throw is a bug too", "[cli][errors]") {
    // What a std::map::at would have said; sqzc's own lookups say what was missing.
    auto r = report_of([] { throw std::out_of_range("map::at"); });
    CHECK(r.exit_code == compiler::kExitBug);
    CHECK_THAT(r.text, Catch::StartsWith("sqzc run: internal error: unexpected exception std::out_of_range: map::at\n"));
    CHECK_THAT(r.text, Catch::Contains("this is a bug in sqzc"));
    r = report_of([] {
        const std::map<std::string, int> slots;
        lookup(slots, "conv1", "slot");
    });
    CHECK(r.exit_code == compiler::kExitBug);
    CHECK_THAT(r.text, Catch::Contains(": no slot 'conv1'\n"));
    r = report_of([] { throw 42; });
    CHECK(r.exit_code == compiler::kExitBug);
    CHECK_THAT(r.text, Catch::StartsWith("sqzc run: internal error: an exception of unknown type\n"));
}

TEST_CASE("sqzc has a version to report", "[cli][errors]") {
    const std::string v(compiler::sqzc_version());
    REQUIRE_FALSE(v.empty());
    CHECK(v.find_first_not_of("0123456789.") == std::string::npos);
}
