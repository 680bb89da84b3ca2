/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The CNI_* environment variables a runtime passes to a CNI plugin: the
 * command, the container, its network namespace and interface name, the
 * extra arguments (CNI_ARGS, which carry the Kubernetes Pod's identity)
 * and the plugin search path.  antrea-cni reads them from its environment;
 * the agent's CNI server gets the same values in a CniCmdArgs message and
 * validates them again with the same rules, since it trusts no client.
 *
 * Validation follows the CNI spec (and the reference Go library): which
 * variables each command requires, what a container ID and an interface
 * name may look like.  Every failure is INVALID_ENVIRONMENT_VARIABLES with
 * a message naming the variables.
 */

#ifndef CNI_ENV_H
#define CNI_ENV_H 1

#include <stdbool.h>

struct cni_error;

/* CNI_COMMAND.  The values of the commands the agent serves are those of
 * the CniCommand enum in core/proto/cni.proto. */
enum cni_command {
    CNI_CMD_NONE = 0,           /* not set */
    CNI_CMD_ADD = 1,
    CNI_CMD_DEL = 2,
    CNI_CMD_CHECK = 3,
    CNI_CMD_STATUS = 4,
    CNI_CMD_GC = 5,
    CNI_CMD_VERSION = 6,        /* answered by antrea-cni itself */
};

const char *cni_command_name(enum cni_command);
bool cni_command_from_string(const char *, enum cni_command *);

/* The CNI_* variables of one invocation.  A variable that is unset or
 * empty is NULL: the CNI spec gives empty values no meaning. */
struct cni_env {
    enum cni_command command;   /* CNI_COMMAND */
    char *container_id;         /* CNI_CONTAINERID */
    char *netns;                /* CNI_NETNS */
    char *ifname;               /* CNI_IFNAME */
    char *args;                 /* CNI_ARGS, unparsed */
    char *path;                 /* CNI_PATH */
};

void cni_env_init(struct cni_env *);
void cni_env_destroy(struct cni_env *);
int cni_env_from_environ(struct cni_env *, char *const *envp,
                         struct cni_error *);
int cni_env_validate(const struct cni_env *, struct cni_error *);

/* CNI_ARGS as Kubernetes runtimes fill it:
 * "IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=name;
 *  K8S_POD_INFRA_CONTAINER_ID=id;K8S_POD_UID=uid".  Absent keys are
 * NULL. */
struct cni_k8s_args {
    char *pod_namespace;        /* K8S_POD_NAMESPACE */
    char *pod_name;             /* K8S_POD_NAME */
    char *infra_container_id;   /* K8S_POD_INFRA_CONTAINER_ID */
    char *pod_uid;              /* K8S_POD_UID */
    bool ignore_unknown;        /* IgnoreUnknown: other keys are allowed */
};

void cni_k8s_args_init(struct cni_k8s_args *);
void cni_k8s_args_destroy(struct cni_k8s_args *);
int cni_k8s_args_parse(struct cni_k8s_args *, const char *cni_args,
                       struct cni_error *);

#endif /* cni-env.h */
