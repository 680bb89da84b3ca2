/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The "native" IPAM module: an in-process allocator of Pod addresses from
 * the Node's podCIDR, persisted on disk so that a restarted agent keeps
 * every allocation.  It hands out the lowest free address of the subnet,
 * never the network address, the IPv4 broadcast address or the gateway.
 * Routes are the agent's business: results carry addresses only.
 *
 * Each subnet with addresses allocated has a state file in the module's
 * dataDir (default /var/lib/antrea/ipam), named after the subnet with '/'
 * written as '_': 10.10.1.0_24.json.  The state file is
 *
 *     {
 *       "subnet": "10.10.1.0/24",
 *       "allocations": {
 *         "10.10.1.2": {"containerId": "...", "ifname": "eth0"}
 *       }
 *     }
 *
 * The file is the only truth: every operation locks dataDir itself
 * (flock on the directory), reads the file afresh, changes it and replaces
 * it atomically (temporary file, fsync, rename).  So two agent processes,
 * or an agent and its restarted self, never hand out one address twice,
 * and a crash leaves either the old file or the new one, whole.  The
 * rename is not followed by an fsync of the directory: an agent that
 * crashes or restarts sees it at once (it is in the kernel's cache), and
 * only a crash of the whole Node could bring the previous file back, after
 * which none of the Pods it lists is running (the agent's restart
 * reconciliation releases what they held).  That saves one of the two
 * disk flushes each ADD waited for.  add_batch saves one file for a whole
 * burst of ADDs.  A subnet whose last address is released loses its file, and
 * no lock file exists, so an ADD that fails (and is rolled back) leaves
 * dataDir as it found it; init removes what a crash may have left (a
 * temporary file) and the lock files of older versions.
 *
 * A state file that cannot be read or does not make sense is an error that
 * names the file.  It is never overwritten or skipped: forgetting it would
 * hand out addresses that Pods still use.  init reads every state file, so
 * a damaged one stops the agent at start rather than at the first Pod.
 */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "antrea/host-api.h"
#include "antrea/ipam.h"
#include "antrea/net-util.h"
#include "antrea/plugin.h"
#include "ipam-util.h"

#define NATIVE_DEFAULT_DATA_DIR "/var/lib/antrea/ipam"

/* A state file larger than this is refused rather than read: even a /8
 * full of Pods stays far below it. */
#define NATIVE_STATE_MAX_SIZE (256 * 1024 * 1024)

/* How long an operation waits for another process to release dataDir's
 * lock before it gives up: a Pod operation must fail, not hang the agent,
 * if something holds the lock forever. */
#define NATIVE_LOCK_TIMEOUT_MSEC 10000

/* The module's state. */
struct native_ipam {
    const struct antrea_host_api *api;  /* the agent's services */
    struct antrea_host *host;           /* our handle for 'api' calls */
    char *data_dir;                     /* where state files live */
};

/* One address handed out. */
struct allocation {
    struct antrea_ip ip;        /* the address */
    char *container_id;         /* CNI_CONTAINERID of its owner */
    char *ifname;               /* CNI_IFNAME of its owner */
};

/* The allocations of one subnet, as read from its state file. */
struct subnet_state {
    struct antrea_prefix subnet;        /* network address and length */
    struct allocation *allocations;     /* sorted by address */
    size_t n_allocations;               /* used entries of 'allocations' */
    size_t allocated;                   /* capacity of 'allocations' */
};

/* A subnet's state file, with dataDir's lock held. */
struct state_file {
    char *path;                 /* <dataDir>/<stem>.json */
    int lock_fd;                /* dataDir, open and flock'ed */
};

/* For ipam-util.c's messages. */
const char ipam_util_module_name[] = "native IPAM";

/* Address arithmetic.  Addresses are big-endian byte strings, so IPv6 is
 * no harder than IPv4. */

/* Returns the number of bytes 'ip''s family uses. */
static size_t
ip_size(const struct antrea_ip *ip)
{
    return antrea_ip_family_size(ip->family);
}

/* Compares two addresses of the same family as numbers: <0, 0 or >0. */
static int
ip_compare(const struct antrea_ip *a, const struct antrea_ip *b)
{
    return memcmp(a->bytes, b->bytes, ip_size(a));
}

/* Adds one to 'ip', which must not be the family's last address. */
static void
ip_increment(struct antrea_ip *ip)
{
    for (size_t i = ip_size(ip); i-- > 0;) {
        if (++ip->bytes[i]) {
            return;
        }
    }
}

/* Takes one from 'ip', which must not be the family's first address. */
static void
ip_decrement(struct antrea_ip *ip)
{
    for (size_t i = ip_size(ip); i-- > 0;) {
        if (ip->bytes[i]--) {
            return;
        }
    }
}

/* Returns 'prefix' with its host bits cleared and its padding zeroed. */
static struct antrea_prefix
prefix_network(const struct antrea_prefix *prefix)
{
    struct antrea_prefix network;

    memset(&network, 0, sizeof network);
    network.ip.family = prefix->ip.family;
    network.length = prefix->length;
    for (size_t i = 0; i < ip_size(&prefix->ip); i++) {
        unsigned int bit = i * 8;
        unsigned int bits = (bit >= prefix->length ? 0
                             : prefix->length - bit >= 8 ? 8
                             : prefix->length - bit);
        uint8_t mask = bits ? (uint8_t) (0xffu << (8 - bits)) : 0;
        network.ip.bytes[i] = prefix->ip.bytes[i] & mask;
    }
    return network;
}

/* Sets '*first' and '*last' to the lowest and highest address 'subnet' (a
 * network address) may hand out: all but the network address and, for
 * IPv4, the broadcast address.  Returns false if there is none (an IPv4
 * /31 or /32, an IPv6 /128). */
static bool
subnet_host_range(const struct antrea_prefix *subnet, struct antrea_ip *first,
                  struct antrea_ip *last)
{
    unsigned int bits = antrea_ip_family_bits(subnet->ip.family);
    bool ipv4 = subnet->ip.family == AF_INET;

    if (subnet->length >= bits - (ipv4 ? 1 : 0)) {
        return false;
    }

    *first = *last = subnet->ip;
    for (unsigned int bit = subnet->length; bit < bits; bit++) {
        last->bytes[bit / 8] |= (uint8_t) (0x80u >> (bit % 8));
    }
    ip_increment(first);
    if (ipv4) {
        ip_decrement(last);
    }
    return true;
}

/* Writes the text of 'subnet' into 'buf' (ANTREA_PREFIX_STRING_SIZE). */
static void
subnet_to_string(const struct antrea_prefix *subnet, char *buf)
{
    antrea_prefix_to_string(subnet, buf, ANTREA_PREFIX_STRING_SIZE);
}

/* Returns the malloc'd file name stem for 'subnet': its text with '/' as
 * '_', because '/' cannot appear in a file name. */
static char *
subnet_stem(const struct antrea_prefix *subnet)
{
    char text[ANTREA_PREFIX_STRING_SIZE];

    subnet_to_string(subnet, text);
    char *stem = xstrdup(text);
    char *slash = strchr(stem, '/');
    if (slash) {
        *slash = '_';
    }
    return stem;
}

/* Parses the file name 'name' ("10.10.1.0_24.json") into '*subnet'.
 * Returns false for a name that is not the state file of a subnet in the
 * form subnet_stem writes. */
static bool
subnet_from_file_name(const char *name, struct antrea_prefix *subnet)
{
    size_t length = strlen(name);
    static const char suffix[] = ".json";

    if (length <= strlen(suffix) + 1
        || strcmp(name + length - strlen(suffix), suffix)
        || length - strlen(suffix) >= ANTREA_PREFIX_STRING_SIZE) {
        return false;
    }

    char text[ANTREA_PREFIX_STRING_SIZE];
    memcpy(text, name, length - strlen(suffix));
    text[length - strlen(suffix)] = '\0';
    char *underscore = strrchr(text, '_');
    if (!underscore) {
        return false;
    }
    *underscore = '/';
    if (!antrea_prefix_from_string(text, subnet)) {
        return false;
    }

    /* Only the exact form we write: "10.10.1.0_24", not "10.10.1.5_24". */
    struct antrea_prefix network = prefix_network(subnet);
    char canonical[ANTREA_PREFIX_STRING_SIZE];
    subnet_to_string(&network, canonical);
    *subnet = network;
    return !strcmp(canonical, text);
}

/* The state of one subnet. */

/* Initialises 'state' for 'subnet', with no allocations. */
static void
subnet_state_init(struct subnet_state *state,
                  const struct antrea_prefix *subnet)
{
    memset(state, 0, sizeof *state);
    state->subnet = *subnet;
}

/* Frees what 'state' owns. */
static void
subnet_state_destroy(struct subnet_state *state)
{
    for (size_t i = 0; i < state->n_allocations; i++) {
        free(state->allocations[i].container_id);
        free(state->allocations[i].ifname);
    }
    free(state->allocations);
    state->allocations = NULL;
    state->n_allocations = state->allocated = 0;
}

/* Inserts an allocation of 'ip' to 'container_id' and 'ifname' at index
 * 'index' of 'state' (which keeps the array sorted when it is the first
 * index with a greater address). */
static void
subnet_state_insert(struct subnet_state *state, size_t index,
                    const struct antrea_ip *ip, const char *container_id,
                    const char *ifname)
{
    if (state->n_allocations >= state->allocated) {
        state->allocated = state->allocated ? 2 * state->allocated : 8;
        state->allocations = xrealloc(state->allocations,
                                      state->allocated
                                      * sizeof *state->allocations);
    }
    memmove(&state->allocations[index + 1], &state->allocations[index],
            (state->n_allocations - index) * sizeof *state->allocations);
    struct allocation *allocation = &state->allocations[index];
    allocation->ip = *ip;
    allocation->container_id = xstrdup(container_id);
    allocation->ifname = xstrdup(ifname);
    state->n_allocations++;
}

/* Removes the allocation at 'index' of 'state'. */
static void
subnet_state_remove(struct subnet_state *state, size_t index)
{
    free(state->allocations[index].container_id);
    free(state->allocations[index].ifname);
    memmove(&state->allocations[index], &state->allocations[index + 1],
            (state->n_allocations - index - 1) * sizeof *state->allocations);
    state->n_allocations--;
}

/* Returns the allocation owned by 'container_id' and 'ifname', or NULL. */
static const struct allocation *
subnet_state_find_owner(const struct subnet_state *state,
                        const char *container_id, const char *ifname)
{
    for (size_t i = 0; i < state->n_allocations; i++) {
        const struct allocation *allocation = &state->allocations[i];
        if (!strcmp(allocation->container_id, container_id)
            && !strcmp(allocation->ifname, ifname)) {
            return allocation;
        }
    }
    return NULL;
}

/* Returns the allocation of 'ip', or NULL. */
static const struct allocation *
subnet_state_find_ip(const struct subnet_state *state,
                     const struct antrea_ip *ip)
{
    for (size_t i = 0; i < state->n_allocations; i++) {
        if (antrea_ip_equal(&state->allocations[i].ip, ip)) {
            return &state->allocations[i];
        }
    }
    return NULL;
}

/* Finds the lowest address of 'state''s subnet that is neither allocated
 * nor 'gateway' (family 0 for none).  Returns true and stores it in '*ip',
 * with the index where its allocation belongs in '*indexp', or false if
 * the subnet is full. */
static bool
subnet_state_find_free(const struct subnet_state *state,
                       const struct antrea_ip *gateway,
                       struct antrea_ip *ip, size_t *indexp)
{
    struct antrea_ip candidate, last;

    if (!subnet_host_range(&state->subnet, &candidate, &last)) {
        return false;
    }

    /* The allocations are sorted, so one pass over them suffices.  For a
     * huge IPv6 subnet the loop ends after at most n_allocations + 2
     * candidates. */
    size_t i = 0;
    for (;;) {
        while (i < state->n_allocations
               && ip_compare(&state->allocations[i].ip, &candidate) < 0) {
            i++;
        }
        bool taken = ((i < state->n_allocations
                       && !ip_compare(&state->allocations[i].ip, &candidate))
                      || antrea_ip_equal(&candidate, gateway));
        if (!taken) {
            *ip = candidate;
            *indexp = i;
            return true;
        }
        if (!ip_compare(&candidate, &last)) {
            return false;
        }
        ip_increment(&candidate);
    }
}

/* qsort comparison of allocations by address. */
static int
compare_allocations_by_ip(const void *a_, const void *b_)
{
    const struct allocation *a = a_;
    const struct allocation *b = b_;

    return ip_compare(&a->ip, &b->ip);
}

/* qsort comparison of allocation pointers by owner. */
static int
compare_allocations_by_owner(const void *a_, const void *b_)
{
    const struct allocation *const *a = a_;
    const struct allocation *const *b = b_;
    int cmp = strcmp((*a)->container_id, (*b)->container_id);

    return cmp ? cmp : strcmp((*a)->ifname, (*b)->ifname);
}

/* Returns the first owner ("container ID/ifname") that holds more than one
 * address in 'state', malloc'd, or NULL if every owner holds one. */
static char *
subnet_state_find_double_owner(const struct subnet_state *state)
{
    const struct allocation **by_owner;
    char *double_owner = NULL;

    if (state->n_allocations < 2) {
        return NULL;
    }
    by_owner = xmalloc(state->n_allocations * sizeof *by_owner);
    for (size_t i = 0; i < state->n_allocations; i++) {
        by_owner[i] = &state->allocations[i];
    }
    qsort(by_owner, state->n_allocations, sizeof *by_owner,
          compare_allocations_by_owner);
    for (size_t i = 1; i < state->n_allocations; i++) {
        if (!compare_allocations_by_owner(&by_owner[i - 1], &by_owner[i])) {
            double_owner = xasprintf("container %s interface %s",
                                     by_owner[i]->container_id,
                                     by_owner[i]->ifname);
            break;
        }
    }
    free(by_owner);
    return double_owner;
}

/* Returns the string member 'key' of JSON object 'object' if it is a
 * nonempty string, else NULL. */
static const char *
json_nonempty_string(const json_t *object, const char *key)
{
    const char *s = json_string_value(json_object_get(object, key));
    return s && s[0] ? s : NULL;
}

/* Checks that JSON object 'object' has no key outside the NULL-terminated
 * 'known'.  Returns the first unknown key, or NULL. */
static const char *
json_unknown_key(json_t *object, const char *const *known)
{
    const char *key;
    json_t *value;

    json_object_foreach (object, key, value) {
        const char *const *k;
        for (k = known; *k && strcmp(*k, key); k++) {
            continue;
        }
        if (!*k) {
            return key;
        }
    }
    return NULL;
}

/* Fills 'state' (initialised, empty) from the parsed state file 'root'.
 * Returns NULL on success, else a malloc'd reason the file is bad. */
static char *
subnet_state_from_json(struct subnet_state *state, json_t *root)
{
    static const char *const root_keys[] = {"subnet", "allocations", NULL};
    static const char *const owner_keys[] = {"containerId", "ifname", NULL};
    char subnet_text[ANTREA_PREFIX_STRING_SIZE];
    const char *key;
    json_t *value;

    if (!json_is_object(root)) {
        return xasprintf("not a JSON object");
    }
    key = json_unknown_key(root, root_keys);
    if (key) {
        return xasprintf("unknown key \"%s\"", key);
    }

    subnet_to_string(&state->subnet, subnet_text);
    const char *file_subnet = json_string_value(json_object_get(root,
                                                                "subnet"));
    if (!file_subnet) {
        return xasprintf("no \"subnet\" string");
    }
    if (strcmp(file_subnet, subnet_text)) {
        return xasprintf("\"subnet\" is %s, but the file name says %s",
                         file_subnet, subnet_text);
    }

    json_t *allocations = json_object_get(root, "allocations");
    if (!json_is_object(allocations)) {
        return xasprintf("no \"allocations\" object");
    }
    json_object_foreach (allocations, key, value) {
        struct antrea_ip ip;
        char canonical[ANTREA_IP_STRING_SIZE];

        /* Keys must be in the form we write, so that looking an address
         * up by its text can never miss an allocation. */
        if (!antrea_ip_from_string(key, &ip)
            || !antrea_ip_to_string(&ip, canonical, sizeof canonical)
            || strcmp(canonical, key)) {
            return xasprintf("\"%s\" is not an address in canonical form",
                             key);
        }
        if (!antrea_prefix_contains(&state->subnet, &ip)) {
            return xasprintf("address %s is not in subnet %s",
                             key, subnet_text);
        }

        const char *container_id = json_nonempty_string(value,
                                                        "containerId");
        const char *ifname = json_nonempty_string(value, "ifname");
        if (!json_is_object(value) || !container_id || !ifname) {
            return xasprintf("address %s: owner needs nonempty "
                             "\"containerId\" and \"ifname\" strings", key);
        }
        const char *unknown = json_unknown_key(value, owner_keys);
        if (unknown) {
            return xasprintf("address %s: unknown key \"%s\"", key, unknown);
        }
        subnet_state_insert(state, state->n_allocations, &ip, container_id,
                            ifname);
    }
    if (state->n_allocations > 1) {
        qsort(state->allocations, state->n_allocations,
              sizeof *state->allocations, compare_allocations_by_ip);
    }

    char *double_owner = subnet_state_find_double_owner(state);
    if (double_owner) {
        char *reason = xasprintf("%s holds more than one address",
                                 double_owner);
        free(double_owner);
        return reason;
    }
    return NULL;
}

/* Returns 'state' as the JSON document of its state file. */
static json_t *
subnet_state_to_json(const struct subnet_state *state)
{
    char subnet_text[ANTREA_PREFIX_STRING_SIZE];
    json_t *allocations = json_object();

    for (size_t i = 0; i < state->n_allocations; i++) {
        const struct allocation *allocation = &state->allocations[i];
        char ip_text[ANTREA_IP_STRING_SIZE];

        antrea_ip_to_string(&allocation->ip, ip_text, sizeof ip_text);
        json_object_set_new(allocations, ip_text,
                            json_pack("{s:s, s:s}",
                                      "containerId", allocation->container_id,
                                      "ifname", allocation->ifname));
    }
    subnet_to_string(&state->subnet, subnet_text);
    return json_pack("{s:s, s:o}", "subnet", subnet_text,
                     "allocations", allocations);
}

/* Reads the whole of 'fd' into a malloc'd buffer, '*lengthp' bytes.
 * Returns 0 or a positive errno value (EFBIG if it exceeds
 * NATIVE_STATE_MAX_SIZE). */
static int
read_fd(int fd, char **bufp, size_t *lengthp)
{
    size_t allocated = 4096;
    size_t length = 0;
    char *buf = xmalloc(allocated);

    for (;;) {
        if (length == allocated) {
            if (allocated >= NATIVE_STATE_MAX_SIZE) {
                free(buf);
                return EFBIG;
            }
            allocated *= 2;
            buf = xrealloc(buf, allocated);
        }
        ssize_t n = read(fd, buf + length, allocated - length);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            int error = errno;
            free(buf);
            return error;
        } else if (n == 0) {
            break;
        }
        length += n;
    }
    *bufp = buf;
    *lengthp = length;
    return 0;
}

/* Reads the state file 'path' of 'subnet' into 'state' (which this
 * initialises; the caller destroys it even on failure).  A missing file is
 * a subnet with no allocations.  Returns 0, or a positive errno value with
 * a reason naming the file in 'error'. */
static int
subnet_state_load(struct subnet_state *state, const char *path,
                  const struct antrea_prefix *subnet, char *error)
{
    subnet_state_init(state, subnet);

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            return 0;
        }
        int err = errno;
        set_error(error, "cannot open IPAM state file %s: %s",
                  path, strerror(err));
        return err;
    }

    char *buf = NULL;
    size_t length = 0;
    int err = read_fd(fd, &buf, &length);
    close(fd);
    if (err) {
        set_error(error, "cannot read IPAM state file %s: %s", path,
                  err == EFBIG ? "larger than 256 MiB" : strerror(err));
        return err;
    }

    json_error_t json_error;
    json_t *root = json_loadb(buf, length, JSON_REJECT_DUPLICATES,
                              &json_error);
    free(buf);
    if (!root) {
        set_error(error, "IPAM state file %s is corrupt: line %d column %d: "
                  "%s", path, json_error.line, json_error.column,
                  json_error.text);
        return EINVAL;
    }
    char *reason = subnet_state_from_json(state, root);
    json_decref(root);
    if (reason) {
        set_error(error, "IPAM state file %s is corrupt: %s", path, reason);
        free(reason);
        return EINVAL;
    }
    return 0;
}

/* Writes all of 'data' ('length' bytes) to 'fd'.  Returns 0 or errno. */
static int
write_fully(int fd, const char *data, size_t length)
{
    while (length) {
        ssize_t n = write(fd, data, length);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        data += n;
        length -= n;
    }
    return 0;
}

/* Replaces the state file 'path' by 'state', atomically.  The
 * caller holds dataDir's lock, so the temporary file's fixed name is
 * ours alone.  A state without allocations removes the file instead, so
 * that no empty file stays behind.  Returns 0, or a positive errno value
 * with a reason in 'error'. */
static int
subnet_state_save(const struct subnet_state *state, const char *path,
                  char *error)
{
    if (!state->n_allocations) {
        int err = unlink(path) && errno != ENOENT ? errno : 0;
        if (err) {
            set_error(error, "cannot remove IPAM state file %s: %s",
                      path, strerror(err));
        }
        return err;
    }

    json_t *root = subnet_state_to_json(state);
    char *text = json_dumps(root, JSON_INDENT(2));
    json_decref(root);
    if (!text) {
        out_of_memory();
    }

    char *tmp_path = xasprintf("%s.tmp", path);
    int err = 0;
    int fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        err = errno;
    } else {
        err = write_fully(fd, text, strlen(text));
        if (!err) {
            err = write_fully(fd, "\n", 1);
        }
        if (!err && fsync(fd)) {
            err = errno;
        }
        if (close(fd) && !err) {
            err = errno;
        }
        if (!err && rename(tmp_path, path)) {
            err = errno;
        }
        if (err) {
            unlink(tmp_path);
        }
    }
    if (err) {
        set_error(error, "cannot write IPAM state file %s: %s",
                  path, strerror(err));
    }
    free(tmp_path);
    free(text);
    return err;
}

/* Creates directory 'path' and its missing parents.  Returns 0 or errno. */
static int
mkdir_parents(const char *path)
{
    char *copy = xstrdup(path);
    int err = 0;

    for (char *p = copy + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(copy, 0755) && errno != EEXIST) {
                err = errno;
                break;
            }
            *p = c;
            if (!c) {
                break;
            }
        }
    }
    free(copy);

    struct stat st;
    if (!err && (stat(path, &st) || !S_ISDIR(st.st_mode))) {
        err = ENOTDIR;
    }
    return err;
}

/* Locks dataDir for working on the state file of 'subnet' (NULL: on
 * dataDir alone, 'file->path' stays NULL): creates
 * dataDir first if 'create', and waits up to NATIVE_LOCK_TIMEOUT_MSEC for
 * another process to let go.  Returns 0 with 'file' filled (release it
 * with state_file_unlock); ENOENT if dataDir does not exist and '!create'
 * (nothing was ever allocated); or another positive errno value with a
 * reason in 'error'.  'file' may be given to state_file_unlock in every
 * case. */
static int
state_file_lock(const struct native_ipam *ipam,
                const struct antrea_prefix *subnet, bool create,
                struct state_file *file, char *error)
{
    file->path = NULL;
    file->lock_fd = -1;
    if (create) {
        int err = mkdir_parents(ipam->data_dir);
        if (err) {
            set_error(error, "cannot create IPAM dataDir %s: %s",
                      ipam->data_dir, strerror(err));
            return err;
        }
    }

    int err = 0;
    file->lock_fd = open(ipam->data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (file->lock_fd < 0) {
        err = errno;
        if (err != ENOENT || create) {
            set_error(error, "cannot open IPAM dataDir %s: %s",
                      ipam->data_dir, strerror(err));
        }
        return err;
    }

    long long deadline = monotonic_msec() + NATIVE_LOCK_TIMEOUT_MSEC;
    long delay_msec = 1;
    while (flock(file->lock_fd, LOCK_EX | LOCK_NB)) {
        if (errno == EINTR) {
            continue;
        } else if (errno != EWOULDBLOCK) {
            err = errno;
            set_error(error, "cannot lock IPAM dataDir %s: %s",
                      ipam->data_dir, strerror(err));
            break;
        } else if (monotonic_msec() >= deadline) {
            err = ETIMEDOUT;
            set_error(error, "IPAM dataDir %s is still locked by another "
                      "process after %d s", ipam->data_dir,
                      NATIVE_LOCK_TIMEOUT_MSEC / 1000);
            break;
        }
        struct timespec ts = { 0, delay_msec * 1000000 };
        nanosleep(&ts, NULL);
        delay_msec = delay_msec < 32 ? delay_msec * 2 : delay_msec;
    }
    if (err) {
        close(file->lock_fd);
        file->lock_fd = -1;
        return err;
    }

    if (subnet) {
        char *stem = subnet_stem(subnet);
        file->path = xasprintf("%s/%s.json", ipam->data_dir, stem);
        free(stem);
    }
    return 0;
}

/* Releases the lock taken by state_file_lock and frees 'file''s members. */
static void
state_file_unlock(struct state_file *file)
{
    if (file->lock_fd >= 0) {
        close(file->lock_fd);   /* Closing the only descriptor unlocks. */
        file->lock_fd = -1;
    }
    free(file->path);
    file->path = NULL;
}

/* Stores in '*subnetsp' the malloc'd array of the subnets that have state
 * files in dataDir, '*n_subnetsp' of them (none if dataDir does not
 * exist).  Files that are not named like state files are left alone, with
 * a warning.  Returns 0, or a positive errno value with a reason in
 * 'error'. */
static int
list_subnets(const struct native_ipam *ipam, struct antrea_prefix **subnetsp,
             size_t *n_subnetsp, char *error)
{
    struct antrea_prefix *subnets = NULL;
    size_t n_subnets = 0;

    *subnetsp = NULL;
    *n_subnetsp = 0;

    DIR *dir = opendir(ipam->data_dir);
    if (!dir) {
        if (errno == ENOENT) {
            return 0;
        }
        int err = errno;
        set_error(error, "cannot read IPAM dataDir %s: %s",
                  ipam->data_dir, strerror(err));
        return err;
    }
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(dir);
        if (!de) {
            int err = errno;
            closedir(dir);
            if (err) {
                free(subnets);
                set_error(error, "cannot read IPAM dataDir %s: %s",
                          ipam->data_dir, strerror(err));
                return err;
            }
            break;
        }

        size_t length = strlen(de->d_name);
        if (length < 5 || strcmp(de->d_name + length - 5, ".json")) {
            continue;
        }
        struct antrea_prefix subnet;
        if (!subnet_from_file_name(de->d_name, &subnet)) {
            ipam->api->log(ipam->host, ANTREA_LOG_WARN,
                           "ignoring %s/%s: not named like a subnet's "
                           "state file (e.g. 10.10.1.0_24.json)",
                           ipam->data_dir, de->d_name);
            continue;
        }
        subnets = xrealloc(subnets, (n_subnets + 1) * sizeof *subnets);
        subnets[n_subnets++] = subnet;
    }
    *subnetsp = subnets;
    *n_subnetsp = n_subnets;
    return 0;
}

/* Checks the strings of 'req' that name the owner of an allocation.
 * Returns 0 or EINVAL with a reason in 'error'. */
static int
check_owner(const struct antrea_ipam_request *req, char *error)
{
    if (!req->container_id || !req->container_id[0]) {
        set_error(error, "native IPAM: request has no container ID");
        return EINVAL;
    }
    if (!req->ifname || !req->ifname[0]) {
        set_error(error, "native IPAM: request for container %s has no "
                  "interface name", req->container_id);
        return EINVAL;
    }
    return 0;
}

/* Checks the request's subnet and gateway and stores the subnet's network
 * address in '*subnet'.  Returns 0, or EINVAL or ENOTSUP with a reason in
 * 'error'. */
static int
check_subnet(const struct antrea_ipam_request *req,
             struct antrea_prefix *subnet, char *error)
{
    char subnet_text[ANTREA_PREFIX_STRING_SIZE];
    char gateway_text[ANTREA_IP_STRING_SIZE];

    if (req->subnet.ip.family != AF_INET
        && req->subnet.ip.family != AF_INET6) {
        set_error(error, "native IPAM: request has no subnet (the Node's "
                  "podCIDR)");
        return EINVAL;
    }
    if (req->subnet.length > antrea_ip_family_bits(req->subnet.ip.family)) {
        set_error(error, "native IPAM: subnet prefix length %u is too long",
                  (unsigned int) req->subnet.length);
        return EINVAL;
    }
    *subnet = prefix_network(&req->subnet);
    subnet_to_string(subnet, subnet_text);

    if (req->gateway.family && !antrea_prefix_contains(subnet,
                                                       &req->gateway)) {
        if (!antrea_ip_to_string(&req->gateway, gateway_text,
                                 sizeof gateway_text)) {
            snprintf(gateway_text, sizeof gateway_text, "(family %u)",
                     (unsigned int) req->gateway.family);
        }
        set_error(error, "native IPAM: gateway %s is not in subnet %s",
                  gateway_text, subnet_text);
        return EINVAL;
    }
    return 0;
}

/* Returns true if 'name' ends with 'suffix' after the stem of a subnet's
 * state file ("10.10.1.0_24" + suffix). */
static bool
is_subnet_file(const char *name, const char *suffix)
{
    size_t length = strlen(name);
    size_t suffix_length = strlen(suffix);
    struct antrea_prefix subnet;

    if (length <= suffix_length
        || strcmp(name + length - suffix_length, suffix)) {
        return false;
    }
    char *json_name = xasprintf("%.*s.json", (int) (length - suffix_length),
                                name);
    bool ok = subnet_from_file_name(json_name, &subnet);
    free(json_name);
    return ok;
}

/* Removes, with dataDir locked, what earlier runs may have left in it: the
 * temporary file of a save a crash interrupted ("<stem>.json.tmp") and
 * the per-subnet lock files of older versions ("<stem>.lock").  Failures
 * are logged: they leave clutter, not wrong state. */
static void
remove_leftovers(const struct native_ipam *ipam)
{
    char error[ANTREA_ERROR_SIZE];
    struct state_file file;

    if (state_file_lock(ipam, NULL, false, &file, error)) {
        return;                 /* No dataDir yet: nothing to remove. */
    }
    DIR *dir = opendir(ipam->data_dir);
    for (struct dirent *de; dir && (de = readdir(dir)) != NULL;) {
        if (is_subnet_file(de->d_name, ".json.tmp")
            || is_subnet_file(de->d_name, ".lock")) {
            char *path = xasprintf("%s/%s", ipam->data_dir, de->d_name);
            if (unlink(path) && errno != ENOENT) {
                ipam->api->log(ipam->host, ANTREA_LOG_WARN,
                               "cannot remove %s: %s", path,
                               strerror(errno));
            } else {
                ipam->api->log(ipam->host, ANTREA_LOG_INFO,
                               "removed %s, left by an earlier run", path);
            }
            free(path);
        }
    }
    if (dir) {
        closedir(dir);
    }
    state_file_unlock(&file);
}

/* Reads and checks every state file in dataDir.  Returns 0, or a positive
 * errno value after logging why. */
static int
native_read_all(const struct native_ipam *ipam)
{
    char error[ANTREA_ERROR_SIZE];
    struct antrea_prefix *subnets;
    size_t n_subnets, n_addresses = 0;

    int err = list_subnets(ipam, &subnets, &n_subnets, error);
    for (size_t i = 0; !err && i < n_subnets; i++) {
        struct subnet_state state;
        char *stem = subnet_stem(&subnets[i]);
        char *path = xasprintf("%s/%s.json", ipam->data_dir, stem);

        /* No lock: files are replaced by rename, so a reader sees a whole
         * file, old or new. */
        err = subnet_state_load(&state, path, &subnets[i], error);
        n_addresses += state.n_allocations;
        subnet_state_destroy(&state);
        free(path);
        free(stem);
    }
    free(subnets);

    if (err) {
        ipam->api->log(ipam->host, ANTREA_LOG_ERR, "%s", error);
    } else {
        ipam->api->log(ipam->host, ANTREA_LOG_INFO,
                       "dataDir %s: %zu addresses allocated in %zu subnets",
                       ipam->data_dir, n_addresses, n_subnets);
    }
    return err;
}

/* The lifecycle's init: reads the "dataDir" key and checks the state
 * files already there. */
static int
native_init(const struct antrea_plugin_init_args *args, void **statep)
{
    static const char *const known_keys[] = {"dataDir", NULL};
    const struct antrea_host_api *api = args->api;
    const char *data_dir;

    int err = api->config_check_keys(args->host, args->config, known_keys);
    if (err) {
        return err;
    }
    err = api->config_get_string(args->host, args->config, "dataDir",
                                 NATIVE_DEFAULT_DATA_DIR, &data_dir);
    if (err) {
        return err;
    }
    if (data_dir[0] != '/') {
        api->config_error(args->host, api->config_get(args->config,
                                                      "dataDir"),
                          "dataDir must be an absolute path, not \"%s\"",
                          data_dir);
        return EINVAL;
    }

    struct native_ipam *ipam = xmalloc(sizeof *ipam);
    ipam->api = api;
    ipam->host = args->host;
    ipam->data_dir = xstrdup(data_dir);
    size_t length = strlen(ipam->data_dir);
    while (length > 1 && ipam->data_dir[length - 1] == '/') {
        ipam->data_dir[--length] = '\0';
    }

    remove_leftovers(ipam);
    err = native_read_all(ipam);
    if (err) {
        free(ipam->data_dir);
        free(ipam);
        return err;
    }
    *statep = ipam;
    return 0;
}

/* The lifecycle's fini. */
static void
native_fini(void *ipam_)
{
    struct native_ipam *ipam = ipam_;

    if (ipam) {
        free(ipam->data_dir);
        free(ipam);
    }
}

/* Returns true if the subnets 'a' and 'b' (network addresses, as
 * check_subnet() makes them) are the same. */
static bool
prefix_equal(const struct antrea_prefix *a, const struct antrea_prefix *b)
{
    return a->length == b->length && antrea_ip_equal(&a->ip, &b->ip);
}

/* Fills 'result' with address 'ip' of 'subnet' and the request's
 * gateway. */
static void
fill_result(const struct native_ipam *ipam,
            const struct antrea_ipam_request *req,
            const struct antrea_prefix *subnet, const struct antrea_ip *ip,
            struct antrea_ipam_result *result)
{
    result->n_addresses = 1;
    result->n_routes = 0;
    memset(&result->addresses[0], 0, sizeof result->addresses[0]);
    result->addresses[0].address.ip = *ip;
    result->addresses[0].address.length = subnet->length;
    result->addresses[0].gateway = req->gateway;
    if (ipam->api->log_enabled(ipam->host, ANTREA_LOG_DBG)) {
        char ip_text[ANTREA_IP_STRING_SIZE];
        antrea_ip_to_string(ip, ip_text, sizeof ip_text);
        ipam->api->log(ipam->host, ANTREA_LOG_DBG,
                       "%s to container %s interface %s", ip_text,
                       req->container_id, req->ifname);
    }
}

/* Allocates the lowest free address of the request's subnet to its
 * container and interface, or returns the one they already hold. */
static int
native_add(void *ipam_, const struct antrea_ipam_request *req,
           struct antrea_ipam_result *result, char *error)
{
    const struct native_ipam *ipam = ipam_;
    struct antrea_prefix subnet;
    struct state_file file;
    struct subnet_state state;
    struct antrea_ip ip;

    int err = check_owner(req, error);
    if (!err) {
        err = check_subnet(req, &subnet, error);
    }
    if (err) {
        return err;
    }
    err = state_file_lock(ipam, &subnet, true, &file, error);
    if (err) {
        return err;
    }

    err = subnet_state_load(&state, file.path, &subnet, error);
    if (!err) {
        const struct allocation *held
            = subnet_state_find_owner(&state, req->container_id,
                                      req->ifname);
        size_t index;
        if (held) {
            ip = held->ip;
        } else if (subnet_state_find_free(&state, &req->gateway,
                                          &ip, &index)) {
            subnet_state_insert(&state, index, &ip, req->container_id,
                                req->ifname);
            err = subnet_state_save(&state, file.path, error);
        } else {
            char subnet_text[ANTREA_PREFIX_STRING_SIZE];
            subnet_to_string(&subnet, subnet_text);
            set_error(error, "no free address in %s", subnet_text);
            err = ENOSPC;
        }
    }
    subnet_state_destroy(&state);
    state_file_unlock(&file);
    if (err) {
        return err;
    }

    fill_result(ipam, req, &subnet, &ip, result);
    return 0;
}

/* The ABI 1.1 add_batch: what native_add does for each request, with one
 * lock, one read and one save of each subnet's state file for all the
 * requests of that subnet. */
static void
native_add_batch(void *ipam_, const struct antrea_ipam_request *const *reqs,
                 struct antrea_ipam_result *const *results, int *retvals,
                 char *const *errors, size_t n)
{
    const struct native_ipam *ipam = ipam_;
    struct antrea_prefix *subnets = xmalloc((n ? n : 1) * sizeof *subnets);
    struct antrea_ip *ips = xmalloc((n ? n : 1) * sizeof *ips);
    bool *pending = xmalloc((n ? n : 1) * sizeof *pending);
    bool *fresh = xmalloc((n ? n : 1) * sizeof *fresh);

    for (size_t i = 0; i < n; i++) {
        retvals[i] = check_owner(reqs[i], errors[i]);
        if (!retvals[i]) {
            retvals[i] = check_subnet(reqs[i], &subnets[i], errors[i]);
        }
        pending[i] = !retvals[i];
        fresh[i] = false;
    }

    for (size_t i = 0; i < n; i++) {
        if (!pending[i]) {
            continue;
        }

        /* Request 'i' and every later one of the same subnet. */
        char error[ANTREA_ERROR_SIZE] = "";
        struct state_file file;
        struct subnet_state state;
        int err = state_file_lock(ipam, &subnets[i], true, &file, error);
        if (!err) {
            err = subnet_state_load(&state, file.path, &subnets[i], error);
        } else {
            subnet_state_init(&state, &subnets[i]);
        }
        bool changed = false;
        for (size_t j = i; j < n; j++) {
            if (!pending[j] || !prefix_equal(&subnets[j], &subnets[i])) {
                continue;
            }
            pending[j] = false;
            if (err) {
                retvals[j] = err;
                memcpy(errors[j], error, ANTREA_ERROR_SIZE);
                continue;
            }
            const struct allocation *held
                = subnet_state_find_owner(&state, reqs[j]->container_id,
                                          reqs[j]->ifname);
            size_t index;
            if (held) {
                ips[j] = held->ip;
            } else if (subnet_state_find_free(&state, &reqs[j]->gateway,
                                              &ips[j], &index)) {
                subnet_state_insert(&state, index, &ips[j],
                                    reqs[j]->container_id, reqs[j]->ifname);
                fresh[j] = changed = true;
            } else {
                char subnet_text[ANTREA_PREFIX_STRING_SIZE];
                subnet_to_string(&subnets[j], subnet_text);
                set_error(errors[j], "no free address in %s", subnet_text);
                retvals[j] = ENOSPC;
            }
        }
        if (!err && changed) {
            err = subnet_state_save(&state, file.path, error);
        }
        for (size_t j = i; j < n; j++) {
            if (!fresh[j] || !prefix_equal(&subnets[j], &subnets[i])) {
                continue;
            }
            if (err) {
                /* Not saved: nothing was allocated after all. */
                retvals[j] = err;
                memcpy(errors[j], error, ANTREA_ERROR_SIZE);
                fresh[j] = false;
            }
        }
        subnet_state_destroy(&state);
        state_file_unlock(&file);
    }

    for (size_t i = 0; i < n; i++) {
        if (!retvals[i]) {
            fill_result(ipam, reqs[i], &subnets[i], &ips[i], results[i]);
        }
    }
    free(fresh);
    free(pending);
    free(ips);
    free(subnets);
}

/* Removes from every state file the allocations for which 'release'
 * returns true ('aux' is passed along), and adds their number to
 * '*n_releasedp'.  Returns 0, or the first positive errno value with its
 * reason in 'error' (after going through every other file anyway, so that
 * one damaged file does not keep the others' addresses). */
static int
release_where(const struct native_ipam *ipam,
              bool (*release)(const struct allocation *, const void *aux),
              const void *aux, size_t *n_releasedp, char *error)
{
    char file_error[ANTREA_ERROR_SIZE];
    struct antrea_prefix *subnets;
    size_t n_subnets;

    int first_err = list_subnets(ipam, &subnets, &n_subnets, error);
    for (size_t i = 0; i < n_subnets; i++) {
        struct state_file file;
        struct subnet_state state;

        int err = state_file_lock(ipam, &subnets[i], false, &file,
                                  file_error);
        if (err == ENOENT) {
            continue;           /* dataDir went away: nothing to release. */
        } else if (!err) {
            err = subnet_state_load(&state, file.path, &subnets[i],
                                    file_error);
            if (!err) {
                size_t n_before = state.n_allocations;
                for (size_t j = state.n_allocations; j-- > 0;) {
                    if (release(&state.allocations[j], aux)) {
                        subnet_state_remove(&state, j);
                    }
                }
                if (state.n_allocations != n_before) {
                    err = subnet_state_save(&state, file.path, file_error);
                    if (!err) {
                        *n_releasedp += n_before - state.n_allocations;
                    }
                }
            }
            subnet_state_destroy(&state);
            state_file_unlock(&file);
        }
        if (err && !first_err) {
            first_err = err;
            memcpy(error, file_error, ANTREA_ERROR_SIZE);
        }
    }
    free(subnets);
    return first_err;
}

/* release_where predicate: the allocation belongs to the request 'aux'. */
static bool
owned_by_request(const struct allocation *allocation, const void *aux)
{
    const struct antrea_ipam_request *req = aux;

    return (!strcmp(allocation->container_id, req->container_id)
            && !strcmp(allocation->ifname, req->ifname));
}

/* Releases the addresses of the request's container and interface, in
 * whichever subnet they are (the podCIDR of a Node seldom changes, but an
 * address must not leak when it does). */
static int
native_del(void *ipam_, const struct antrea_ipam_request *req, char *error)
{
    const struct native_ipam *ipam = ipam_;
    size_t n_released = 0;

    int err = check_owner(req, error);
    if (!err) {
        err = release_where(ipam, owned_by_request, req, &n_released,
                            error);
    }
    if (!err && n_released) {
        ipam->api->log(ipam->host, ANTREA_LOG_DBG,
                       "released %zu address(es) of container %s "
                       "interface %s", n_released, req->container_id,
                       req->ifname);
    }
    return err;
}

/* The requests of one native_del_batch(), those of them to release. */
struct request_set {
    const struct antrea_ipam_request *const *reqs;
    const bool *valid;          /* which of 'reqs' to release */
    size_t n;
};

/* release_where() predicate: 'allocation' belongs to one of the valid
 * requests of the struct request_set 'aux'. */
static bool
owned_by_any_request(const struct allocation *allocation, const void *aux)
{
    const struct request_set *set = aux;

    for (size_t i = 0; i < set->n; i++) {
        if (set->valid[i] && owned_by_request(allocation, set->reqs[i])) {
            return true;
        }
    }
    return false;
}

/* The ABI 1.2 del_batch: what native_del does for each request, with one
 * save of each subnet's state file for all of them.  A state file that
 * cannot be read or saved fails every request of the batch, as it would
 * fail each alone. */
static void
native_del_batch(void *ipam_, const struct antrea_ipam_request *const *reqs,
                 int *retvals, char *const *errors, size_t n)
{
    const struct native_ipam *ipam = ipam_;
    bool *valid = xmalloc((n ? n : 1) * sizeof *valid);
    size_t n_valid = 0;

    for (size_t i = 0; i < n; i++) {
        retvals[i] = check_owner(reqs[i], errors[i]);
        valid[i] = !retvals[i];
        n_valid += valid[i];
    }
    if (n_valid) {
        char error[ANTREA_ERROR_SIZE] = "";
        size_t n_released = 0;
        struct request_set set = { reqs, valid, n };
        int err = release_where(ipam, owned_by_any_request, &set,
                                &n_released, error);
        for (size_t i = 0; i < n && err; i++) {
            if (valid[i]) {
                retvals[i] = err;
                memcpy(errors[i], error, ANTREA_ERROR_SIZE);
            }
        }
        if (!err && n_released) {
            ipam->api->log(ipam->host, ANTREA_LOG_DBG,
                           "released %zu address(es) of %zu containers in "
                           "one batch", n_released, n_valid);
        }
    }
    free(valid);
}

/* Verifies that every address of 'prev' is in the request's subnet and
 * allocated to its container and interface. */
static int
native_check(void *ipam_, const struct antrea_ipam_request *req,
             const struct antrea_ipam_result *prev, char *error)
{
    const struct native_ipam *ipam = ipam_;
    char subnet_text[ANTREA_PREFIX_STRING_SIZE];
    struct antrea_prefix subnet;
    struct state_file file;
    struct subnet_state state;

    int err = check_owner(req, error);
    if (!err) {
        err = check_subnet(req, &subnet, error);
    }
    if (err) {
        return err;
    }
    subnet_to_string(&subnet, subnet_text);
    if (!prev || !prev->n_addresses) {
        set_error(error, "native IPAM: the previous result of container %s "
                  "has no address", req->container_id);
        return EINVAL;
    }
    if (prev->n_addresses > ANTREA_IPAM_MAX_ADDRESSES) {
        set_error(error, "native IPAM: the previous result has %u "
                  "addresses, more than %d", (unsigned int) prev->n_addresses,
                  ANTREA_IPAM_MAX_ADDRESSES);
        return EINVAL;
    }

    err = state_file_lock(ipam, &subnet, false, &file, error);
    if (err == ENOENT) {
        subnet_state_init(&state, &subnet);     /* Nothing allocated. */
        file.path = NULL;
        file.lock_fd = -1;
    } else if (err) {
        return err;
    } else {
        err = subnet_state_load(&state, file.path, &subnet, error);
    }

    for (uint32_t i = 0; !err && i < prev->n_addresses; i++) {
        const struct antrea_ip *ip = &prev->addresses[i].address.ip;
        char ip_text[ANTREA_IP_STRING_SIZE];

        if (!antrea_ip_to_string(ip, ip_text, sizeof ip_text)) {
            set_error(error, "native IPAM: address %u of the previous "
                      "result is not an IP address", (unsigned int) i);
            err = EINVAL;
            break;
        }
        if (!antrea_prefix_contains(&subnet, ip)) {
            set_error(error, "native IPAM: %s is not in subnet %s",
                      ip_text, subnet_text);
            err = EINVAL;
            break;
        }
        const struct allocation *allocation = subnet_state_find_ip(&state,
                                                                   ip);
        if (!allocation) {
            set_error(error, "native IPAM: %s is not allocated (container "
                      "%s interface %s)", ip_text, req->container_id,
                      req->ifname);
            err = EINVAL;
        } else if (!owned_by_request(allocation, req)) {
            set_error(error, "native IPAM: %s is allocated to container %s "
                      "interface %s, not to container %s interface %s",
                      ip_text, allocation->container_id, allocation->ifname,
                      req->container_id, req->ifname);
            err = EINVAL;
        }
    }
    subnet_state_destroy(&state);
    state_file_unlock(&file);
    return err;
}

/* The IDs that survive a garbage collection. */
struct valid_ids {
    const char *const *ids;     /* container IDs */
    size_t n;                   /* number of 'ids' */
};

/* release_where predicate: the allocation's container is not in 'aux'. */
static bool
owner_not_valid(const struct allocation *allocation, const void *aux)
{
    const struct valid_ids *valid = aux;

    for (size_t i = 0; i < valid->n; i++) {
        if (valid->ids[i] && !strcmp(valid->ids[i],
                                     allocation->container_id)) {
            return false;
        }
    }
    return true;
}

/* Releases every address whose container is not among 'valid'. */
static int
native_gc(void *ipam_, const char *const *valid, size_t n_valid,
          char *error)
{
    const struct native_ipam *ipam = ipam_;
    struct valid_ids valid_ids = { valid, valid ? n_valid : 0 };
    size_t n_released = 0;

    int err = release_where(ipam, owner_not_valid, &valid_ids, &n_released,
                            error);
    if (n_released) {
        ipam->api->log(ipam->host, ANTREA_LOG_INFO,
                       "garbage collection released %zu address(es)",
                       n_released);
    }
    return err;
}

/* The ops table the descriptor points to. */
static const struct antrea_ipam_ops native_ops = {
    .lifecycle = {
        .init = native_init,
        .fini = native_fini,
    },
    .add = native_add,
    .del = native_del,
    .check = native_check,
    .gc = native_gc,
    .add_batch = native_add_batch,
    .del_batch = native_del_batch,
};

ANTREA_PLUGIN_DEFINE("native", ANTREA_PLUGIN_IPAM, PACKAGE_VERSION,
                     "Pod addresses from the Node's podCIDR, allocated "
                     "in-process and kept on disk",
                     native_ops);
