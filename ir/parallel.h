// A work queue shared by threads: parallel_for_each hands out the indices of a list of jobs, one
// at a time, to a few threads (the caller among them) and returns once every started job has
// finished. The first failure stops the handing out and is rethrown on the caller. For coarse
// jobs (compiling a kernel, running a compiler); inference uses runtime::ThreadPool instead.
#pragma once

#include <cstddef>
#include <functional>

namespace sqz {

// The machine's hardware threads (at least 1).
int hardware_threads();

// Calls job(i) once for every i in [0, count), on min(threads, count) threads: the caller and
// threads - 1 helpers (threads < 1 counts as 1). Jobs start in index order. When a job throws, no
// further jobs start; once the running ones are done, the exception of the lowest-numbered failed
// job is rethrown here.
void parallel_for_each(size_t count, int threads, const std::function<void(size_t)>& job);

}  // namespace sqz
