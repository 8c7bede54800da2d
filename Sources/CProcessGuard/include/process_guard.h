#ifndef DIVERGENCE_PROCESS_GUARD_H
#define DIVERGENCE_PROCESS_GUARD_H

#include <stddef.h>
#include <sys/types.h>

/// Installs the SIGINT/SIGTERM/SIGHUP handler (left alone where the signal is ignored, as
/// under nohup) and unblocks those signals in the calling thread, which should be the main
/// thread: a process started from a thread pool inherits a mask that blocks them, and a blocked
/// SIGTERM would wait for the run to end instead of ending it. Registration installs it too.
void pg_install(void);

/// Registers a temporary file to be removed if the process is ended by SIGINT, SIGTERM or
/// SIGHUP before it is renamed into place. Returns a slot for `pg_forget_path`, or -1 when the
/// table is full or the path too long (the file is then only removed on the normal paths).
int pg_register_path(const char *path);
void pg_forget_path(int slot);

/// Why `pg_run` ended.
typedef enum {
    PG_EXITED = 0,        /// the child exited; `status` holds its exit code
    PG_SIGNALLED = 1,     /// the child was ended by signal `status`
    PG_TIMED_OUT = 2,     /// killed (with its process group) after `timeout_ms`
    PG_OUTPUT_LIMIT = 3,  /// killed because stdout or stderr passed `max_output` bytes
    PG_SPAWN_FAILED = 4,  /// could not start; `status` holds errno
} pg_outcome;

typedef struct {
    pg_outcome outcome;
    int status;
    char *out;   /// malloc'd, NUL-terminated; free with pg_free_result
    size_t out_length;
    char *err;
    size_t err_length;
} pg_result;

/// Runs `path` with `argv` and `envp` (no shell), stdin from /dev/null, in its own process
/// group under a guardian process that kills the group when this process dies (however it
/// dies), killed too on SIGINT/SIGTERM/SIGHUP, after `timeout_ms`, or past `max_output` bytes
/// on either stream. Exit status 126 or 127 with nothing written means it could not start.
pg_result pg_run(const char *path, char *const argv[], char *const envp[], long timeout_ms, size_t max_output);
void pg_free_result(pg_result *result);

#endif
