// Names as C identifiers: the mapping every generated name goes through.
#include "ir/c_identifier.h"
#include "tests/support.h"

using namespace sqz;

TEST_CASE("c_identifier replaces what C identifiers may not hold", "[ir][identifier]") {
    CHECK(c_identifier("conv1") == "conv1");
    CHECK(c_identifier("fire2/squeeze1x1") == "fire2_squeeze1x1");
    CHECK(c_identifier("a.b:c-d e") == "a_b_c_d_e");
    CHECK(c_identifier("already_fine_9") == "already_fine_9");
    CHECK(c_identifier("caf\xc3\xa9") == "caf__");  // bytes, not characters
}

TEST_CASE("c_identifier puts its lead before a digit or nothing", "[ir][identifier]") {
    CHECK(c_identifier("") == "_");
    CHECK(c_identifier("1conv") == "_1conv");
    CHECK(c_identifier("1conv", "model_") == "model_1conv");
    CHECK(c_identifier("", "model_") == "model_");
    CHECK(c_identifier("-x", "model_") == "_x");  // starts with '_' once replaced: no lead
    CHECK(is_c_identifier(c_identifier("9/8")));
}

TEST_CASE("is_c_identifier", "[ir][identifier]") {
    CHECK(is_c_identifier("squeezenet"));
    CHECK(is_c_identifier("_x9"));
    CHECK_FALSE(is_c_identifier(""));
    CHECK_FALSE(is_c_identifier("9x"));
    CHECK_FALSE(is_c_identifier("a-b"));
    CHECK_FALSE(is_c_identifier("a b"));
}
