/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for core/lib/cni-env.c: each command's required CNI_*
 * variables (each missing one is named), malformed values of each
 * variable, and CNI_ARGS parsing (the Kubernetes keys and IgnoreUnknown).
 * Every failure must be INVALID_ENVIRONMENT_VARIABLES (4).
 */

#include <config.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni-env.h"
#include "cni-error.h"

TestSuite(cni_env, .timeout = 30);

/* The full environment of an ADD. */
#define CID "CNI_CONTAINERID=3f6940ab5ab4"
#define NETNS "CNI_NETNS=/var/run/netns/cni-1234"
#define IFNAME "CNI_IFNAME=eth0"
#define PATH_ "CNI_PATH=/opt/cni/bin"
#define ARGS "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=default;" \
    "K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=3f6940ab5ab4;" \
    "K8S_POD_UID=0b2b8a49-5d9b-4d4c-9a3e-1f3d2c4b5a69"

/* Parses 'envp'; returns the code, with the message in 'msg' (freed by
 * the caller, NULL on success). */
static int
parse(char *const *envp, char **msg)
{
    struct cni_env env;
    struct cni_error error = CNI_ERROR_INITIALIZER;

    cni_env_init(&env);
    int code = cni_env_from_environ(&env, envp, &error);
    *msg = error.msg ? strdup(error.msg) : NULL;
    cr_assert_eq(code, error.code);
    cni_error_destroy(&error);
    cni_env_destroy(&env);
    return code;
}

/* Asserts that 'envp' is refused with code 4 and a message containing
 * 'text'. */
static void
expect_invalid(char *const *envp, const char *text)
{
    char *msg;

    cr_assert_eq(parse(envp, &msg), CNI_ERR_INVALID_ENVIRONMENT_VARIABLES,
                 "accepted, expected: %s", text);
    cr_assert(strstr(msg, text), "message \"%s\" lacks \"%s\"", msg, text);
    free(msg);
}

/* Asserts that 'envp' is accepted. */
static void
expect_valid(char *const *envp)
{
    char *msg;

    cr_assert_eq(parse(envp, &msg), 0, "refused: %s", msg);
}

Test(cni_env, full_add)
{
    char *envp[] = { "CNI_COMMAND=ADD", CID, NETNS, IFNAME, PATH_, ARGS,
                     "HOME=/root", NULL };
    struct cni_env env;
    struct cni_error error = CNI_ERROR_INITIALIZER;

    cni_env_init(&env);
    cr_assert_eq(cni_env_from_environ(&env, envp, &error), 0, "%s",
                 error.msg);
    cr_assert_eq(env.command, CNI_CMD_ADD);
    cr_assert_str_eq(env.container_id, "3f6940ab5ab4");
    cr_assert_str_eq(env.netns, "/var/run/netns/cni-1234");
    cr_assert_str_eq(env.ifname, "eth0");
    cr_assert_str_eq(env.path, "/opt/cni/bin");
    cr_assert(strstr(env.args, "K8S_POD_NAME=web-0"));
    cni_env_destroy(&env);
}

Test(cni_env, command)
{
    char *none[] = { CID, NETNS, IFNAME, PATH_, NULL };
    expect_invalid(none, "CNI_COMMAND is not set");
    char *empty[] = { "CNI_COMMAND=", NULL };
    expect_invalid(empty, "CNI_COMMAND is not set");
    char *bad[] = { "CNI_COMMAND=add", NULL };
    expect_invalid(bad, "CNI_COMMAND=\"add\" is invalid: not a CNI command");
    char *version[] = { "CNI_COMMAND=VERSION", NULL };
    expect_valid(version);
    char *status[] = { "CNI_COMMAND=STATUS", NULL };
    expect_valid(status);
}

Test(cni_env, each_missing_variable_is_named)
{
    /* Each required variable of ADD and CHECK, left out in turn. */
    static const char *const commands[] = { "ADD", "CHECK" };
    for (size_t c = 0; c < 2; c++) {
        char command[32];
        snprintf(command, sizeof command, "CNI_COMMAND=%s", commands[c]);

        char *no_cid[] = { command, NETNS, IFNAME, PATH_, NULL };
        char *no_netns[] = { command, CID, IFNAME, PATH_, NULL };
        char *no_ifname[] = { command, CID, NETNS, PATH_, NULL };
        char *no_path[] = { command, CID, NETNS, IFNAME, NULL };
        char text[128];

        snprintf(text, sizeof text, "%s requires CNI_CONTAINERID, which is "
                 "not set", commands[c]);
        expect_invalid(no_cid, text);
        snprintf(text, sizeof text, "%s requires CNI_NETNS, which is not "
                 "set", commands[c]);
        expect_invalid(no_netns, text);
        snprintf(text, sizeof text, "%s requires CNI_IFNAME, which is not "
                 "set", commands[c]);
        expect_invalid(no_ifname, text);
        snprintf(text, sizeof text, "%s requires CNI_PATH, which is not "
                 "set", commands[c]);
        expect_invalid(no_path, text);
    }

    /* Several at once: all named. */
    char *bare[] = { "CNI_COMMAND=ADD", NULL };
    expect_invalid(bare, "ADD requires CNI_CONTAINERID, CNI_NETNS, "
                   "CNI_IFNAME, CNI_PATH, which are not set");

    /* An empty value counts as missing. */
    char *empty[] = { "CNI_COMMAND=ADD", "CNI_CONTAINERID=", NETNS, IFNAME,
                      PATH_, NULL };
    expect_invalid(empty, "requires CNI_CONTAINERID");
}

Test(cni_env, del_works_without_netns)
{
    char *del[] = { "CNI_COMMAND=DEL", CID, IFNAME, PATH_, NULL };
    expect_valid(del);
    char *no_ifname[] = { "CNI_COMMAND=DEL", CID, PATH_, NULL };
    expect_invalid(no_ifname, "DEL requires CNI_IFNAME, which is not set");
    char *no_cid[] = { "CNI_COMMAND=DEL", IFNAME, PATH_, NULL };
    expect_invalid(no_cid, "DEL requires CNI_CONTAINERID");
}

Test(cni_env, gc_and_status)
{
    char *gc[] = { "CNI_COMMAND=GC", PATH_, NULL };
    expect_valid(gc);
    char *gc_no_path[] = { "CNI_COMMAND=GC", NULL };
    expect_invalid(gc_no_path, "GC requires CNI_PATH, which is not set");
    char *status[] = { "CNI_COMMAND=STATUS", NULL };
    expect_valid(status);
}

Test(cni_env, container_id)
{
    char *leading[] = { "CNI_COMMAND=ADD", "CNI_CONTAINERID=-abc", NETNS,
                        IFNAME, PATH_, NULL };
    expect_invalid(leading, "CNI_CONTAINERID=\"-abc\" is invalid: a "
                   "container ID must start with a letter or a digit");
    char *slash[] = { "CNI_COMMAND=DEL", "CNI_CONTAINERID=ab/../c", IFNAME,
                      PATH_, NULL };
    expect_invalid(slash, "CNI_CONTAINERID=\"ab/../c\" is invalid: a "
                   "container ID may only contain letters, digits, '_', '.' "
                   "and '-'");
    char *ok[] = { "CNI_COMMAND=DEL", "CNI_CONTAINERID=a_b.c-D9", IFNAME,
                   PATH_, NULL };
    expect_valid(ok);
}

Test(cni_env, ifname)
{
    char *too_long[] = { "CNI_COMMAND=ADD", CID, NETNS,
                         "CNI_IFNAME=abcdefghijklmnop", PATH_, NULL };
    expect_invalid(too_long, "CNI_IFNAME=\"abcdefghijklmnop\" is invalid: "
                   "an interface name has at most 15 characters");
    char *max[] = { "CNI_COMMAND=ADD", CID, NETNS,
                    "CNI_IFNAME=abcdefghijklmno", PATH_, NULL };
    expect_valid(max);
    char *dot[] = { "CNI_COMMAND=ADD", CID, NETNS, "CNI_IFNAME=..", PATH_,
                    NULL };
    expect_invalid(dot, "cannot be \".\" or \"..\"");
    char *colon[] = { "CNI_COMMAND=ADD", CID, NETNS, "CNI_IFNAME=eth0:1",
                      PATH_, NULL };
    expect_invalid(colon, "CNI_IFNAME=\"eth0:1\" is invalid");
    char *space[] = { "CNI_COMMAND=ADD", CID, NETNS, "CNI_IFNAME=eth 0",
                      PATH_, NULL };
    expect_invalid(space, "CNI_IFNAME=\"eth 0\" is invalid");
    char *slash[] = { "CNI_COMMAND=ADD", CID, NETNS, "CNI_IFNAME=a/b",
                      PATH_, NULL };
    expect_invalid(slash, "cannot contain '/'");
}

Test(cni_env, netns)
{
    char *relative[] = { "CNI_COMMAND=ADD", CID, "CNI_NETNS=netns/x",
                         IFNAME, PATH_, NULL };
    expect_invalid(relative, "CNI_NETNS=\"netns/x\" is invalid: not an "
                   "absolute path");
}

Test(cni_env, args_syntax_is_checked_with_the_environment)
{
    char *bad[] = { "CNI_COMMAND=ADD", CID, NETNS, IFNAME, PATH_,
                    "CNI_ARGS=K8S_POD_NAME=a;garbage", NULL };
    expect_invalid(bad, "CNI_ARGS is invalid: item \"garbage\" is not a "
                   "KEY=VALUE pair");
}

/* Parses 'args' into 'k8s' (initialized here), returning the code and
 * the message in 'msg'. */
static int
parse_args(const char *args, struct cni_k8s_args *k8s, char **msg)
{
    struct cni_error error = CNI_ERROR_INITIALIZER;

    cni_k8s_args_init(k8s);
    int code = cni_k8s_args_parse(k8s, args, &error);
    *msg = error.msg ? strdup(error.msg) : NULL;
    cni_error_destroy(&error);
    return code;
}

Test(cni_env, k8s_args)
{
    struct cni_k8s_args k8s;
    char *msg;

    cr_assert_eq(parse_args(ARGS + strlen("CNI_ARGS="), &k8s, &msg), 0,
                 "%s", msg);
    cr_assert_str_eq(k8s.pod_namespace, "default");
    cr_assert_str_eq(k8s.pod_name, "web-0");
    cr_assert_str_eq(k8s.infra_container_id, "3f6940ab5ab4");
    cr_assert_str_eq(k8s.pod_uid, "0b2b8a49-5d9b-4d4c-9a3e-1f3d2c4b5a69");
    cr_assert(k8s.ignore_unknown);
    cni_k8s_args_destroy(&k8s);

    /* Empty, absent, empty items. */
    cr_assert_eq(parse_args(NULL, &k8s, &msg), 0);
    cr_assert_null(k8s.pod_name);
    cr_assert_eq(parse_args("", &k8s, &msg), 0);
    cr_assert_eq(parse_args(";K8S_POD_NAME=x;;", &k8s, &msg), 0);
    cr_assert_str_eq(k8s.pod_name, "x");
    cni_k8s_args_destroy(&k8s);

    /* A value may hold '='. */
    cr_assert_eq(parse_args("K8S_POD_NAME=a=b", &k8s, &msg), 0);
    cr_assert_str_eq(k8s.pod_name, "a=b");
    cni_k8s_args_destroy(&k8s);
}

Test(cni_env, k8s_args_unknown_keys)
{
    struct cni_k8s_args k8s;
    char *msg;

    cr_assert_eq(parse_args("K8S_POD_NAME=x;FOO=bar", &k8s, &msg),
                 CNI_ERR_INVALID_ENVIRONMENT_VARIABLES);
    cr_assert_str_eq(msg, "CNI_ARGS is invalid: item \"FOO=bar\" has an "
                     "unknown key (IgnoreUnknown=1 allows unknown keys)");
    cr_assert_null(k8s.pod_name, "nothing kept after a failure");
    free(msg);

    /* IgnoreUnknown counts wherever it is. */
    cr_assert_eq(parse_args("FOO=bar;K8S_POD_NAME=x;IgnoreUnknown=true",
                            &k8s, &msg), 0, "%s", msg);
    cr_assert_str_eq(k8s.pod_name, "x");
    cni_k8s_args_destroy(&k8s);

    cr_assert_eq(parse_args("IgnoreUnknown=0;FOO=bar", &k8s, &msg),
                 CNI_ERR_INVALID_ENVIRONMENT_VARIABLES);
    free(msg);
    cr_assert_eq(parse_args("IgnoreUnknown=yes", &k8s, &msg),
                 CNI_ERR_INVALID_ENVIRONMENT_VARIABLES);
    cr_assert(strstr(msg, "must be 1, true, 0 or false"), "%s", msg);
    free(msg);
    cr_assert_eq(parse_args("=x", &k8s, &msg),
                 CNI_ERR_INVALID_ENVIRONMENT_VARIABLES);
    free(msg);
}

Test(cni_env, command_names)
{
    enum cni_command c;

    cr_assert(cni_command_from_string("GC", &c));
    cr_assert_eq(c, CNI_CMD_GC);
    cr_assert_str_eq(cni_command_name(CNI_CMD_CHECK), "CHECK");
    cr_assert_not(cni_command_from_string("Add", &c));
    cr_assert_not(cni_command_from_string(NULL, &c));
}
