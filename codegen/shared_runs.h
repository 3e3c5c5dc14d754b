// A table whose rows hold runs of a shared pool, as a package's buffer dims and stored-tensor
// dims do (runtime/model_description.h): many buffers have the same shape, so a run already in
// the pool is pointed at again instead of repeated.
#pragma once

#include <cstddef>
#include <vector>

namespace sqz::codegen {

// The index in `pool` at which `run` starts, appending it if it is not there yet (an empty run
// starts at 0). `equal` compares two elements.
template <class T, class Equal>
size_t share_run(std::vector<T>& pool, const std::vector<T>& run, Equal equal) {
    if (run.empty()) return 0;
    for (size_t at = 0; at + run.size() <= pool.size(); ++at) {
        size_t k = 0;
        while (k < run.size() && equal(pool[at + k], run[k])) ++k;
        if (k == run.size()) return at;
    }
    pool.insert(pool.end(), run.begin(), run.end());
    return pool.size() - run.size();
}

}  // namespace sqz::codegen
