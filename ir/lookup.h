// Lookups whose failure is a bug: `lookup(plan.slots, name, "slot")` finds a key that sqzc's own
// code put into a map (or an index into a vector) and, when it is missing, fails with an internal
// error that names what was looked for, where, and the key, instead of std::map::at's bare
// "map::at". Not for user input: a name from a model file that may be absent is a user error.
#pragma once

#include "ir/error.h"

#include <fmt/format.h>

#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>

namespace sqz {
namespace detail {

template <typename T, typename = void>
struct has_key_type : std::false_type {};
template <typename T>
struct has_key_type<T, std::void_t<typename T::key_type>> : std::true_type {};

[[noreturn]] void lookup_failure(const char* file, int line, std::string_view what, const std::string& key);

}  // namespace detail

// map[key] for a map (anything with key_type and find), vector[key] for a sequence (or array); the default
// arguments record the caller's file and line. Returns a reference (const for a const container).
template <typename Container, typename Key>
auto& lookup(Container& container, const Key& key, std::string_view what, const char* file = __builtin_FILE(),
             int line = __builtin_LINE()) {
    if constexpr (detail::has_key_type<std::remove_const_t<Container>>::value) {
        auto it = container.find(key);
        if (it == container.end()) detail::lookup_failure(file, line, what, fmt::format("'{}'", key));
        return it->second;
    } else {
        static_assert(std::is_integral_v<Key>, "lookup in a sequence takes an index");
        bool negative = false;
        if constexpr (std::is_signed_v<Key>) negative = key < 0;
        if (negative || static_cast<size_t>(key) >= std::size(container))
            detail::lookup_failure(file, line, what, fmt::format("at index {} of {}", key, std::size(container)));
        return container[static_cast<size_t>(key)];
    }
}

}  // namespace sqz
