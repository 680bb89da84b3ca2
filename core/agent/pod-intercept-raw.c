/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The raw-table drop rules of intercepted Pod interfaces, through
 * libiptc (pod-intercept-raw.h).  The xtables lock and the commit retry
 * follow core/lib/net/iptables.c.
 */

#include <config.h>

#include "pod-intercept-raw.h"

#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <libiptc/libiptc.h>

#include "log.h"
#include "net/ipt-entry.h"
#include "net/xtables-lock.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(pod_intercept_raw);

/* The table, the built-in chain that jumps to ours, and the comments. */
#define RAW_TABLE "raw"
#define RAW_BUILTIN_NAME "PREROUTING"
#define COMMENT_JUMP "Antrea: jump to the rules of Pod interfaces behind OVS"
#define COMMENT_DROP "Antrea: Pod interface behind OVS"

/* libiptc takes chain names as full-size labels. */
static const ipt_chainlabel RAW_BUILTIN = RAW_BUILTIN_NAME;
static const ipt_chainlabel RAW_CHAIN = POD_INTERCEPT_RAW_CHAIN;

/* How often a commit that lost a race with another writer is redone. */
#define MAX_COMMIT_ATTEMPTS 5

/* Deletes the rules of PREROUTING that jump to our chain. */
static int
delete_jumps(struct xtc_handle *h, char **errorp)
{
    for (;;) {
        unsigned int num = 0;
        bool found = false;
        for (const struct ipt_entry *e = iptc_first_rule(RAW_BUILTIN, h); e;
             e = iptc_next_rule(e, h), num++) {
            const char *target = iptc_get_target(e, h);
            if (target && !strcmp(target, POD_INTERCEPT_RAW_CHAIN)) {
                found = true;
                break;
            }
        }
        if (!found) {
            return 0;
        }
        if (!iptc_delete_num_entry(RAW_BUILTIN, num, h)) {
            int error = errno;
            *errorp = xasprintf("cannot delete the jump from %s to %s in "
                                "table %s: %s", RAW_BUILTIN,
                                POD_INTERCEPT_RAW_CHAIN, RAW_TABLE,
                                iptc_strerror(error));
            return error;
        }
    }
}

/* Returns true if PREROUTING jumps to our chain. */
static bool
has_jump(struct xtc_handle *h)
{
    for (const struct ipt_entry *e = iptc_first_rule(RAW_BUILTIN, h); e;
         e = iptc_next_rule(e, h)) {
        const char *target = iptc_get_target(e, h);
        if (target && !strcmp(target, POD_INTERCEPT_RAW_CHAIN)) {
            return true;
        }
    }
    return false;
}

/* Appends the rule for 'rule' to 'chain' in 'h'. */
static int
append_rule(struct xtc_handle *h, const char *chain,
            const struct ipt_rule *rule, char **errorp)
{
    struct ipt_entry *e = ipt_entry_build(rule, errorp);
    if (!e) {
        return EINVAL;
    }
    int error = iptc_append_entry(chain, e, h) ? 0 : errno;
    free(e);
    if (error) {
        *errorp = xasprintf("cannot add a rule to chain %s in table %s: %s",
                            chain, RAW_TABLE, iptc_strerror(error));
    }
    return error;
}

/* Edits 'h': with 'remove', takes the jump and the chain away; otherwise
 * makes the chain hold the drop rules of the 'n' 'ifnames'. */
static int
edit_table(struct xtc_handle *h, bool remove, const char *const *ifnames,
           size_t n, char **errorp)
{
    int error;
    const char *chain = RAW_CHAIN;

    if (remove) {
        error = delete_jumps(h, errorp);
        if (error || !iptc_is_chain(chain, h)) {
            return error;
        }
        if (!iptc_flush_entries(chain, h) || !iptc_delete_chain(chain, h)) {
            error = errno;
            *errorp = xasprintf("cannot delete chain %s in table %s: %s",
                                chain, RAW_TABLE, iptc_strerror(error));
        }
        return error;
    }

    if (iptc_is_chain(chain, h) ? !iptc_flush_entries(chain, h)
                                : !iptc_create_chain(chain, h)) {
        error = errno;
        *errorp = xasprintf("cannot create or flush chain %s in table %s: "
                            "%s", chain, RAW_TABLE, iptc_strerror(error));
        return error;
    }
    for (size_t i = 0; i < n; i++) {
        struct ipt_rule drop = {
            .in_iface = ifnames[i],
            .comment = COMMENT_DROP,
            .target = "DROP",
        };
        error = append_rule(h, chain, &drop, errorp);
        if (error) {
            return error;
        }
    }
    if (!has_jump(h)) {
        struct ipt_rule jump = {
            .comment = COMMENT_JUMP,
            .target = chain,
        };
        return append_rule(h, RAW_BUILTIN, &jump, errorp);
    }
    return 0;
}

/* Reads the raw table, edits it and commits it under the xtables lock,
 * redoing everything if another writer changed the table in between. */
static int
run_edit(bool remove, const char *const *ifnames, size_t n, char **errorp)
{
    for (size_t i = 0; i < n; i++) {
        if (!ifnames[i] || !ifnames[i][0] || strlen(ifnames[i]) >= IFNAMSIZ) {
            *errorp = xasprintf("interface name \"%s\" is not a valid "
                                "Linux interface name",
                                ifnames[i] ? ifnames[i] : "");
            return EINVAL;
        }
    }

    int lock_fd = -1;
    int error = xtables_lock(&lock_fd, errorp);
    if (error) {
        return error;
    }
    for (int attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
        struct xtc_handle *h = iptc_init(RAW_TABLE);
        if (!h) {
            error = errno;
            *errorp = xasprintf("cannot read iptables table %s: %s",
                                RAW_TABLE, iptc_strerror(error));
            break;
        }
        error = edit_table(h, remove, ifnames, n, errorp);
        if (!error && !iptc_commit(h)) {
            error = errno;
            if (error == EAGAIN && attempt < MAX_COMMIT_ATTEMPTS) {
                LOG_DBG("table %s changed under us, retrying", RAW_TABLE);
                iptc_free(h);
                xtables_sleep_ms(10);
                continue;
            }
            *errorp = xasprintf("cannot commit iptables table %s: %s",
                                RAW_TABLE, iptc_strerror(error));
        }
        iptc_free(h);
        break;
    }
    xtables_unlock(lock_fd);
    return error;
}

int
pod_intercept_raw_sync(const char *const *ifnames, size_t n, char **errorp)
{
    return run_edit(false, ifnames, n, errorp);
}

int
pod_intercept_raw_remove(char **errorp)
{
    return run_edit(true, NULL, 0, errorp);
}
