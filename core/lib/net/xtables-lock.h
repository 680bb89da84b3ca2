/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The xtables lock that the iptables programs take around every change of
 * the kernel's tables, for our libiptc writers (iptables.c and the agent's
 * networkPolicyOnly raw chain), and the pause between commits that lost a
 * race with another writer.  The caller owns the lock's fd.
 */

#ifndef NET_XTABLES_LOCK_H
#define NET_XTABLES_LOCK_H 1

/* Takes the xtables lock ($XTABLES_LOCKFILE, else /run/xtables.lock),
 * waiting at most 10 s.  Returns 0 and the lock's fd in '*fdp', or a
 * positive errno value with a malloc'd message in '*errorp'. */
int xtables_lock(int *fdp, char **errorp);

/* Releases the lock taken by xtables_lock(). */
void xtables_unlock(int fd);

/* Sleeps 'ms' milliseconds (restarting after signals). */
void xtables_sleep_ms(unsigned int ms);

#endif /* net/xtables-lock.h */
