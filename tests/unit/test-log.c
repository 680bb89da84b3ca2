/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for core/lib/log.c: the line format, per-module level
 * filtering, --log-level parsing (including levels for modules that
 * register later), whole lines for long messages and concurrent writers,
 * and the syslog destination.  Criterion runs each test in its own
 * process, so every test starts from the initial logging state.
 */

#include <config.h>     /* _GNU_SOURCE: strptime, timegm, unshare */

#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <regex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(test-log);

/* Where the tests capture log lines. */
static FILE *capture;

/* Points the log's stderr destination at a fresh temporary file. */
static void
capture_start(void)
{
    capture = tmpfile();
    cr_assert_not_null(capture, "tmpfile: %s", strerror(errno));
    log_set_stream(capture);
}

/* Points the log back at stderr and closes the temporary file. */
static void
capture_stop(void)
{
    log_set_stream(NULL);
    if (capture) {
        fclose(capture);
        capture = NULL;
    }
}

TestSuite(log, .init = capture_start, .fini = capture_stop);

/* Returns everything logged so far, malloc'd. */
static char *
captured(void)
{
    size_t size = 0, allocated = 4096;
    char *text = xmalloc(allocated);

    fflush(capture);
    rewind(capture);
    for (;;) {
        size_t n = fread(text + size, 1, allocated - size - 1, capture);
        size += n;
        if (size < allocated - 1) {
            break;
        }
        allocated *= 2;
        text = xrealloc(text, allocated);
    }
    text[size] = '\0';
    fseek(capture, 0, SEEK_END);
    return text;
}

/* Returns the number of newline characters in 's'. */
static size_t
count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        n += *s == '\n';
    }
    return n;
}

/* Asserts that 'text' matches extended regular expression 'pattern'. */
static void
assert_matches(const char *text, const char *pattern)
{
    regex_t re;
    int error = regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE);
    cr_assert_eq(error, 0, "bad test regex %s", pattern);
    int retval = regexec(&re, text, 0, NULL, 0);
    regfree(&re);
    cr_assert_eq(retval, 0, "'%s' does not match /%s/", text, pattern);
}

/* The timestamp pattern, then the sequence number. */
#define LINE_PREFIX_RE \
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z" \
    "\\|[0-9]{5,}\\|"

Test(log, line_format)
{
    LOG_INFO("hello %d %s", 42, "world");

    char *text = captured();
    assert_matches(text, LINE_PREFIX_RE "test-log\\|INFO\\|hello 42 world\n$");
    cr_assert_eq(count_lines(text), 1);
    free(text);
}

Test(log, timestamp_is_utc_and_current)
{
    /* A local time five and a half hours off UTC shows up as a
     * difference far beyond the allowed slack. */
    setenv("TZ", "IST-5:30", 1);
    tzset();

    time_t before = time(NULL);
    LOG_WARN("tick");
    time_t after = time(NULL);

    char *text = captured();
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    char *end = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
    cr_assert_not_null(end, "cannot parse timestamp in '%s'", text);
    time_t logged = timegm(&tm);
    cr_assert_geq(logged, before - 1, "logged %lld, before %lld",
                  (long long) logged, (long long) before);
    cr_assert_leq(logged, after + 1, "logged %lld, after %lld",
                  (long long) logged, (long long) after);
    free(text);
}

Test(log, sequence_numbers_count_messages)
{
    LOG_ERR("one");
    LOG_WARN("two");
    LOG_INFO("three");

    char *text = captured();
    unsigned int seqs[3];
    const char *p = text;
    for (int i = 0; i < 3; i++) {
        const char *bar = strchr(p, '|');
        cr_assert_not_null(bar);
        cr_assert_eq(sscanf(bar + 1, "%u|", &seqs[i]), 1);
        p = strchr(p, '\n');
        cr_assert_not_null(p);
        p++;
    }
    cr_assert_eq(seqs[1], seqs[0] + 1);
    cr_assert_eq(seqs[2], seqs[1] + 1);
    assert_matches(text, "\\|00001\\|test-log\\|ERR\\|one$");
    free(text);
}

Test(log, level_names_in_lines)
{
    log_module_set_level(&this_log_module, ANTREA_LOG_DBG);
    LOG_ERR("e");
    LOG_WARN("w");
    LOG_INFO("i");
    LOG_DBG("d");

    char *text = captured();
    assert_matches(text, LINE_PREFIX_RE "test-log\\|ERR\\|e\n"
                   "[^\n]*\\|test-log\\|WARN\\|w\n"
                   "[^\n]*\\|test-log\\|INFO\\|i\n"
                   "[^\n]*\\|test-log\\|DBG\\|d\n$");
    free(text);
}

Test(log, one_trailing_newline_is_stripped)
{
    LOG_INFO("one\n");
    LOG_INFO("two\n\n");
    LOG_INFO("three");

    char *text = captured();
    assert_matches(text, "\\|INFO\\|one\n[^\n]*\\|INFO\\|two\n\n"
                   "[^\n]*\\|INFO\\|three\n$");
    free(text);
}

/* Returns 'x' and counts the calls, to see whether LOG_* evaluated its
 * arguments. */
static int evaluations;
static int
counted(int x)
{
    evaluations++;
    return x;
}

Test(log, default_level_is_info_and_disabled_args_are_not_evaluated)
{
    cr_assert_eq(this_log_module.level, ANTREA_LOG_INFO);
    cr_assert_eq(log_get_default_level(), ANTREA_LOG_INFO);
    cr_assert(log_is_enabled(&this_log_module, ANTREA_LOG_INFO));
    cr_assert_not(log_is_enabled(&this_log_module, ANTREA_LOG_DBG));

    LOG_DBG("hidden %d", counted(1));
    cr_assert_eq(evaluations, 0);
    char *text = captured();
    cr_assert_str_empty(text);
    free(text);

    LOG_INFO("shown %d", counted(2));
    cr_assert_eq(evaluations, 1);
    text = captured();
    assert_matches(text, "\\|INFO\\|shown 2\n$");
    free(text);
}

Test(log, modules_filter_independently)
{
    struct log_module *a = log_module_get("mod-a");
    struct log_module *b = log_module_get("mod-b");

    cr_assert_eq(log_set_levels("mod-a:dbg", NULL), 0);
    cr_assert_eq(a->level, ANTREA_LOG_DBG);
    cr_assert_eq(b->level, ANTREA_LOG_INFO);

    log_msg(a, ANTREA_LOG_DBG, "from a");
    log_msg(b, ANTREA_LOG_DBG, "from b");
    log_msg(b, ANTREA_LOG_INFO, "info from b");

    char *text = captured();
    assert_matches(text, LINE_PREFIX_RE "mod-a\\|DBG\\|from a\n"
                   LINE_PREFIX_RE "mod-b\\|INFO\\|info from b\n$");
    free(text);

    cr_assert_eq(log_set_levels("mod-b:err", NULL), 0);
    log_msg(b, ANTREA_LOG_WARN, "dropped");
    text = captured();
    cr_assert_null(strstr(text, "dropped"));
    free(text);
}

Test(log, module_get_and_find)
{
    cr_assert_null(log_module_find("no-such-module"));
    struct log_module *m = log_module_get("geneve");
    cr_assert_not_null(m);
    cr_assert_str_eq(m->name, "geneve");
    cr_assert_eq(log_module_get("geneve"), m);
    cr_assert_eq(log_module_find("geneve"), m);
    /* LOG_DEFINE_THIS_MODULE registered this file's before main(). */
    cr_assert_eq(log_module_find("test-log"), &this_log_module);
}

Test(log, quoted_module_names_lose_their_quotes)
{
    static struct log_module quoted = { "\"quoted-name\"", ANTREA_LOG_INFO,
                                        NULL };
    log_module_register(&quoted);
    log_module_register(&quoted);   /* twice is harmless */
    cr_assert_str_eq(quoted.name, "quoted-name");
    cr_assert_eq(log_module_find("quoted-name"), &quoted);
}

Test(log, bare_level_sets_all_modules_and_later_ones)
{
    struct log_module *a = log_module_get("mod-a");

    cr_assert_eq(log_set_levels("warn", NULL), 0);
    cr_assert_eq(a->level, ANTREA_LOG_WARN);
    cr_assert_eq(this_log_module.level, ANTREA_LOG_WARN);
    cr_assert_eq(log_get_default_level(), ANTREA_LOG_WARN);
    cr_assert_eq(log_module_get("registered-later")->level,
                 ANTREA_LOG_WARN);

    LOG_INFO("dropped");
    char *text = captured();
    cr_assert_str_empty(text);
    free(text);
}

Test(log, levels_for_modules_registered_later)
{
    cr_assert_null(log_module_find("late-plugin"));
    cr_assert_eq(log_set_levels("late-plugin:dbg,other-late:err", NULL), 0);
    cr_assert_null(log_module_find("late-plugin"),
                   "naming a module must not create it");

    cr_assert_eq(log_module_get("late-plugin")->level, ANTREA_LOG_DBG);
    cr_assert_eq(log_module_get("other-late")->level, ANTREA_LOG_ERR);
    cr_assert_eq(log_module_get("unnamed-late")->level, ANTREA_LOG_INFO);

    /* Modules defined with LOG_DEFINE_THIS_MODULE-style registration
     * too. */
    static struct log_module late = { "late-static", ANTREA_LOG_INFO, NULL };
    cr_assert_eq(log_set_levels("late-static:warn", NULL), 0);
    log_module_register(&late);
    cr_assert_eq(late.level, ANTREA_LOG_WARN);
}

Test(log, items_apply_left_to_right)
{
    cr_assert_eq(log_set_levels("dbg, late-a:err", NULL), 0);
    cr_assert_eq(log_module_get("late-a")->level, ANTREA_LOG_ERR);
    cr_assert_eq(log_module_get("late-b")->level, ANTREA_LOG_DBG);
    cr_assert_eq(this_log_module.level, ANTREA_LOG_DBG);

    /* A later bare level overrides earlier named ones, registered or
     * not. */
    cr_assert_eq(log_set_levels("test-log:err,late-c:err,Warning", NULL), 0);
    cr_assert_eq(this_log_module.level, ANTREA_LOG_WARN);
    cr_assert_eq(log_module_get("late-c")->level, ANTREA_LOG_WARN);
}

Test(log, set_default_level_spares_named_modules)
{
    struct log_module *named = log_module_get("named");
    struct log_module *plain = log_module_get("plain");

    cr_assert_eq(log_set_levels("named:err,named-later:err", NULL), 0);
    log_set_default_level(ANTREA_LOG_DBG);
    cr_assert_eq(named->level, ANTREA_LOG_ERR);
    cr_assert_eq(plain->level, ANTREA_LOG_DBG);
    cr_assert_eq(log_module_get("named-later")->level, ANTREA_LOG_ERR);
    cr_assert_eq(log_module_get("plain-later")->level, ANTREA_LOG_DBG);
}

/* Asserts that 'spec' is rejected with EINVAL and a message containing
 * 'expected', and that it changed no level. */
static void
assert_bad_spec(const char *spec, const char *expected)
{
    char *error = (char *) "not touched";

    cr_assert_eq(log_set_levels(spec, &error), EINVAL, "spec '%s'", spec);
    cr_assert_not_null(error, "spec '%s': no message", spec);
    cr_assert_not_null(strstr(error, expected),
                       "spec '%s': message '%s' lacks '%s'",
                       spec, error, expected);
    free(error);

    cr_assert_eq(this_log_module.level, ANTREA_LOG_INFO,
                 "spec '%s' changed a level", spec);
    cr_assert_eq(log_get_default_level(), ANTREA_LOG_INFO,
                 "spec '%s' changed the default level", spec);
    cr_assert_eq(log_module_get("cni")->level, ANTREA_LOG_INFO,
                 "spec '%s' left a level for a later module", spec);
}

Test(log, bad_specs_are_rejected_whole)
{
    assert_bad_spec("cni:verbose",
                    "unknown log level 'verbose' in 'cni:verbose'");
    assert_bad_spec("dbg,cni:dbg,cni:verbose",
                    "unknown log level 'verbose' in 'cni:verbose'");
    assert_bad_spec("verbose", "unknown log level 'verbose'");
    assert_bad_spec("cni", "unknown log level 'cni'");
    assert_bad_spec("", "empty log level specification");
    assert_bad_spec("   ", "empty log level specification");
    assert_bad_spec(NULL, "empty log level specification");
    assert_bad_spec("dbg,,cni:dbg", "empty item");
    assert_bad_spec("dbg,", "empty item");
    assert_bad_spec(":dbg", "missing log module name in ':dbg'");
    assert_bad_spec("cni:", "missing log level in 'cni:'");
    assert_bad_spec("cni:dbg:x", "unknown log level 'dbg:x' in 'cni:dbg:x'");
    assert_bad_spec("c n i:dbg", "invalid log module name 'c n i'");
}

Test(log, good_spec_clears_error)
{
    char *error = (char *) "not touched";
    cr_assert_eq(log_set_levels("cni:DEBUG", &error), 0);
    cr_assert_null(error);
    cr_assert_eq(log_module_get("cni")->level, ANTREA_LOG_DBG);
}

Test(log, level_strings)
{
    static const struct {
        const char *name;
        enum antrea_log_level level;
    } good[] = {
        { "err", ANTREA_LOG_ERR }, { "ERROR", ANTREA_LOG_ERR },
        { "warn", ANTREA_LOG_WARN }, { "Warning", ANTREA_LOG_WARN },
        { "info", ANTREA_LOG_INFO }, { "INFO", ANTREA_LOG_INFO },
        { "dbg", ANTREA_LOG_DBG }, { "debug", ANTREA_LOG_DBG },
    };
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        enum antrea_log_level level = ANTREA_LOG_INFO + 100;
        cr_assert(log_level_from_string(good[i].name, &level), "%s",
                  good[i].name);
        cr_assert_eq(level, good[i].level, "%s", good[i].name);
    }

    static const char *const bad[] = { "", "verbose", "in", "errors",
                                       "warn ", "3" };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        enum antrea_log_level level = ANTREA_LOG_WARN;
        cr_assert_not(log_level_from_string(bad[i], &level), "'%s'", bad[i]);
        cr_assert_eq(level, ANTREA_LOG_WARN, "'%s' changed *levelp", bad[i]);
    }
    enum antrea_log_level level;
    cr_assert_not(log_level_from_string(NULL, &level));

    cr_assert_str_eq(log_level_to_string(ANTREA_LOG_ERR), "err");
    cr_assert_str_eq(log_level_to_string(ANTREA_LOG_WARN), "warn");
    cr_assert_str_eq(log_level_to_string(ANTREA_LOG_INFO), "info");
    cr_assert_str_eq(log_level_to_string(ANTREA_LOG_DBG), "dbg");
    cr_assert_str_eq(log_level_to_string(ANTREA_LOG_DBG + 1), "invalid");
}

Test(log, out_of_range_levels_do_not_crash)
{
    struct log_module *m = log_module_get("plugin-x");
    log_module_set_level(m, ANTREA_LOG_DBG + 7);
    cr_assert_eq(m->level, ANTREA_LOG_DBG);

    log_msg(m, ANTREA_LOG_DBG + 1, "too verbose");
    log_msg(m, ANTREA_LOG_WARN, "fine");
    char *text = captured();
    assert_matches(text, LINE_PREFIX_RE "plugin-x\\|WARN\\|fine\n$");
    free(text);
}

Test(log, long_messages_are_whole)
{
    size_t len = 100000;
    char *big = xmalloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        big[i] = 'a' + i % 26;
    }
    big[len] = '\0';

    LOG_INFO("<%s>", big);
    LOG_INFO("after");

    char *text = captured();
    cr_assert_eq(count_lines(text), 2);
    char *start = strstr(text, "|INFO|<");
    cr_assert_not_null(start);
    start += strlen("|INFO|<");
    cr_assert_eq(memcmp(start, big, len), 0, "message altered");
    cr_assert_eq(start[len], '>');
    cr_assert_eq(start[len + 1], '\n');
    assert_matches(text, "\\|INFO\\|after\n$");
    free(text);
    free(big);
}

/* Number of messages each writer thread logs in the concurrency test. */
#define N_PER_THREAD 200

/* Logs N_PER_THREAD messages of ~3000 bytes tagged with the thread's
 * number 'arg_'. */
static void *
writer_thread(void *arg_)
{
    int id = *(int *) arg_;
    char body[3000];

    memset(body, 'A' + id, sizeof body - 1);
    body[sizeof body - 1] = '\0';
    for (int i = 0; i < N_PER_THREAD; i++) {
        LOG_INFO("t%d-%d:%s", id, i, body);
    }
    return NULL;
}

Test(log, concurrent_writers_never_mix_lines)
{
    enum { N_THREADS = 4 };
    pthread_t threads[N_THREADS];
    int ids[N_THREADS];

    for (int i = 0; i < N_THREADS; i++) {
        ids[i] = i;
        cr_assert_eq(pthread_create(&threads[i], NULL, writer_thread,
                                    &ids[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++) {
        pthread_join(threads[i], NULL);
    }

    char *text = captured();
    cr_assert_eq(count_lines(text), N_THREADS * N_PER_THREAD);

    bool seen[N_THREADS * N_PER_THREAD + 1];
    memset(seen, 0, sizeof seen);
    char *save = NULL;
    unsigned int prev_seq = 0;
    for (char *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        unsigned int seq;
        int id, i, n = 0;
        const char *bar = strchr(line, '|');
        cr_assert_not_null(bar, "line without '|': %.80s", line);
        cr_assert_eq(sscanf(bar + 1, "%u|test-log|INFO|t%d-%d:%n",
                            &seq, &id, &i, &n), 3, "%.80s", line);
        cr_assert_gt(n, 0);
        cr_assert(id >= 0 && id < N_THREADS);
        cr_assert_eq(seq, prev_seq + 1, "sequence out of order");
        prev_seq = seq;
        cr_assert(seq <= N_THREADS * N_PER_THREAD);
        cr_assert_not(seen[seq]);
        seen[seq] = true;

        const char *body = bar + 1 + n;
        cr_assert_eq(strlen(body), 2999, "line %u cut or mixed", seq);
        for (size_t k = 0; k < 2999; k++) {
            cr_assert_eq(body[k], 'A' + id, "line %u mixed", seq);
        }
    }
    free(text);
}

Test(log, stderr_destination_can_be_turned_off)
{
    log_enable_stderr(false);
    LOG_ERR("not written");
    char *text = captured();
    cr_assert_str_empty(text);
    free(text);

    log_enable_stderr(true);
    LOG_ERR("written");
    text = captured();
    /* The silenced message still took a sequence number. */
    assert_matches(text, "\\|00002\\|test-log\\|ERR\\|written\n$");
    free(text);
}

/* Passes its arguments to log_msg_va(), as the host API's log does. */
static void ANTREA_PRINTF_FORMAT(3, 4)
log_through_va(struct log_module *module, enum antrea_log_level level,
               const char *format, ...)
{
    va_list args;
    va_start(args, format);
    log_msg_va(module, level, format, args);
    va_end(args);
}

Test(log, log_msg_va_formats)
{
    struct log_module *m = log_module_get("va");
    log_through_va(m, ANTREA_LOG_INFO, "%s=%06.2f %c %%", "x", 3.25, 'z');
    log_through_va(m, ANTREA_LOG_DBG, "dropped %d", 1);
    char *text = captured();
    assert_matches(text, LINE_PREFIX_RE "va\\|INFO\\|x=003\\.25 z %\n$");
    free(text);
}

/* Makes this process see an empty /dev, in its own mount namespace, so
 * that the test can bind /dev/log.  Returns false if it may not. */
static bool
private_dev(void)
{
    if (unshare(CLONE_NEWNS) && unshare(CLONE_NEWUSER | CLONE_NEWNS)) {
        return false;
    }
    return (!mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)
            && !mount("none", "/dev", "tmpfs", 0, NULL));
}

Test(log, syslog_gets_module_and_message)
{
    if (!private_dev()) {
        cr_skip_test("cannot make a private /dev to bind /dev/log");
    }

    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    strcpy(sun.sun_path, "/dev/log");
    cr_assert_eq(bind(fd, (struct sockaddr *) &sun, sizeof sun), 0,
                 "bind /dev/log: %s", strerror(errno));
    struct timeval tv = { .tv_sec = 10 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    log_open_syslog("test-ident");
    LOG_WARN("to syslog %d", 7);
    LOG_DBG("filtered out");
    LOG_ERR("an error\n");

    char buf[512];
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    cr_assert_gt(n, 0, "no syslog datagram: %s", strerror(errno));
    buf[n] = '\0';
    /* <28> is facility daemon (3) * 8 + priority warning (4). */
    char expected[128];
    snprintf(expected, sizeof expected, "test-ident[%ld]: ", (long) getpid());
    cr_assert(!strncmp(buf, "<28>", 4), "got '%s'", buf);
    cr_assert_not_null(strstr(buf, expected), "got '%s'", buf);
    cr_assert_not_null(strstr(buf, "test-log|to syslog 7"), "got '%s'", buf);

    n = recv(fd, buf, sizeof buf - 1, 0);
    cr_assert_gt(n, 0);
    buf[n] = '\0';
    cr_assert(!strncmp(buf, "<27>", 4), "got '%s'", buf);  /* daemon.err */
    cr_assert_not_null(strstr(buf, "test-log|an error"), "got '%s'", buf);
    cr_assert_null(strstr(buf, "an error\n"), "newline not stripped");

    log_close_syslog();
    LOG_ERR("stderr only");
    cr_assert_eq(recv(fd, buf, sizeof buf, MSG_DONTWAIT), -1);

    /* stderr got every message too. */
    char *text = captured();
    cr_assert_eq(count_lines(text), 3);
    free(text);
    close(fd);
}
