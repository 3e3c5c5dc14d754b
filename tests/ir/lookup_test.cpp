// lookup: a missing key is an internal error naming what was missing, the key, and the caller.
#include "ir/lookup.h"
#include "tests/support.h"

#include <map>
#include <string>
#include <vector>

using namespace sqz;

TEST_CASE("lookup finds keys and indices", "[ir][lookup]") {
    std::map<std::string, int> slots = {{"a", 1}, {"b", 2}};
    CHECK(lookup(slots, "b", "slot") == 2);
    lookup(slots, "a", "slot") = 5;  // a reference into the map
    CHECK(slots.at("a") == 5);
    const std::vector<int> v = {7, 8};
    CHECK(lookup(v, 1, "value") == 8);
    CHECK(lookup(v, size_t{0}, "value") == 7);
}

TEST_CASE("lookup of a missing key is an internal error that says what was missing", "[ir][lookup]") {
    const std::map<std::string, int> slots = {{"a", 1}};
    CHECK_THROWS_AS(lookup(slots, "fire2/expand", "slot"), InternalError);
    CHECK_THROWS_WITH(lookup(slots, "fire2/expand", "slot"),
                      Catch::Contains("lookup_test.cpp:") && Catch::EndsWith(": no slot 'fire2/expand'"));
    const std::vector<int> v = {7, 8};
    CHECK_THROWS_WITH(lookup(v, 2, "kernel input"), Catch::EndsWith(": no kernel input at index 2 of 2"));
    CHECK_THROWS_WITH(lookup(v, -1, "kernel input"), Catch::EndsWith(": no kernel input at index -1 of 2"));
}

TEST_CASE("internal errors say where they happened", "[ir][error]") {
    const auto failed_assert = [] { SQZ_ASSERT(1 + 1 == 3, "arithmetic is {}", "broken"); };
    CHECK_THROWS_WITH(failed_assert(),
                      Catch::StartsWith("internal error at ") && Catch::EndsWith(": arithmetic is broken (1 + 1 == 3)"));
    const auto failure = [] { SQZ_INTERNAL_ERROR("Halide failed on kernel {}", "k0"); };
    CHECK_THROWS_AS(failure(), InternalError);
    CHECK_THROWS_WITH(failure(), Catch::Contains("lookup_test.cpp:") && Catch::EndsWith(": Halide failed on kernel k0"));
}
