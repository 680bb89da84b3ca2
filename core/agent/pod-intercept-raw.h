/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * networkPolicyOnly with OVS's userspace datapath: keeping the host's IP
 * stack away from the Pod interfaces the agent has put behind OVS.
 *
 * The userspace datapath reads a port through a packet socket, which
 * does not take the frame from the kernel: the host would route every
 * Pod packet a second time, past OVS and its NetworkPolicy flows.  A rule
 * per intercepted interface in the raw table's chain ANTREA-INTERCEPT
 * (jumped to from PREROUTING) drops the host's copy:
 *
 *   -i IFNAME -m comment --comment "Antrea: Pod interface behind OVS"
 *         -j DROP
 *
 * OVS still gets every frame (packet sockets see it before netfilter).
 * ARP is not IP, so the host may still answer a Pod's ARP for its
 * gateway; either answer leads the Pod's traffic into OVS.  The chain is
 * this file's alone: it is rewritten whole, under the xtables lock.
 */

#ifndef AGENT_POD_INTERCEPT_RAW_H
#define AGENT_POD_INTERCEPT_RAW_H 1

#include <stddef.h>

/* The raw-table chain of the drop rules. */
#define POD_INTERCEPT_RAW_CHAIN "ANTREA-INTERCEPT"

/* Makes ANTREA-INTERCEPT hold exactly one drop rule for each of the 'n'
 * interface names in 'ifnames' (in that order), and PREROUTING jump to
 * it.  Returns 0 or a positive errno value with a message in '*errorp'
 * (caller frees). */
int pod_intercept_raw_sync(const char *const *ifnames, size_t n,
                           char **errorp);

/* Removes the jump and the chain.  Nothing to remove is success. */
int pod_intercept_raw_remove(char **errorp);

#endif /* pod-intercept-raw.h */
