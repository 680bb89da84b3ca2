/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * CNI results in every supported version's format; see cni-result.h.
 * Members are written in the order of the reference Go library's structs,
 * so that our output and a Go plugin's differ at most in spacing.
 */

#include <config.h>
#include "cni-result.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni-error.h"
#include "cni-version.h"
#include "util.h"

static char *dup_or_null(const char *);
static void strv_add(char ***, size_t *, const char *);
static void strv_free(char **, size_t);
static json_t *strv_to_json(char *const *, size_t);
static json_t *interface_to_json(const struct cni_interface *, bool v110);
static json_t *ip_to_json(const struct cni_ip *, bool with_version);
static json_t *route_to_json(const struct cni_route *, bool v110);
static json_t *dns_to_json(const struct cni_dns *);
static bool is_ipv6(const char *address);
static bool valid_ip(const char *);
static bool valid_cidr(const char *);

/* The reader's context: where in the document it is, for messages. */
struct reader {
    const char *what;           /* name of the whole, e.g. "prevResult" */
    struct cni_error *error;    /* where the first problem goes */
};

static int read_interfaces(struct cni_result *, const json_t *,
                           struct reader *);
static int read_ips(struct cni_result *, const json_t *, struct reader *);
static int read_routes(struct cni_result *, const json_t *,
                       struct reader *);
static int read_dns(struct cni_dns *, const json_t *, struct reader *);
static int read_string(const json_t *obj, const char *key, bool required,
                       char **valuep, struct reader *, const char *where);
static int read_int(const json_t *obj, const char *key, int min, int max,
                    int *valuep, struct reader *, const char *where);
static int read_strv(const json_t *obj, const char *key, char ***strvp,
                     size_t *np, struct reader *, const char *where);
static int bad(struct reader *, const char *where, const char *key,
               const char *format, ...) ANTREA_PRINTF_FORMAT(4, 5);
static int bad_value(struct reader *, const char *where, const char *key,
                     const char *value, const char *why);

/* Initializes 'result' as empty. */
void
cni_result_init(struct cni_result *result)
{
    memset(result, 0, sizeof *result);
}

/* Frees what 'result' holds and makes it empty again.  Accepts NULL. */
void
cni_result_destroy(struct cni_result *result)
{
    if (!result) {
        return;
    }
    for (size_t i = 0; i < result->n_interfaces; i++) {
        struct cni_interface *iface = &result->interfaces[i];
        free(iface->name);
        free(iface->mac);
        free(iface->sandbox);
        free(iface->socket_path);
        free(iface->pci_id);
    }
    free(result->interfaces);
    for (size_t i = 0; i < result->n_ips; i++) {
        free(result->ips[i].address);
        free(result->ips[i].gateway);
    }
    free(result->ips);
    for (size_t i = 0; i < result->n_routes; i++) {
        free(result->routes[i].dst);
        free(result->routes[i].gw);
    }
    free(result->routes);
    strv_free(result->dns.nameservers, result->dns.n_nameservers);
    free(result->dns.domain);
    strv_free(result->dns.search, result->dns.n_search);
    strv_free(result->dns.options, result->dns.n_options);
    cni_result_init(result);
}

/* Appends an interface to 'result' with copies of 'name' and, unless NULL,
 * 'mac' and 'sandbox'; its 1.1.0 members are unset.  Returns it, valid
 * until the next interface is added; its index is n_interfaces - 1. */
struct cni_interface *
cni_result_add_interface(struct cni_result *result, const char *name,
                         const char *mac, const char *sandbox)
{
    result->interfaces = xrealloc(result->interfaces,
                                  (result->n_interfaces + 1)
                                  * sizeof *result->interfaces);
    struct cni_interface *iface = &result->interfaces[result->n_interfaces++];
    memset(iface, 0, sizeof *iface);
    iface->name = xstrdup(name);
    iface->mac = dup_or_null(mac);
    iface->sandbox = dup_or_null(sandbox);
    return iface;
}

/* Appends an address to 'result': 'address' with its prefix length,
 * 'gateway' (may be NULL) and the index of its interface (or -1).  Returns
 * it, valid until the next address is added. */
struct cni_ip *
cni_result_add_ip(struct cni_result *result, const char *address,
                  const char *gateway, int interface)
{
    result->ips = xrealloc(result->ips,
                           (result->n_ips + 1) * sizeof *result->ips);
    struct cni_ip *ip = &result->ips[result->n_ips++];
    ip->address = xstrdup(address);
    ip->gateway = dup_or_null(gateway);
    ip->interface = interface;
    return ip;
}

/* Appends a route to 'dst' via 'gw' (may be NULL) to 'result', with its
 * 1.1.0 members unset.  Returns it, valid until the next route is
 * added. */
struct cni_route *
cni_result_add_route(struct cni_result *result, const char *dst,
                     const char *gw)
{
    result->routes = xrealloc(result->routes,
                              (result->n_routes + 1) * sizeof *result->routes);
    struct cni_route *route = &result->routes[result->n_routes++];
    memset(route, 0, sizeof *route);
    route->dst = xstrdup(dst);
    route->gw = dup_or_null(gw);
    route->table = -1;
    route->scope = -1;
    return route;
}

/* Appends a copy of 'nameserver' to 'dns'. */
void
cni_dns_add_nameserver(struct cni_dns *dns, const char *nameserver)
{
    strv_add(&dns->nameservers, &dns->n_nameservers, nameserver);
}

/* Appends a copy of 'domain' to the search domains of 'dns'. */
void
cni_dns_add_search(struct cni_dns *dns, const char *domain)
{
    strv_add(&dns->search, &dns->n_search, domain);
}

/* Appends a copy of 'option' to the resolver options of 'dns'. */
void
cni_dns_add_option(struct cni_dns *dns, const char *option)
{
    strv_add(&dns->options, &dns->n_options, option);
}

/* Returns 'result' in the format of CNI spec 'cni_version' (one of the
 * supported versions; anything else is written as CNI_VERSION_LATEST) as
 * a new JSON object. */
json_t *
cni_result_to_json(const struct cni_result *result, const char *cni_version)
{
    if (!cni_version_is_supported(cni_version)) {
        cni_version = CNI_VERSION_LATEST;
    }
    bool with_ip_version = !cni_version_at_least(cni_version, "1.0.0");
    bool v110 = cni_version_at_least(cni_version, "1.1.0");
    json_t *obj = json_object();

    json_object_set_new(obj, "cniVersion", json_string(cni_version));
    if (result->n_interfaces) {
        json_t *array = json_array();
        for (size_t i = 0; i < result->n_interfaces; i++) {
            json_array_append_new(array,
                                  interface_to_json(&result->interfaces[i],
                                                    v110));
        }
        json_object_set_new(obj, "interfaces", array);
    }
    if (result->n_ips) {
        json_t *array = json_array();
        for (size_t i = 0; i < result->n_ips; i++) {
            json_array_append_new(array, ip_to_json(&result->ips[i],
                                                    with_ip_version));
        }
        json_object_set_new(obj, "ips", array);
    }
    if (result->n_routes) {
        json_t *array = json_array();
        for (size_t i = 0; i < result->n_routes; i++) {
            json_array_append_new(array, route_to_json(&result->routes[i],
                                                       v110));
        }
        json_object_set_new(obj, "routes", array);
    }
    json_object_set_new(obj, "dns", dns_to_json(&result->dns));
    return obj;
}

/* Returns cni_result_to_json()'s object as compact JSON text on one line
 * (no final newline).  The caller frees it. */
char *
cni_result_to_string(const struct cni_result *result, const char *cni_version)
{
    json_t *obj = cni_result_to_json(result, cni_version);
    char *s = json_dumps(obj, JSON_COMPACT);

    json_decref(obj);
    if (!s) {
        /* Only allocation fails for an object we built (strings not in
         * UTF-8 were dropped by json_string()). */
        out_of_memory();
    }
    return s;
}

/* Reads 'json', a result in the format of any supported version (such as
 * the "prevResult" of a network configuration), into 'result', which must
 * be initialized and is replaced.  Addresses must be IP addresses (with a
 * prefix length where the spec says CIDR), interface indexes must refer to
 * listed interfaces; members we do not know are ignored.  'what' names the
 * document in messages ("prevResult").  Returns 0, or DECODING_FAILURE
 * with a message naming the member at fault in 'error' (and 'result'
 * empty). */
int
cni_result_from_json(struct cni_result *result, const json_t *json,
                     const char *what, struct cni_error *error)
{
    struct reader r = { .what = what, .error = error };
    int code;

    cni_result_destroy(result);
    if (!json_is_object(json)) {
        return cni_error_set(error, CNI_ERR_DECODING_FAILURE, NULL,
                             "%s is not a JSON object", what);
    }

    code = read_interfaces(result, json_object_get(json, "interfaces"), &r);
    if (!code) {
        code = read_ips(result, json_object_get(json, "ips"), &r);
    }
    if (!code) {
        code = read_routes(result, json_object_get(json, "routes"), &r);
    }
    if (!code) {
        code = read_dns(&result->dns, json_object_get(json, "dns"), &r);
    }
    if (code) {
        cni_result_destroy(result);
    }
    return code;
}

/* Returns a copy of 's', or NULL if 's' is NULL. */
static char *
dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* Appends a copy of 's' to the '*np' strings in '*strvp'. */
static void
strv_add(char ***strvp, size_t *np, const char *s)
{
    *strvp = xrealloc(*strvp, (*np + 1) * sizeof **strvp);
    (*strvp)[(*np)++] = xstrdup(s);
}

/* Frees the 'n' strings in 'strv' and the array. */
static void
strv_free(char **strv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(strv[i]);
    }
    free(strv);
}

/* Returns the 'n' strings in 'strv' as a new JSON array. */
static json_t *
strv_to_json(char *const *strv, size_t n)
{
    json_t *array = json_array();

    for (size_t i = 0; i < n; i++) {
        json_array_append_new(array, json_string(strv[i]));
    }
    return array;
}

/* Returns 'iface' as a JSON object, with the 1.1.0 members if 'v110'. */
static json_t *
interface_to_json(const struct cni_interface *iface, bool v110)
{
    json_t *obj = json_object();

    json_object_set_new(obj, "name", json_string(iface->name));
    if (iface->mac) {
        json_object_set_new(obj, "mac", json_string(iface->mac));
    }
    if (v110 && iface->mtu > 0) {
        json_object_set_new(obj, "mtu", json_integer(iface->mtu));
    }
    if (iface->sandbox) {
        json_object_set_new(obj, "sandbox", json_string(iface->sandbox));
    }
    if (v110 && iface->socket_path) {
        json_object_set_new(obj, "socketPath",
                            json_string(iface->socket_path));
    }
    if (v110 && iface->pci_id) {
        json_object_set_new(obj, "pciID", json_string(iface->pci_id));
    }
    return obj;
}

/* Returns 'ip' as a JSON object, with a "version" member (the 0.3.x and
 * 0.4.0 formats) if 'with_version'. */
static json_t *
ip_to_json(const struct cni_ip *ip, bool with_version)
{
    json_t *obj = json_object();

    if (with_version) {
        json_object_set_new(obj, "version",
                            json_string(is_ipv6(ip->address) ? "6" : "4"));
    }
    if (ip->interface >= 0) {
        json_object_set_new(obj, "interface", json_integer(ip->interface));
    }
    json_object_set_new(obj, "address", json_string(ip->address));
    if (ip->gateway) {
        json_object_set_new(obj, "gateway", json_string(ip->gateway));
    }
    return obj;
}

/* Returns 'route' as a JSON object, with the 1.1.0 members if 'v110'. */
static json_t *
route_to_json(const struct cni_route *route, bool v110)
{
    json_t *obj = json_object();

    json_object_set_new(obj, "dst", json_string(route->dst));
    if (route->gw) {
        json_object_set_new(obj, "gw", json_string(route->gw));
    }
    if (v110) {
        if (route->mtu > 0) {
            json_object_set_new(obj, "mtu", json_integer(route->mtu));
        }
        if (route->advmss > 0) {
            json_object_set_new(obj, "advmss", json_integer(route->advmss));
        }
        if (route->priority > 0) {
            json_object_set_new(obj, "priority",
                                json_integer(route->priority));
        }
        if (route->table >= 0) {
            json_object_set_new(obj, "table", json_integer(route->table));
        }
        if (route->scope >= 0) {
            json_object_set_new(obj, "scope", json_integer(route->scope));
        }
    }
    return obj;
}

/* Returns 'dns' as a JSON object, {} if it is empty. */
static json_t *
dns_to_json(const struct cni_dns *dns)
{
    json_t *obj = json_object();

    if (dns->n_nameservers) {
        json_object_set_new(obj, "nameservers",
                            strv_to_json(dns->nameservers,
                                         dns->n_nameservers));
    }
    if (dns->domain) {
        json_object_set_new(obj, "domain", json_string(dns->domain));
    }
    if (dns->n_search) {
        json_object_set_new(obj, "search",
                            strv_to_json(dns->search, dns->n_search));
    }
    if (dns->n_options) {
        json_object_set_new(obj, "options",
                            strv_to_json(dns->options, dns->n_options));
    }
    return obj;
}

/* Returns true if 'address' is an IPv6 address (with or without prefix
 * length), false if it is an IPv4 one. */
static bool
is_ipv6(const char *address)
{
    return strchr(address, ':') != NULL;
}

/* Returns true if 's' is an IPv4 or IPv6 address. */
static bool
valid_ip(const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];

    return (inet_pton(AF_INET, s, buf) == 1
            || inet_pton(AF_INET6, s, buf) == 1);
}

/* Returns true if 's' is an IP address with a prefix length in range:
 * "10.0.0.5/24", "fd00::5/64". */
static bool
valid_cidr(const char *s)
{
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || slash - s >= INET6_ADDRSTRLEN) {
        return false;
    }

    char addr[INET6_ADDRSTRLEN];
    memcpy(addr, s, slash - s);
    addr[slash - s] = '\0';
    if (!valid_ip(addr)) {
        return false;
    }

    const char *p = slash + 1;
    int max = is_ipv6(addr) ? 128 : 32;
    int len = 0;
    if (!*p || strlen(p) > 3) {
        return false;
    }
    for (; *p; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        len = len * 10 + (*p - '0');
    }
    return len <= max;
}

/* Reads "interfaces" ('array', NULL if absent) into 'result'. */
static int
read_interfaces(struct cni_result *result, const json_t *array,
                struct reader *r)
{
    if (!array) {
        return 0;
    } else if (!json_is_array(array)) {
        return bad(r, "", "interfaces", "is not an array");
    }

    for (size_t i = 0; i < json_array_size(array); i++) {
        const json_t *obj = json_array_get(array, i);
        char where[64];
        snprintf(where, sizeof where, "interfaces[%zu]", i);
        if (!json_is_object(obj)) {
            return bad(r, where, NULL, "is not an object");
        }

        char *name = NULL;
        int code = read_string(obj, "name", true, &name, r, where);
        if (code) {
            return code;
        }
        struct cni_interface *iface = cni_result_add_interface(result, name,
                                                               NULL, NULL);
        free(name);
        code = read_string(obj, "mac", false, &iface->mac, r, where);
        if (!code) {
            code = read_string(obj, "sandbox", false, &iface->sandbox, r,
                               where);
        }
        if (!code) {
            code = read_int(obj, "mtu", 0, INT_MAX, &iface->mtu, r, where);
        }
        if (!code) {
            code = read_string(obj, "socketPath", false, &iface->socket_path,
                               r, where);
        }
        if (!code) {
            code = read_string(obj, "pciID", false, &iface->pci_id, r,
                               where);
        }
        if (code) {
            return code;
        }
    }
    return 0;
}

/* Reads "ips" ('array', NULL if absent) into 'result', whose interfaces
 * must already be read. */
static int
read_ips(struct cni_result *result, const json_t *array, struct reader *r)
{
    if (!array) {
        return 0;
    } else if (!json_is_array(array)) {
        return bad(r, "", "ips", "is not an array");
    }

    for (size_t i = 0; i < json_array_size(array); i++) {
        const json_t *obj = json_array_get(array, i);
        char where[64];
        snprintf(where, sizeof where, "ips[%zu]", i);
        if (!json_is_object(obj)) {
            return bad(r, where, NULL, "is not an object");
        }

        char *address = NULL;
        char *gateway = NULL;
        char *version = NULL;
        int interface = -1;
        int code = read_string(obj, "address", true, &address, r, where);
        if (!code && !valid_cidr(address)) {
            code = bad_value(r, where, "address", address,
                             "is not an IP address with a prefix length");
        }
        if (!code) {
            code = read_string(obj, "gateway", false, &gateway, r, where);
        }
        if (!code && gateway && !valid_ip(gateway)) {
            code = bad_value(r, where, "gateway", gateway,
                             "is not an IP address");
        }
        if (!code) {
            code = read_string(obj, "version", false, &version, r, where);
        }
        if (!code && version && strcmp(version, "4")
            && strcmp(version, "6")) {
            code = bad(r, where, "version", "must be \"4\" or \"6\"");
        }
        if (!code && json_object_get(obj, "interface")) {
            code = read_int(obj, "interface", 0, INT_MAX, &interface, r,
                            where);
            if (!code && (size_t) interface >= result->n_interfaces) {
                code = bad(r, where, "interface", "%d is not the index of "
                           "one of the %zu interfaces", interface,
                           result->n_interfaces);
            }
        }
        if (!code) {
            cni_result_add_ip(result, address, gateway, interface);
        }
        free(address);
        free(gateway);
        free(version);
        if (code) {
            return code;
        }
    }
    return 0;
}

/* Reads "routes" ('array', NULL if absent) into 'result'. */
static int
read_routes(struct cni_result *result, const json_t *array,
            struct reader *r)
{
    if (!array) {
        return 0;
    } else if (!json_is_array(array)) {
        return bad(r, "", "routes", "is not an array");
    }

    for (size_t i = 0; i < json_array_size(array); i++) {
        const json_t *obj = json_array_get(array, i);
        char where[64];
        snprintf(where, sizeof where, "routes[%zu]", i);
        if (!json_is_object(obj)) {
            return bad(r, where, NULL, "is not an object");
        }

        char *dst = NULL;
        char *gw = NULL;
        int code = read_string(obj, "dst", true, &dst, r, where);
        if (!code && !valid_cidr(dst)) {
            code = bad_value(r, where, "dst", dst,
                             "is not an IP address with a prefix length");
        }
        if (!code) {
            code = read_string(obj, "gw", false, &gw, r, where);
        }
        if (!code && gw && !valid_ip(gw)) {
            code = bad_value(r, where, "gw", gw, "is not an IP address");
        }
        if (code) {
            free(dst);
            free(gw);
            return code;
        }

        struct cni_route *route = cni_result_add_route(result, dst, gw);
        free(dst);
        free(gw);
        code = read_int(obj, "mtu", 0, INT_MAX, &route->mtu, r, where);
        if (!code) {
            code = read_int(obj, "advmss", 0, INT_MAX, &route->advmss, r,
                            where);
        }
        if (!code) {
            code = read_int(obj, "priority", 0, INT_MAX, &route->priority,
                            r, where);
        }
        if (!code) {
            code = read_int(obj, "table", 0, INT_MAX, &route->table, r,
                            where);
        }
        if (!code) {
            code = read_int(obj, "scope", 0, 255, &route->scope, r, where);
        }
        if (code) {
            return code;
        }
    }
    return 0;
}

/* Reads "dns" ('obj', NULL if absent) into 'dns'. */
static int
read_dns(struct cni_dns *dns, const json_t *obj, struct reader *r)
{
    if (!obj) {
        return 0;
    } else if (!json_is_object(obj)) {
        return bad(r, "", "dns", "is not an object");
    }

    int code = read_strv(obj, "nameservers", &dns->nameservers,
                         &dns->n_nameservers, r, "dns");
    if (!code) {
        code = read_string(obj, "domain", false, &dns->domain, r, "dns");
    }
    if (!code) {
        code = read_strv(obj, "search", &dns->search, &dns->n_search, r,
                         "dns");
    }
    if (!code) {
        code = read_strv(obj, "options", &dns->options, &dns->n_options, r,
                         "dns");
    }
    return code;
}

/* Reads string member 'key' of 'obj' (at 'where') into '*valuep' (freeing
 * what it held), or leaves '*valuep' alone if the member is absent or
 * null, which is an error if 'required'. */
static int
read_string(const json_t *obj, const char *key, bool required,
            char **valuep, struct reader *r, const char *where)
{
    const json_t *value = json_object_get(obj, key);

    if (!value || json_is_null(value)) {
        return required ? bad(r, where, key, "is missing") : 0;
    } else if (!json_is_string(value)) {
        return bad(r, where, key, "is not a string");
    }
    free(*valuep);
    *valuep = xstrdup(json_string_value(value));
    return 0;
}

/* Reads optional integer member 'key' of 'obj' (at 'where'), which must be
 * in ['min', 'max'], into '*valuep', or leaves '*valuep' alone if the
 * member is absent. */
static int
read_int(const json_t *obj, const char *key, int min, int max, int *valuep,
         struct reader *r, const char *where)
{
    const json_t *value = json_object_get(obj, key);

    if (!value) {
        return 0;
    } else if (!json_is_integer(value)) {
        return bad(r, where, key, "is not an integer");
    }

    json_int_t n = json_integer_value(value);
    if (n < min || n > max) {
        return bad(r, where, key, "%" JSON_INTEGER_FORMAT " is out of range "
                   "[%d, %d]", n, min, max);
    }
    *valuep = n;
    return 0;
}

/* Reads optional member 'key' of 'obj' (at 'where'), an array of strings,
 * appending them to the '*np' strings in '*strvp'. */
static int
read_strv(const json_t *obj, const char *key, char ***strvp, size_t *np,
          struct reader *r, const char *where)
{
    const json_t *array = json_object_get(obj, key);

    if (!array || json_is_null(array)) {
        return 0;
    } else if (!json_is_array(array)) {
        return bad(r, where, key, "is not an array");
    }
    for (size_t i = 0; i < json_array_size(array); i++) {
        const json_t *s = json_array_get(array, i);
        if (!json_is_string(s)) {
            return bad(r, where, key, "has an element that is not a "
                       "string");
        }
        strv_add(strvp, np, json_string_value(s));
    }
    return 0;
}

/* Sets the reader's error to DECODING_FAILURE: member 'key' (may be NULL)
 * of the part at 'where' ("" for the top) of the document is wrong as the
 * printf-style arguments say.  Returns the code. */
static int
bad(struct reader *r, const char *where, const char *key,
    const char *format, ...)
{
    va_list args;

    va_start(args, format);
    char *why = xvasprintf(format, args);
    va_end(args);

    cni_error_set(r->error, CNI_ERR_DECODING_FAILURE, NULL, "%s%s%s%s%s %s",
                  r->what, where[0] ? "." : "", where,
                  key ? "." : "", key ? key : "", why);
    free(why);
    return CNI_ERR_DECODING_FAILURE;
}

/* Like bad(), for a member whose string 'value' is wrong because 'why',
 * quoting the value. */
static int
bad_value(struct reader *r, const char *where, const char *key,
          const char *value, const char *why)
{
    char *q = cni_quote(value);
    int code = bad(r, where, key, "%s %s", q, why);
    free(q);
    return code;
}
