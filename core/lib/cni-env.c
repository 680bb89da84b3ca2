/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * CNI_* environment variables and CNI_ARGS; see cni-env.h.
 */

#include <config.h>
#include "cni-env.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cni-error.h"
#include "util.h"

/* Longest interface name Linux accepts (IFNAMSIZ - 1). */
#define IFNAME_MAX 15

/* The variables a command needs, as bits. */
enum {
    NEED_CONTAINERID = 1 << 0,
    NEED_NETNS = 1 << 1,
    NEED_IFNAME = 1 << 2,
    NEED_PATH = 1 << 3,
};

/* What each command needs (CNI spec 1.1.0, "Parameters" and the
 * commands' sections): DEL works without a netns; STATUS and VERSION need
 * nothing but CNI_COMMAND. */
static unsigned int
command_needs(enum cni_command command)
{
    switch (command) {
    case CNI_CMD_ADD:
    case CNI_CMD_CHECK:
        return NEED_CONTAINERID | NEED_NETNS | NEED_IFNAME | NEED_PATH;
    case CNI_CMD_DEL:
        return NEED_CONTAINERID | NEED_IFNAME | NEED_PATH;
    case CNI_CMD_GC:
        return NEED_PATH;
    case CNI_CMD_STATUS:
    case CNI_CMD_VERSION:
    case CNI_CMD_NONE:
    default:
        return 0;
    }
}

static const char *env_lookup(char *const *envp, const char *name);
static char *dup_nonempty(const char *);
static const char *check_container_id(const char *);
static const char *check_ifname(const char *);
static int invalid(struct cni_error *, const char *variable,
                   const char *value, const char *why);
static int invalid_args_item(struct cni_error *, const char *item,
                             const char *why);
static int bool_arg(const char *value, bool *b);
static char **k8s_arg_field(struct cni_k8s_args *, const char *key);

/* Returns the CNI_COMMAND spelling of 'command' ("ADD"), or "NONE". */
const char *
cni_command_name(enum cni_command command)
{
    switch (command) {
    case CNI_CMD_ADD: return "ADD";
    case CNI_CMD_DEL: return "DEL";
    case CNI_CMD_CHECK: return "CHECK";
    case CNI_CMD_STATUS: return "STATUS";
    case CNI_CMD_GC: return "GC";
    case CNI_CMD_VERSION: return "VERSION";
    case CNI_CMD_NONE:
    default:
        return "NONE";
    }
}

/* Parses 's', a CNI_COMMAND value (case matters, as in the spec), into
 * '*command'.  Returns false if it names no command. */
bool
cni_command_from_string(const char *s, enum cni_command *command)
{
    static const enum cni_command all[] = {
        CNI_CMD_ADD, CNI_CMD_DEL, CNI_CMD_CHECK, CNI_CMD_STATUS, CNI_CMD_GC,
        CNI_CMD_VERSION,
    };

    for (size_t i = 0; s && i < ARRAY_SIZE(all); i++) {
        if (!strcmp(s, cni_command_name(all[i]))) {
            *command = all[i];
            return true;
        }
    }
    return false;
}

/* Initializes 'env' with no command and no variables. */
void
cni_env_init(struct cni_env *env)
{
    memset(env, 0, sizeof *env);
}

/* Frees what 'env' holds and initializes it again.  Accepts NULL. */
void
cni_env_destroy(struct cni_env *env)
{
    if (env) {
        free(env->container_id);
        free(env->netns);
        free(env->ifname);
        free(env->args);
        free(env->path);
        cni_env_init(env);
    }
}

/* Reads the CNI_* variables from 'envp' (an environ-style array of
 * "NAME=value" strings, NULL-terminated) into 'env', which must be
 * initialized, and validates them with cni_env_validate().  Returns 0 or
 * INVALID_ENVIRONMENT_VARIABLES with the problem in 'error'; 'env' holds
 * what was read either way. */
int
cni_env_from_environ(struct cni_env *env, char *const *envp,
                     struct cni_error *error)
{
    const char *command = env_lookup(envp, "CNI_COMMAND");

    cni_env_destroy(env);
    env->container_id = dup_nonempty(env_lookup(envp, "CNI_CONTAINERID"));
    env->netns = dup_nonempty(env_lookup(envp, "CNI_NETNS"));
    env->ifname = dup_nonempty(env_lookup(envp, "CNI_IFNAME"));
    env->args = dup_nonempty(env_lookup(envp, "CNI_ARGS"));
    env->path = dup_nonempty(env_lookup(envp, "CNI_PATH"));

    if (!command || !command[0]) {
        return cni_error_set(error, CNI_ERR_INVALID_ENVIRONMENT_VARIABLES,
                             NULL, "CNI_COMMAND is not set");
    } else if (!cni_command_from_string(command, &env->command)) {
        return invalid(error, "CNI_COMMAND", command,
                       "not a CNI command (expected ADD, DEL, CHECK, "
                       "STATUS, GC or VERSION)");
    }
    return cni_env_validate(env, error);
}

/* Checks that 'env' has the variables its command requires and that each
 * variable present is well formed: CNI_CONTAINERID starts with a letter or
 * digit and has only letters, digits, '_', '.' and '-'; CNI_IFNAME is a
 * valid Linux interface name; CNI_NETNS is an absolute path; CNI_ARGS is
 * a list of KEY=VALUE pairs that cni_k8s_args_parse() accepts.  Returns 0
 * or INVALID_ENVIRONMENT_VARIABLES with a message naming every missing
 * variable, or the first malformed one, in 'error'. */
int
cni_env_validate(const struct cni_env *env, struct cni_error *error)
{
    if (env->command == CNI_CMD_NONE) {
        return cni_error_set(error, CNI_ERR_INVALID_ENVIRONMENT_VARIABLES,
                             NULL, "CNI_COMMAND is not set");
    }

    /* Every missing variable, in one message. */
    static const struct {
        unsigned int bit;
        const char *name;
    } vars[] = {
        { NEED_CONTAINERID, "CNI_CONTAINERID" },
        { NEED_NETNS, "CNI_NETNS" },
        { NEED_IFNAME, "CNI_IFNAME" },
        { NEED_PATH, "CNI_PATH" },
    };
    const char *values[] = {
        env->container_id, env->netns, env->ifname, env->path,
    };
    unsigned int needs = command_needs(env->command);
    char missing[128] = "";
    for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
        if (needs & vars[i].bit && !values[i]) {
            if (missing[0]) {
                strcat(missing, ", ");
            }
            strcat(missing, vars[i].name);
        }
    }
    if (missing[0]) {
        return cni_error_set(error, CNI_ERR_INVALID_ENVIRONMENT_VARIABLES,
                             NULL, "%s requires %s, which %s not set",
                             cni_command_name(env->command), missing,
                             strchr(missing, ',') ? "are" : "is");
    }

    const char *why;
    if (env->container_id && (why = check_container_id(env->container_id))) {
        return invalid(error, "CNI_CONTAINERID", env->container_id, why);
    }
    if (env->ifname && (why = check_ifname(env->ifname))) {
        return invalid(error, "CNI_IFNAME", env->ifname, why);
    }
    if (env->netns && env->netns[0] != '/') {
        return invalid(error, "CNI_NETNS", env->netns,
                       "not an absolute path to a network namespace");
    }
    if (env->args) {
        struct cni_k8s_args k8s;
        cni_k8s_args_init(&k8s);
        int code = cni_k8s_args_parse(&k8s, env->args, error);
        cni_k8s_args_destroy(&k8s);
        if (code) {
            return code;
        }
    }
    return 0;
}

/* Initializes 'k8s' with no keys. */
void
cni_k8s_args_init(struct cni_k8s_args *k8s)
{
    memset(k8s, 0, sizeof *k8s);
}

/* Frees what 'k8s' holds and initializes it again.  Accepts NULL. */
void
cni_k8s_args_destroy(struct cni_k8s_args *k8s)
{
    if (k8s) {
        free(k8s->pod_namespace);
        free(k8s->pod_name);
        free(k8s->infra_container_id);
        free(k8s->pod_uid);
        cni_k8s_args_init(k8s);
    }
}

/* Parses 'cni_args' (CNI_ARGS; NULL or "" is an empty list) into 'k8s',
 * which must be initialized.  The value is a list of KEY=VALUE pairs
 * separated by ';' (empty items are skipped); the known keys are
 * K8S_POD_NAMESPACE, K8S_POD_NAME, K8S_POD_INFRA_CONTAINER_ID, K8S_POD_UID
 * and IgnoreUnknown, a boolean ("1", "true", "0", "false", any case) that
 * allows other keys wherever it appears, as in the reference Go library.
 * Returns 0 or INVALID_ENVIRONMENT_VARIABLES naming CNI_ARGS and the bad
 * item in 'error'. */
int
cni_k8s_args_parse(struct cni_k8s_args *k8s, const char *cni_args,
                   struct cni_error *error)
{
    char *copy = xstrdup(cni_args ? cni_args : "");
    char *save = NULL;
    int code = 0;

    cni_k8s_args_destroy(k8s);

    /* First pass: the syntax, and IgnoreUnknown, which changes how the
     * other keys are read. */
    for (char *item = strtok_r(copy, ";", &save); item;
         item = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(item, '=');
        if (!eq || eq == item) {
            code = invalid_args_item(error, item, "is not a KEY=VALUE pair");
            goto out;
        }
        *eq = '\0';
        if (!strcmp(item, "IgnoreUnknown")
            && bool_arg(eq + 1, &k8s->ignore_unknown)) {
            *eq = '=';
            code = invalid_args_item(error, item,
                                     "must be 1, true, 0 or false");
            goto out;
        }
        *eq = '=';
    }

    /* Second pass: the values. */
    free(copy);
    copy = xstrdup(cni_args ? cni_args : "");
    for (char *item = strtok_r(copy, ";", &save); item;
         item = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(item, '=');
        *eq = '\0';
        const char *key = item;
        const char *value = eq + 1;
        char **field = k8s_arg_field(k8s, key);
        if (field) {
            free(*field);
            *field = value[0] ? xstrdup(value) : NULL;
        } else if (strcmp(key, "IgnoreUnknown") && !k8s->ignore_unknown) {
            *eq = '=';
            code = invalid_args_item(error, item,
                                     "has an unknown key (IgnoreUnknown=1 "
                                     "allows unknown keys)");
            goto out;
        }
    }

out:
    free(copy);
    if (code) {
        cni_k8s_args_destroy(k8s);
    }
    return code;
}

/* Returns the value of variable 'name' in 'envp', or NULL. */
static const char *
env_lookup(char *const *envp, const char *name)
{
    size_t length = strlen(name);

    for (char *const *e = envp; e && *e; e++) {
        if (!strncmp(*e, name, length) && (*e)[length] == '=') {
            return *e + length + 1;
        }
    }
    return NULL;
}

/* Returns a copy of 's', or NULL if 's' is NULL or empty. */
static char *
dup_nonempty(const char *s)
{
    return s && s[0] ? xstrdup(s) : NULL;
}

/* Returns why 'id' is not a valid container ID (CNI spec: "must start with
 * an alphanumeric character, optionally followed by any combination of
 * one or more alphanumeric characters, underscore, dot or hyphen"), or
 * NULL if it is valid. */
static const char *
check_container_id(const char *id)
{
    if (!isalnum((unsigned char) id[0])) {
        return "a container ID must start with a letter or a digit";
    }
    for (const char *p = id; *p; p++) {
        unsigned char c = *p;
        if (!isalnum(c) && c != '_' && c != '.' && c != '-') {
            return "a container ID may only contain letters, digits, "
                   "'_', '.' and '-'";
        }
    }
    return NULL;
}

/* Returns why 'name' is not a valid Linux interface name, or NULL if it
 * is. */
static const char *
check_ifname(const char *name)
{
    if (strlen(name) > IFNAME_MAX) {
        return "an interface name has at most 15 characters";
    } else if (!strcmp(name, ".") || !strcmp(name, "..")) {
        return "an interface name cannot be \".\" or \"..\"";
    }
    for (const char *p = name; *p; p++) {
        unsigned char c = *p;
        if (c == '/' || c == ':' || isspace(c) || c < 0x20 || c == 0x7f) {
            return "an interface name cannot contain '/', ':', spaces or "
                   "control characters";
        }
    }
    return NULL;
}

/* Sets 'error' to INVALID_ENVIRONMENT_VARIABLES: 'variable' has 'value',
 * which is wrong because 'why'.  Returns the code. */
static int
invalid(struct cni_error *error, const char *variable, const char *value,
        const char *why)
{
    char *q = cni_quote(value);
    cni_error_set(error, CNI_ERR_INVALID_ENVIRONMENT_VARIABLES, NULL,
                  "%s=%s is invalid: %s", variable, q, why);
    free(q);
    return CNI_ERR_INVALID_ENVIRONMENT_VARIABLES;
}

/* Sets 'error' to INVALID_ENVIRONMENT_VARIABLES: item 'item' of CNI_ARGS
 * 'why' (a verb phrase).  Returns the code. */
static int
invalid_args_item(struct cni_error *error, const char *item, const char *why)
{
    char *q = cni_quote(item);
    cni_error_set(error, CNI_ERR_INVALID_ENVIRONMENT_VARIABLES, NULL,
                  "CNI_ARGS is invalid: item %s %s", q, why);
    free(q);
    return CNI_ERR_INVALID_ENVIRONMENT_VARIABLES;
}

/* Parses the boolean 'value' ("1", "true", "0", "false", any case) into
 * '*b'.  Returns 0, or EINVAL if it is none of those. */
static int
bool_arg(const char *value, bool *b)
{
    if (!strcmp(value, "1") || !strcasecmp(value, "true")) {
        *b = true;
    } else if (!strcmp(value, "0") || !strcasecmp(value, "false")) {
        *b = false;
    } else {
        return EINVAL;
    }
    return 0;
}

/* Returns the member of 'k8s' that CNI_ARGS key 'key' sets, or NULL if
 * 'key' is not one of the Kubernetes keys. */
static char **
k8s_arg_field(struct cni_k8s_args *k8s, const char *key)
{
    return (!strcmp(key, "K8S_POD_NAMESPACE") ? &k8s->pod_namespace
            : !strcmp(key, "K8S_POD_NAME") ? &k8s->pod_name
            : !strcmp(key, "K8S_POD_INFRA_CONTAINER_ID")
            ? &k8s->infra_container_id
            : !strcmp(key, "K8S_POD_UID") ? &k8s->pod_uid
            : NULL);
}
