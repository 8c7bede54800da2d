// Signal-safe clean-up of temporary files and child processes, and a bounded way to run a
// renderer. Kept in C because a signal handler may only call async-signal-safe functions, and
// the child side of fork() may call nothing else either: neither can be written in Swift.
#define _GNU_SOURCE
#include "process_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PG_SLOTS 64
#define PG_PATH_MAX 4096

// Slot states: 0 free, 1 being written, 2 ready (the handler only reads ready slots).
static _Atomic int path_state[PG_SLOTS];
static char paths[PG_SLOTS][PG_PATH_MAX];
static _Atomic pid_t children[PG_SLOTS];
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static const int guarded_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void on_signal(int sig) {
    for (int i = 0; i < PG_SLOTS; i++) {
        if (atomic_load(&path_state[i]) == 2) unlink(paths[i]);
        pid_t child = atomic_load(&children[i]);
        if (child > 0) kill(-child, SIGKILL);
    }
    // Die of the same signal, so the parent shell sees what happened.
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install(void) {
    for (size_t i = 0; i < sizeof guarded_signals / sizeof guarded_signals[0]; i++) {
        struct sigaction old;
        if (sigaction(guarded_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;  // nohup keeps working
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_signal;
        sigfillset(&action.sa_mask);
        sigaction(guarded_signals[i], &action, NULL);
    }
}

void pg_install(void) {
    pthread_once(&install_once, install);
    sigset_t guarded;
    sigemptyset(&guarded);
    for (size_t i = 0; i < sizeof guarded_signals / sizeof guarded_signals[0]; i++) sigaddset(&guarded, guarded_signals[i]);
    pthread_sigmask(SIG_UNBLOCK, &guarded, NULL);
}

int pg_register_path(const char *path) {
    size_t length = strlen(path);
    if (length >= PG_PATH_MAX) return -1;
    pthread_once(&install_once, install);
    for (int i = 0; i < PG_SLOTS; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&path_state[i], &expected, 1)) {
            memcpy(paths[i], path, length + 1);
            atomic_store(&path_state[i], 2);
            return i;
        }
    }
    return -1;
}

void pg_forget_path(int slot) {
    if (slot >= 0 && slot < PG_SLOTS) atomic_store(&path_state[slot], 0);
}

static int register_child(pid_t pid) {
    for (int i = 0; i < PG_SLOTS; i++) {
        pid_t expected = 0;
        if (atomic_compare_exchange_strong(&children[i], &expected, pid)) return i;
    }
    return -1;
}

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

typedef struct { char *data; size_t length, capacity; } buffer;

// pipe2 with O_CLOEXEC where the system has it (Linux), else pipe and fcntl: this process
// starts children only from pg_run, with signals blocked, so the gap cannot leak a descriptor.
static int cloexec_pipe(int fds[2]) {
#ifdef __linux__
    return pipe2(fds, O_CLOEXEC);
#else
    if (pipe(fds) != 0) return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}

// Appends what is readable on fd; returns 0 at end of file, -1 past the limit, 1 otherwise.
static int drain(int fd, buffer *b, size_t limit) {
    char chunk[65536];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n == 0) return 0;
    if (n < 0) return (errno == EINTR || errno == EAGAIN) ? 1 : 0;
    if (b->length + (size_t)n > limit) return -1;
    if (b->length + (size_t)n + 1 > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 65536;
        while (capacity < b->length + (size_t)n + 1) capacity *= 2;
        char *grown = realloc(b->data, capacity);
        if (!grown) return -1;
        b->data = grown;
        b->capacity = capacity;
    }
    memcpy(b->data + b->length, chunk, (size_t)n);
    b->length += (size_t)n;
    b->data[b->length] = 0;
    return 1;
}

pg_result pg_run(const char *path, char *const argv[], char *const envp[], long timeout_ms, size_t max_output) {
    pg_result result = {PG_SPAWN_FAILED, 0, NULL, 0, NULL, 0};
    pthread_once(&install_once, install);
    int out[2], err[2];
    if (cloexec_pipe(out) != 0) { result.status = errno; return result; }
    if (cloexec_pipe(err) != 0) { result.status = errno; close(out[0]); close(out[1]); return result; }
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    // The lifeline: only this process holds its write end, so the guardian reads end of file
    // the moment this process dies, by any signal, SIGKILL included.
    int lifeline[2];
    if (cloexec_pipe(lifeline) != 0) {
        result.status = errno;
        close(out[0]); close(out[1]); close(err[0]); close(err[1]);
        if (devnull >= 0) close(devnull);
        return result;
    }
    // Signals stay blocked across fork so the child cannot run our handler before exec.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t pid = fork();
    if (pid == 0) {
        // The guardian, leader of a new process group: it starts the renderer in that group and
        // kills the whole group if this process dies. Async-signal-safe calls only from here on.
        setpgid(0, 0);
        for (size_t i = 0; i < sizeof guarded_signals / sizeof guarded_signals[0]; i++) signal(guarded_signals[i], SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        pid_t renderer = fork();
        if (renderer == 0) {
            if (devnull >= 0) dup2(devnull, 0);
            dup2(out[1], 1);
            dup2(err[1], 2);
#ifdef SYS_close_range
            syscall(SYS_close_range, 3, ~0U, 0);
#endif
            sigprocmask(SIG_SETMASK, &none, NULL);
            execve(path, argv, envp);
            _exit(127);
        }
        if (renderer < 0) _exit(126);
        dup2(lifeline[0], 0);
#ifdef SYS_close_range
        syscall(SYS_close_range, 1, ~0U, 0);
#else
        close(out[1]); close(err[1]); close(lifeline[0]); close(lifeline[1]);
#endif
        for (;;) {
            struct pollfd watch = {0, POLLIN, 0};
            if (poll(&watch, 1, 50) > 0) kill(0, SIGKILL);  // end of file: divergence is gone
            int status;
            if (waitpid(renderer, &status, WNOHANG) == renderer) {
                if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
                sigprocmask(SIG_SETMASK, &none, NULL);
                signal(WTERMSIG(status), SIG_DFL);
                kill(getpid(), WTERMSIG(status));
                _exit(125);
            }
        }
    }
    close(lifeline[0]);
    int saved = errno;
    int slot = pid > 0 ? register_child(pid) : -1;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    close(out[1]);
    close(err[1]);
    if (devnull >= 0) close(devnull);
    if (pid < 0) { result.status = saved; close(out[0]); close(err[0]); close(lifeline[1]); return result; }
    setpgid(pid, pid);  // also from this side, so kill(-pid) works even before the child ran

    buffer bo = {0}, be = {0};
    struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_streams = 2;
    long deadline = now_ms() + timeout_ms;
    pg_outcome outcome = PG_EXITED;
    while (open_streams > 0) {
        long left = deadline - now_ms();
        if (left <= 0) { outcome = PG_TIMED_OUT; break; }
        int ready = poll(fds, 2, (int)(left > 1000 ? 1000 : left));
        if (ready < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            int state = drain(fds[i].fd, i == 0 ? &bo : &be, max_output);
            if (state == -1) { outcome = PG_OUTPUT_LIMIT; open_streams = 0; break; }
            if (state == 0) { close(fds[i].fd); fds[i].fd = -1; open_streams--; }
        }
    }
    if (outcome != PG_EXITED) kill(-pid, SIGKILL);
    // The streams are closed: wait for the exit, still under the deadline.
    int status = 0;
    while (outcome == PG_EXITED) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (done < 0 && errno != EINTR) break;
        if (now_ms() >= deadline) { outcome = PG_TIMED_OUT; kill(-pid, SIGKILL); break; }
        struct timespec pause = {0, 10 * 1000000L};
        nanosleep(&pause, NULL);
    }
    if (outcome != PG_EXITED) waitpid(pid, &status, 0);
    kill(-pid, SIGKILL);  // grandchildren left in the group (a git clone under kustomize)
    if (slot >= 0) atomic_store(&children[slot], 0);
    close(lifeline[1]);
    for (int i = 0; i < 2; i++) if (fds[i].fd >= 0) close(fds[i].fd);

    result.outcome = outcome;
    if (outcome == PG_EXITED) {
        if (WIFSIGNALED(status)) { result.outcome = PG_SIGNALLED; result.status = WTERMSIG(status); }
        else result.status = WEXITSTATUS(status);
    }
    result.out = bo.data ? bo.data : calloc(1, 1);
    result.out_length = bo.length;
    result.err = be.data ? be.data : calloc(1, 1);
    result.err_length = be.length;
    return result;
}

void pg_free_result(pg_result *result) {
    free(result->out);
    free(result->err);
    result->out = result->err = NULL;
}
