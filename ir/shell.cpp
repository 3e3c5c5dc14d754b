// Running shell commands (see shell.h): posix_spawn of /bin/sh -c with pipes for stdout and
// stderr, read with poll() until both close, so that neither pipe can fill up and stall the child.
#include "ir/shell.h"

#include "ir/error.h"
#include "ir/parallel.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>

extern char** environ;

namespace sqz {
namespace {

// The shell reports a command killed by signal N as exit status 128 + N (N up to 64 on Linux).
constexpr int kShellSignalBase = 128;
constexpr int kMaxSignal = 64;
// After a kill, how long to wait for the pipes to close (a process that left the group may hold them).
constexpr auto kKillGrace = std::chrono::seconds(2);

// A pipe whose ends close with it. Both ends are close-on-exec: a command started on another
// thread meanwhile must not inherit them, or this pipe would never report end of file.
struct Pipe {
    int fd[2] = {-1, -1};
    Pipe() {
        if (pipe2(fd, O_CLOEXEC) != 0) user_error("cannot run a shell command: pipe failed ({})", std::strerror(errno));
    }
    ~Pipe() {
        close_read();
        close_write();
    }
    void close_read() { close_fd(fd[0]); }
    void close_write() { close_fd(fd[1]); }
    static void close_fd(int& f) {
        if (f >= 0) ::close(f);
        f = -1;
    }
};

// The file actions and attributes of one spawn, destroyed with it.
struct Spawn {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    Spawn() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attributes);
    }
    ~Spawn() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
    }
};

// Reads what is ready on `fd` into `text`; returns false at end of file.
bool drain(int fd, std::string& text) {
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            text.append(buffer, static_cast<size_t>(n));
            return true;
        }
        if (n == 0) return false;
        if (errno != EINTR) return false;
    }
}

}  // namespace

ShellResult run_shell(const std::string& command, const ShellOptions& options) {
    ShellResult result;
    Pipe out, err;
    Spawn spawn;
    posix_spawn_file_actions_addopen(&spawn.actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&spawn.actions, out.fd[1], 1);
    posix_spawn_file_actions_adddup2(&spawn.actions, options.merge_output ? out.fd[1] : err.fd[1], 2);
    const bool limited = options.timeout_seconds > 0;
    if (limited) {
        // A group of its own, to be killed as a whole; without a limit the command stays in ours and
        // so gets the terminal's Ctrl-C with us.
        posix_spawnattr_setflags(&spawn.attributes, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&spawn.attributes, 0);
    }
    std::string shell = "/bin/sh", flag = "-c", text = command;
    char* argv[] = {shell.data(), flag.data(), text.data(), nullptr};
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, shell.c_str(), &spawn.actions, &spawn.attributes, argv, environ);
    if (spawned != 0) user_error("cannot start /bin/sh to run '{}': {}", command, std::strerror(spawned));
    out.close_write();
    err.close_write();
    if (options.merge_output) err.close_read();

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(options.timeout_seconds);
    std::vector<pollfd> open;
    for (int fd : {out.fd[0], err.fd[0]})
        if (fd >= 0) open.push_back({fd, POLLIN, 0});
    auto give_up = deadline;
    while (!open.empty()) {
        int wait_ms = -1;
        if (limited) {
            const auto now = std::chrono::steady_clock::now();
            if (!result.timed_out && now >= deadline) {
                ::kill(-pid, SIGKILL);
                result.timed_out = true;
                give_up = now + kKillGrace;
            } else if (result.timed_out && now >= give_up) {
                break;
            }
            const auto until = result.timed_out ? give_up : deadline;
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
            wait_ms = static_cast<int>(std::clamp<int64_t>(left.count() + 1, 1, 1 << 30));
        }
        const int ready = ::poll(open.data(), open.size(), wait_ms);
        if (ready < 0 && errno != EINTR) break;
        for (size_t i = open.size(); i-- > 0;) {
            if (ready <= 0 || open[i].revents == 0) continue;
            std::string& sink = open[i].fd == out.fd[0] ? result.out : result.err;
            if (!drain(open[i].fd, sink)) open.erase(open.begin() + static_cast<std::ptrdiff_t>(i));
        }
    }

    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) user_error("cannot run '{}': waitpid failed ({})", command, std::strerror(errno));
    if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
    } else if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
        if (result.exit_code > kShellSignalBase && result.exit_code <= kShellSignalBase + kMaxSignal)
            result.signal = result.exit_code - kShellSignalBase, result.exit_code = -1;
    }
    return result;
}

std::vector<ShellResult> run_shell_all(const std::vector<std::string>& commands, int jobs, const ShellOptions& options) {
    std::vector<ShellResult> results(commands.size());
    parallel_for_each(commands.size(), jobs, [&](size_t i) { results[i] = run_shell(commands[i], options); });
    return results;
}

void run_shell_all_or_throw(const std::vector<std::string>& commands, int jobs, std::string_view what) {
    ShellOptions merged;
    merged.merge_output = true;
    const std::vector<ShellResult> results = run_shell_all(commands, jobs, merged);
    for (size_t i = 0; i < results.size(); ++i)
        if (!results[i].ok())
            user_error("{} failed: {}\n{}", what, commands[i], results[i].out.substr(0, kFailureOutputBytes));
}

std::string shell_quote(std::string_view text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

}  // namespace sqz
