/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Antrea's chains and rules through libiptc; see iptables.h for the rule
 * set and ipt-entry.h for how a rule is encoded.
 */

#include <config.h>
#include "iptables.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libiptc/libiptc.h>

#include "antrea/net-util.h"
#include "ipt-entry.h"
#include "log.h"
#include "util.h"
#include "xtables-lock.h"

LOG_DEFINE_THIS_MODULE(iptables);

/* How often a commit that lost a race with another writer is redone. */
#define MAX_COMMIT_ATTEMPTS 5

/* Rule comments, as Antrea writes them. */
#define COMMENT_JUMP_FORWARD "Antrea: jump to Antrea forwarding rules"
#define COMMENT_JUMP_POSTROUTING "Antrea: jump to Antrea postrouting rules"
#define COMMENT_FROM_PODS "Antrea: accept packets from local pods"
#define COMMENT_TO_PODS "Antrea: accept packets to local pods"
#define COMMENT_NO_MASQ "Antrea: do not masquerade pod to pod packets"
#define COMMENT_MASQ "Antrea: masquerade pod to external packets"
#define COMMENT_JUMP_MANGLE "Antrea: jump to Antrea mangle rules"
#define COMMENT_JUMP_RAW "Antrea: jump to Antrea raw rules"
#define COMMENT_MARK_SERVICE "Antrea: mark service traffic"
#define COMMENT_UNMARK "Antrea: unmark non-service traffic"
#define COMMENT_REENTRY "Antrea: reentry packets from the gateway"

/* One table's share of the work. */
struct table_job {
    const char *table;          /* "filter" or "nat" */
    const char *builtin_chain;  /* where our jump goes */
    const char *chain;          /* our chain */
    const char *jump_comment;   /* the jump rule's comment */
    bool remove;                /* uninstall instead of install */
    struct ipt_entry **rules;   /* our chain's content (install) */
    size_t n_rules;             /* entries in 'rules' */
};

/* Deletes, in every chain of 'h', the rules that jump to 'chain'. */
static int
delete_jumps(struct xtc_handle *h, const struct table_job *job,
             char **errorp)
{
    /* Collect the chain names first: deleting changes the handle. */
    char **chains = NULL;
    size_t n_chains = 0, allocated_chains = 0;
    for (const char *c = iptc_first_chain(h); c; c = iptc_next_chain(h)) {
        if (n_chains >= allocated_chains) {
            chains = x2nrealloc(chains, &allocated_chains, sizeof *chains);
        }
        chains[n_chains++] = xstrdup(c);
    }

    int error = 0;
    for (size_t i = 0; i < n_chains && !error; i++) {
        unsigned int *nums = NULL;
        size_t n_nums = 0, allocated_nums = 0;
        unsigned int num = 0;
        for (const struct ipt_entry *e = iptc_first_rule(chains[i], h); e;
             e = iptc_next_rule(e, h), num++) {
            const char *target = iptc_get_target(e, h);
            if (target && !strcmp(target, job->chain)) {
                if (n_nums >= allocated_nums) {
                    nums = x2nrealloc(nums, &allocated_nums, sizeof *nums);
                }
                nums[n_nums++] = num;
            }
        }
        /* From the last, so the numbers of the others hold. */
        while (n_nums > 0 && !error) {
            if (!iptc_delete_num_entry(chains[i], nums[--n_nums], h)) {
                error = errno;
                *errorp = xasprintf("cannot delete the jump from %s to %s "
                                    "in table %s: %s", chains[i],
                                    job->chain, job->table,
                                    iptc_strerror(error));
            }
        }
        free(nums);
    }

    for (size_t i = 0; i < n_chains; i++) {
        free(chains[i]);
    }
    free(chains);
    return error;
}

/* Returns true if 'builtin' in 'h' has a rule jumping to 'chain'. */
static bool
has_jump(struct xtc_handle *h, const char *builtin, const char *chain)
{
    for (const struct ipt_entry *e = iptc_first_rule(builtin, h); e;
         e = iptc_next_rule(e, h)) {
        const char *target = iptc_get_target(e, h);
        if (target && !strcmp(target, chain)) {
            return true;
        }
    }
    return false;
}

/* Applies 'job' to the in-memory table 'h'; sets '*changedp' to false
 * if there was nothing to do (a removal of what is not there). */
static int
edit_table(struct xtc_handle *h, const struct table_job *job,
           bool *changedp, char **errorp)
{
    int error;
    *changedp = true;
    if (job->remove) {
        bool jumps = false;
        for (const char *c = iptc_first_chain(h); c && !jumps;
             c = iptc_next_chain(h)) {
            jumps = has_jump(h, c, job->chain);
        }
        if (!jumps && !iptc_is_chain(job->chain, h)) {
            *changedp = false;
            return 0;
        }
        error = delete_jumps(h, job, errorp);
        if (error || !iptc_is_chain(job->chain, h)) {
            return error;
        }
        if (!iptc_flush_entries(job->chain, h)
            || !iptc_delete_chain(job->chain, h)) {
            error = errno;
            *errorp = xasprintf("cannot delete chain %s in table %s: %s",
                                job->chain, job->table,
                                iptc_strerror(error));
        }
        return error;
    }

    if (iptc_is_chain(job->chain, h)) {
        if (!iptc_flush_entries(job->chain, h)) {
            error = errno;
            *errorp = xasprintf("cannot flush chain %s in table %s: %s",
                                job->chain, job->table,
                                iptc_strerror(error));
            return error;
        }
    } else if (!iptc_create_chain(job->chain, h)) {
        error = errno;
        *errorp = xasprintf("cannot create chain %s in table %s: %s",
                            job->chain, job->table, iptc_strerror(error));
        return error;
    }

    for (size_t i = 0; i < job->n_rules; i++) {
        if (!iptc_append_entry(job->chain, job->rules[i], h)) {
            error = errno;
            *errorp = xasprintf("cannot add rule %zu to chain %s in table "
                                "%s: %s", i + 1, job->chain, job->table,
                                iptc_strerror(error));
            return error;
        }
    }

    if (!has_jump(h, job->builtin_chain, job->chain)) {
        struct ipt_rule jump = {
            .comment = job->jump_comment,
            .target = job->chain,
        };
        struct ipt_entry *e = ipt_entry_build(&jump, errorp);
        if (!e) {
            return EINVAL;
        }
        int ok = iptc_append_entry(job->builtin_chain, e, h);
        error = ok ? 0 : errno;
        free(e);
        if (error) {
            *errorp = xasprintf("cannot add the jump from %s to %s in table "
                                "%s: %s", job->builtin_chain, job->chain,
                                job->table, iptc_strerror(error));
            return error;
        }
    }
    return 0;
}

/* Reads job->table, edits it and commits it, redoing everything if
 * another writer changed the table in between. */
static int
run_table_job(const struct table_job *job, char **errorp)
{
    int error = 0;
    for (int attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
        struct xtc_handle *h = iptc_init(job->table);
        if (!h) {
            error = errno;
            *errorp = xasprintf("cannot read iptables table %s: %s",
                                job->table, iptc_strerror(error));
            return error;
        }
        bool changed;
        error = edit_table(h, job, &changed, errorp);
        if (!error && changed && !iptc_commit(h)) {
            error = errno;
            if (error == EAGAIN && attempt < MAX_COMMIT_ATTEMPTS) {
                /* The table changed since iptc_init(): start over. */
                LOG_DBG("table %s changed under us, retrying", job->table);
                iptc_free(h);
                xtables_sleep_ms(10);
                continue;
            }
            *errorp = xasprintf("cannot commit iptables table %s: %s",
                                job->table, iptc_strerror(error));
        }
        iptc_free(h);
        break;
    }
    return error;
}

/* Runs 'jobs' under the xtables lock. */
static int
run_table_jobs(const struct table_job *jobs, size_t n_jobs, char **errorp)
{
    int lock_fd = -1;
    int error = xtables_lock(&lock_fd, errorp);
    if (error) {
        return error;
    }
    for (size_t i = 0; !error && i < n_jobs; i++) {
        error = run_table_job(&jobs[i], errorp);
    }
    xtables_unlock(lock_fd);
    return error;
}

/* Appends the entry for 'rule' to 'rules', or returns EINVAL with
 * '*errorp' set. */
static int
add_rule(const struct ipt_rule *rule, struct ipt_entry ***rules,
         size_t *n_rules, size_t *allocated_rules, char **errorp)
{
    struct ipt_entry *e = ipt_entry_build(rule, errorp);
    if (!e) {
        return EINVAL;
    }
    if (*n_rules >= *allocated_rules) {
        *rules = x2nrealloc(*rules, allocated_rules, sizeof **rules);
    }
    (*rules)[(*n_rules)++] = e;
    return 0;
}

/* Checks 'config'; returns 0 or a positive errno value with '*errorp'
 * set. */
static int
config_validate(const struct iptables_config *config, char **errorp)
{
    const char *gw = config->gateway_ifname;
    if (!gw || !gw[0] || strlen(gw) >= IFNAMSIZ) {
        *errorp = xasprintf("invalid gateway interface name \"%s\" for "
                            "iptables rules", gw ? gw : "");
        return EINVAL;
    }
    if (config->snat && config->pod_cidr.ip.family != AF_INET) {
        *errorp = xstrdup("SNAT rules need the Node's IPv4 Pod CIDR "
                          "(iptables rules are IPv4 only)");
        return config->pod_cidr.ip.family ? EAFNOSUPPORT : EINVAL;
    }
    if (config->routed_peers && config->service_cidr.ip.family
        && (config->service_cidr.ip.family != AF_INET
            || config->service_cidr.length > 32)) {
        char text[ANTREA_PREFIX_STRING_SIZE];
        antrea_prefix_to_string(&config->service_cidr, text, sizeof text);
        *errorp = xasprintf("Service CIDR %s is not an IPv4 CIDR "
                            "(iptables rules are IPv4 only)", text);
        return EAFNOSUPPORT;
    }
    if (config->n_cluster_cidrs && !config->cluster_cidrs) {
        *errorp = xstrdup("cluster CIDR count given without CIDRs");
        return EINVAL;
    }
    for (size_t i = 0; i < config->n_cluster_cidrs; i++) {
        const struct antrea_prefix *c = &config->cluster_cidrs[i];
        if (c->ip.family != AF_INET || c->length > 32) {
            char text[ANTREA_PREFIX_STRING_SIZE];
            antrea_prefix_to_string(c, text, sizeof text);
            *errorp = xasprintf("cluster Pod CIDR %s is not an IPv4 CIDR "
                                "(iptables rules are IPv4 only)", text);
            return EAFNOSUPPORT;
        }
    }
    return 0;
}

/* Makes the chains, their content and the jumps. */
int
iptables_install(const struct iptables_config *config, char **errorp)
{
    *errorp = NULL;
    int error = config_validate(config, errorp);
    if (error) {
        return error;
    }
    const char *gw = config->gateway_ifname;

    struct ipt_entry **fwd = NULL;
    size_t n_fwd = 0, allocated_fwd = 0;
    struct ipt_entry **nat = NULL;
    size_t n_nat = 0, allocated_nat = 0;

    struct ipt_rule from_pods = {
        .in_iface = gw, .comment = COMMENT_FROM_PODS, .target = "ACCEPT",
    };
    struct ipt_rule to_pods = {
        .out_iface = gw, .comment = COMMENT_TO_PODS, .target = "ACCEPT",
    };
    error = add_rule(&from_pods, &fwd, &n_fwd, &allocated_fwd, errorp);
    if (!error) {
        error = add_rule(&to_pods, &fwd, &n_fwd, &allocated_fwd, errorp);
    }

    if (!error && config->snat) {
        /* The local Pod CIDR, then the others, each once. */
        for (size_t i = 0; i <= config->n_cluster_cidrs && !error; i++) {
            const struct antrea_prefix *dst
                = i ? &config->cluster_cidrs[i - 1] : &config->pod_cidr;
            if (i && dst->length == config->pod_cidr.length
                && antrea_prefix_contains(dst, &config->pod_cidr.ip)) {
                continue;       /* the local Pod CIDR again */
            }
            struct ipt_rule no_masq = {
                .src = config->pod_cidr, .dst = *dst,
                .comment = COMMENT_NO_MASQ, .target = "RETURN",
            };
            error = add_rule(&no_masq, &nat, &n_nat, &allocated_nat,
                             errorp);
        }
        struct ipt_rule masq = {
            .src = config->pod_cidr,
            .out_iface = gw, .out_iface_invert = true,
            .comment = COMMENT_MASQ, .target = "MASQUERADE",
        };
        if (!error) {
            error = add_rule(&masq, &nat, &n_nat, &allocated_nat, errorp);
        }
    }

    /* Routed peers: mark Service traffic from Pods for the agent's route
     * table, and leave re-entering packets untracked. */
    struct ipt_entry **mangle = NULL;
    size_t n_mangle = 0, allocated_mangle = 0;
    struct ipt_entry **raw = NULL;
    size_t n_raw = 0, allocated_raw = 0;
    if (!error && config->routed_peers && config->service_cidr.ip.family) {
        struct ipt_rule mark = {
            .in_iface = gw, .dst = config->service_cidr,
            .comment = COMMENT_MARK_SERVICE, .target = "MARK",
            .mark = IPTABLES_SERVICE_MARK,
            .mark_mask = IPTABLES_SERVICE_MARK,
        };
        struct ipt_rule unmark = {
            .in_iface = gw, .dst = config->service_cidr, .dst_invert = true,
            .comment = COMMENT_UNMARK, .target = "MARK",
            .mark = 0, .mark_mask = UINT32_MAX,
        };
        error = add_rule(&mark, &mangle, &n_mangle, &allocated_mangle,
                         errorp);
        if (!error) {
            error = add_rule(&unmark, &mangle, &n_mangle, &allocated_mangle,
                             errorp);
        }
    }
    if (!error && config->routed_peers) {
        struct ipt_rule notrack = {
            .in_iface = gw, .has_mac_source = true,
            .comment = COMMENT_REENTRY, .target = "CT",
        };
        memcpy(notrack.mac_source, config->reentrance_mac,
               sizeof notrack.mac_source);
        error = add_rule(&notrack, &raw, &n_raw, &allocated_raw, errorp);
    }

    if (!error) {
        bool off = !config->routed_peers;
        const struct table_job jobs[] = {
            { "filter", "FORWARD", IPTABLES_FORWARD_CHAIN,
              COMMENT_JUMP_FORWARD, false, fwd, n_fwd },
            { "nat", "POSTROUTING", IPTABLES_POSTROUTING_CHAIN,
              COMMENT_JUMP_POSTROUTING, false, nat, n_nat },
            { "mangle", "PREROUTING", IPTABLES_MANGLE_CHAIN,
              COMMENT_JUMP_MANGLE, off, mangle, n_mangle },
            { "raw", "PREROUTING", IPTABLES_RAW_CHAIN,
              COMMENT_JUMP_RAW, off, raw, n_raw },
        };
        error = run_table_jobs(jobs, ARRAY_SIZE(jobs), errorp);
    }
    if (!error) {
        LOG_DBG("installed %zu filter, %zu nat, %zu mangle and %zu raw "
                "rules", n_fwd, n_nat, n_mangle, n_raw);
    }

    for (size_t i = 0; i < n_mangle; i++) {
        free(mangle[i]);
    }
    free(mangle);
    for (size_t i = 0; i < n_raw; i++) {
        free(raw[i]);
    }
    free(raw);

    for (size_t i = 0; i < n_fwd; i++) {
        free(fwd[i]);
    }
    free(fwd);
    for (size_t i = 0; i < n_nat; i++) {
        free(nat[i]);
    }
    free(nat);
    return error;
}

/* Removes the jumps and the chains. */
int
iptables_uninstall(char **errorp)
{
    *errorp = NULL;
    const struct table_job jobs[] = {
        { "filter", "FORWARD", IPTABLES_FORWARD_CHAIN,
          COMMENT_JUMP_FORWARD, true, NULL, 0 },
        { "nat", "POSTROUTING", IPTABLES_POSTROUTING_CHAIN,
          COMMENT_JUMP_POSTROUTING, true, NULL, 0 },
        { "mangle", "PREROUTING", IPTABLES_MANGLE_CHAIN,
          COMMENT_JUMP_MANGLE, true, NULL, 0 },
        { "raw", "PREROUTING", IPTABLES_RAW_CHAIN,
          COMMENT_JUMP_RAW, true, NULL, 0 },
    };
    return run_table_jobs(jobs, ARRAY_SIZE(jobs), errorp);
}
