// Running shell commands: output captured apart or merged, exit codes and signals, time limits
// that kill a whole pipeline, and lists of commands run in parallel with their results in order.
#include "ir/error.h"
#include "ir/shell.h"
#include "tests/support.h"

#include <chrono>
#include <csignal>

using namespace sqz;

TEST_CASE("run_shell captures stdout and stderr apart, or merged", "[ir][shell]") {
    ShellResult r = run_shell("echo out; echo err >&2; printf tail");
    CHECK(r.ok());
    CHECK(r.exit_code == 0);
    CHECK(r.signal == 0);
    CHECK(r.out == "out\ntail");
    CHECK(r.err == "err\n");
    ShellOptions merged;
    merged.merge_output = true;
    r = run_shell("echo one; echo two >&2; echo three", merged);
    CHECK(r.out == "one\ntwo\nthree\n");
    CHECK(r.err.empty());
    // More than a pipe holds, on both streams at once: nothing stalls.
    r = run_shell("head -c 300000 /dev/zero; head -c 200000 /dev/zero >&2");
    CHECK(r.out.size() == 300000);
    CHECK(r.err.size() == 200000);
    // Stdin is empty.
    CHECK(run_shell("cat").out.empty());
}

TEST_CASE("run_shell reports exit codes and signals", "[ir][shell]") {
    ShellResult r = run_shell("exit 3");
    CHECK_FALSE(r.ok());
    CHECK(r.exit_code == 3);
    CHECK(r.signal == 0);
    r = run_shell("kill -TERM $$");
    CHECK(r.exit_code == -1);
    CHECK(r.signal == SIGTERM);
    // A command killed inside the shell comes back as 128 + N: also a signal.
    r = run_shell("sh -c 'kill -USR1 $$'; exit $?");
    CHECK(r.exit_code == -1);
    CHECK(r.signal == SIGUSR1);
    CHECK(run_shell("exit 255").exit_code == 255);
    CHECK(run_shell("no-such-command-for-sqzc-tests").exit_code == 127);
}

TEST_CASE("run_shell kills a command and its children after the time limit", "[ir][shell]") {
    ShellOptions limited;
    limited.timeout_seconds = 0.5;
    const auto start = std::chrono::steady_clock::now();
    const std::string pid_file = (test::scratch_dir() / "shell_test_sleep.pid").string();
    const ShellResult r = run_shell("echo started; sh -c 'echo $$ >" + pid_file + "; exec sleep 30' | cat; echo never",
                                    limited);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(r.timed_out);
    CHECK(r.signal == SIGKILL);
    CHECK(r.exit_code == -1);
    CHECK(r.out == "started\n");
    CHECK(seconds < 10);
    // The sleep at the head of the pipeline went with the shell: it is gone, or dead and waiting
    // to be reaped by init (state Z in /proc/PID/stat, after the name in brackets).
    std::string pid = run_shell("cat " + pid_file).out;
    while (!pid.empty() && pid.back() == '\n') pid.pop_back();
    REQUIRE_FALSE(pid.empty());
    const std::string stat = run_shell("cat /proc/" + pid + "/stat 2>/dev/null").out;
    const size_t name_end = stat.rfind(") ");
    const char state = name_end == std::string::npos ? 'X' : stat[name_end + 2];
    CHECK((state == 'Z' || state == 'X'));
    const ShellResult fast = run_shell("echo quick", limited);
    CHECK_FALSE(fast.timed_out);
    CHECK(fast.ok());
}

TEST_CASE("run_shell_all runs a list of commands and keeps their order", "[ir][shell]") {
    std::vector<std::string> commands;
    for (int i = 0; i < 12; ++i)
        commands.push_back("sleep 0.0" + std::to_string(i % 3) + "; echo " + std::to_string(i) + "; exit " +
                           std::to_string(i % 2));
    const std::vector<ShellResult> results = run_shell_all(commands, 3);
    REQUIRE(results.size() == commands.size());
    for (size_t i = 0; i < results.size(); ++i) {
        CHECK(results[i].out == std::to_string(i) + "\n");
        CHECK(results[i].exit_code == static_cast<int>(i % 2));
    }
    CHECK(run_shell_all({}, 2).empty());
}

TEST_CASE("run_shell_all_or_throw names the first failing command and its output", "[ir][shell]") {
    CHECK_NOTHROW(run_shell_all_or_throw({"true", "exit 0"}, 2, "building"));
    CHECK_THROWS_AS(run_shell_all_or_throw({"true", "echo one; exit 1", "echo two >&2; exit 2"}, 2, "building"), Error);
    CHECK_THROWS_WITH(run_shell_all_or_throw({"true", "echo one; exit 1", "echo two >&2; exit 2"}, 2, "building"),
                      "building failed: echo one; exit 1\none\n");
    CHECK_THROWS_WITH(run_shell_all_or_throw({"echo two >&2; exit 2"}, 1, "linking"),
                      "linking failed: echo two >&2; exit 2\ntwo\n");
}

TEST_CASE("shell_quote makes one word of anything", "[ir][shell]") {
    CHECK(shell_quote("plain") == "'plain'");
    const std::string nasty = "it's a $HOME `x` \"y\" \\ ; rm -rf";
    CHECK(run_shell("printf %s " + shell_quote(nasty)).out == nasty);
    CHECK(run_shell("printf %s " + shell_quote("")).out.empty());
}
