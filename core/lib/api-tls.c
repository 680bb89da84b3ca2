/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The API server's certificate, key and TLS priorities (api-tls.h), with
 * GnuTLS, the library libmicrohttpd uses for TLS.
 */

#include <config.h>

#include "api-tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "k8s/k8s-config.h"
#include "util.h"

/* How long a generated certificate is valid. */
#define API_TLS_VALIDITY_SECONDS (365 * 24 * 60 * 60)

/* Bits of a generated RSA key. */
#define API_TLS_RSA_BITS 2048

/* The largest certificate or key file read. */
#define API_TLS_MAX_FILE (1024 * 1024)

/* One TLS cipher suite as Go (and so Antrea's tlsCipherSuites) names it,
 * with the GnuTLS priority keywords that allow it. */
struct api_tls_suite {
    const char *go_name;        /* e.g. "TLS_RSA_WITH_AES_128_GCM_SHA256" */
    const char *kx;             /* GnuTLS key exchange, NULL for TLS 1.3 */
    const char *cipher;         /* GnuTLS cipher */
    const char *mac;            /* GnuTLS MAC ("AEAD" for AEAD ciphers) */
};

/* Every suite Go supports that GnuTLS can express.  Go's RC4 and 3DES
 * suites are not here: GnuTLS's NORMAL set refuses them anyway. */
static const struct api_tls_suite suites[] = {
    { "TLS_RSA_WITH_AES_128_CBC_SHA", "RSA", "AES-128-CBC", "SHA1" },
    { "TLS_RSA_WITH_AES_256_CBC_SHA", "RSA", "AES-256-CBC", "SHA1" },
    { "TLS_RSA_WITH_AES_128_CBC_SHA256", "RSA", "AES-128-CBC", "SHA256" },
    { "TLS_RSA_WITH_AES_128_GCM_SHA256", "RSA", "AES-128-GCM", "AEAD" },
    { "TLS_RSA_WITH_AES_256_GCM_SHA384", "RSA", "AES-256-GCM", "AEAD" },
    { "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA", "AES-128-CBC",
      "SHA1" },
    { "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA", "AES-256-CBC",
      "SHA1" },
    { "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA", "AES-128-CBC",
      "SHA1" },
    { "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA", "AES-256-CBC",
      "SHA1" },
    { "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA",
      "AES-128-CBC", "SHA256" },
    { "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA", "AES-128-CBC",
      "SHA256" },
    { "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA", "AES-128-GCM",
      "AEAD" },
    { "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA",
      "AES-128-GCM", "AEAD" },
    { "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA", "AES-256-GCM",
      "AEAD" },
    { "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA",
      "AES-256-GCM", "AEAD" },
    { "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA",
      "CHACHA20-POLY1305", "AEAD" },
    { "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA",
      "CHACHA20-POLY1305", "AEAD" },
    { "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA",
      "CHACHA20-POLY1305", "AEAD" },
    { "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA",
      "CHACHA20-POLY1305", "AEAD" },
    /* TLS 1.3: the key exchange is not part of the suite. */
    { "TLS_AES_128_GCM_SHA256", NULL, "AES-128-GCM", "AEAD" },
    { "TLS_AES_256_GCM_SHA384", NULL, "AES-256-GCM", "AEAD" },
    { "TLS_CHACHA20_POLY1305_SHA256", NULL, "CHACHA20-POLY1305", "AEAD" },
};

/* Appends ":+KEYWORD" to the priority string '*s' unless it is there. */
static void
add_keyword(char **s, const char *keyword)
{
    char *needle = xasprintf(":+%s:", keyword);
    char *haystack = xasprintf("%s:", *s);
    if (!strstr(haystack, needle)) {
        char *t = xasprintf("%s:+%s", *s, keyword);
        free(*s);
        *s = t;
    }
    free(needle);
    free(haystack);
}

/* Returns the suite Go calls 'name' (of 'length' bytes), or NULL. */
static const struct api_tls_suite *
find_suite(const char *name, size_t length)
{
    for (size_t i = 0; i < ARRAY_SIZE(suites); i++) {
        if (strlen(suites[i].go_name) == length
            && !strncmp(suites[i].go_name, name, length)) {
            return &suites[i];
        }
    }
    return NULL;
}

char *
api_tls_priorities(const char *min_version, const char *cipher_suites,
                   char **errorp)
{
    static const struct {
        const char *name;       /* tlsMinVersion value */
        const char *versions;   /* GnuTLS versions it allows */
    } versions[] = {
        /* Go's own default for servers is TLS 1.2. */
        { "", "+VERS-TLS1.3:+VERS-TLS1.2" },
        { "VersionTLS10", "+VERS-TLS1.3:+VERS-TLS1.2:+VERS-TLS1.1:"
                          "+VERS-TLS1.0" },
        { "VersionTLS11", "+VERS-TLS1.3:+VERS-TLS1.2:+VERS-TLS1.1" },
        { "VersionTLS12", "+VERS-TLS1.3:+VERS-TLS1.2" },
        { "VersionTLS13", "+VERS-TLS1.3" },
    };
    const char *vers = NULL;

    *errorp = NULL;
    min_version = min_version ? min_version : "";
    cipher_suites = cipher_suites ? cipher_suites : "";
    for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
        if (!strcmp(versions[i].name, min_version)) {
            vers = versions[i].versions;
        }
    }
    if (!vers) {
        *errorp = xasprintf("tlsMinVersion \"%s\": not one of VersionTLS10, "
                            "VersionTLS11, VersionTLS12, VersionTLS13",
                            min_version);
        return NULL;
    }

    char *prio = xasprintf("NORMAL:-VERS-ALL:%s", vers);
    if (cipher_suites[0]) {
        char *restricted = xstrdup("-CIPHER-ALL:-MAC-ALL:-KX-ALL");
        const char *p = cipher_suites;
        while (*p) {
            size_t length = strcspn(p, ",");
            const char *name = p;
            size_t name_length = length;
            while (name_length && (*name == ' ' || *name == '\t')) {
                name++;
                name_length--;
            }
            while (name_length && (name[name_length - 1] == ' '
                                   || name[name_length - 1] == '\t')) {
                name_length--;
            }
            const struct api_tls_suite *suite = find_suite(name,
                                                           name_length);
            if (!suite) {
                *errorp = xasprintf("tlsCipherSuites \"%s\": unknown or "
                                    "unsupported cipher suite \"%.*s\"",
                                    cipher_suites, (int) name_length, name);
                free(restricted);
                free(prio);
                return NULL;
            }
            if (suite->kx) {
                add_keyword(&restricted, suite->kx);
            }
            add_keyword(&restricted, suite->cipher);
            add_keyword(&restricted, suite->mac);
            p += length;
            if (*p == ',') {
                p++;
            }
        }
        /* TLS 1.3 needs a key exchange group and chooses by it. */
        if (!strstr(restricted, ":+ECDHE-") && !strstr(restricted, ":+RSA")) {
            add_keyword(&restricted, "ECDHE-RSA");
        }
        char *t = xasprintf("%s:%s", prio, restricted);
        free(prio);
        free(restricted);
        prio = t;
    }

    gnutls_priority_t priority;
    const char *err_pos = NULL;
    int error = gnutls_priority_init(&priority, prio, &err_pos);
    if (error != GNUTLS_E_SUCCESS) {
        *errorp = xasprintf("TLS settings (tlsMinVersion \"%s\", "
                            "tlsCipherSuites \"%s\") give the GnuTLS "
                            "priority \"%s\", which GnuTLS rejects at "
                            "\"%s\": %s", min_version, cipher_suites, prio,
                            err_pos ? err_pos : "", gnutls_strerror(error));
        free(prio);
        return NULL;
    }
    gnutls_priority_deinit(priority);
    return prio;
}

/* Returns a malloc'd message "what: GnuTLS's text for 'error'". */
static char *
gnutls_error(const char *what, int error)
{
    return xasprintf("%s: %s", what, gnutls_strerror(error));
}

/* Exports the datum 'd' (which this frees) as a malloc'd string. */
static char *
datum_to_string(gnutls_datum_t *d)
{
    char *s = xmemdup0((const char *) d->data, d->size);
    gnutls_free(d->data);
    d->data = NULL;
    return s;
}

int
api_tls_generate(const char *const *names, size_t n_names,
                 char **cert_pemp, char **key_pemp, char **errorp)
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    unsigned char serial[16];
    unsigned char key_id[64];
    size_t key_id_size = sizeof key_id;
    gnutls_datum_t d = { NULL, 0 };
    char *error = NULL;
    int ret;

    *cert_pemp = *key_pemp = NULL;
    *errorp = NULL;

#define CHECK(CALL, WHAT)                               \
    do {                                                \
        ret = (CALL);                                   \
        if (ret < 0) {                                  \
            error = gnutls_error(WHAT, ret);            \
            goto out;                                   \
        }                                               \
    } while (0)

    CHECK(gnutls_x509_privkey_init(&key), "creating a key");
    CHECK(gnutls_x509_privkey_generate(key, GNUTLS_PK_RSA, API_TLS_RSA_BITS,
                                       0), "generating an RSA key");
    CHECK(gnutls_x509_crt_init(&crt), "creating a certificate");
    CHECK(gnutls_x509_crt_set_version(crt, 3), "certificate version");
    CHECK(gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial),
          "random serial number");
    serial[0] &= 0x7f;          /* a positive number */
    CHECK(gnutls_x509_crt_set_serial(crt, serial, sizeof serial),
          "certificate serial number");
    time_t now = time(NULL);
    CHECK(gnutls_x509_crt_set_activation_time(crt, now - 60),
          "certificate activation time");
    CHECK(gnutls_x509_crt_set_expiration_time(crt,
                                              now + API_TLS_VALIDITY_SECONDS),
          "certificate expiration time");
    const char *cn = n_names ? names[0] : "antrea-controller";
    CHECK(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                        cn, strlen(cn)),
          "certificate common name");
    CHECK(gnutls_x509_crt_set_key(crt, key), "certificate key");
    CHECK(gnutls_x509_crt_set_basic_constraints(crt, 1, -1),
          "certificate basic constraints");
    CHECK(gnutls_x509_crt_set_key_usage(crt, (GNUTLS_KEY_DIGITAL_SIGNATURE
                                              | GNUTLS_KEY_KEY_ENCIPHERMENT
                                              | GNUTLS_KEY_KEY_CERT_SIGN)),
          "certificate key usage");
    CHECK(gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER,
                                              0),
          "certificate key purpose");
    CHECK(gnutls_x509_crt_get_key_id(crt, 0, key_id, &key_id_size),
          "certificate key id");
    CHECK(gnutls_x509_crt_set_subject_key_id(crt, key_id, key_id_size),
          "certificate subject key id");
    for (size_t i = 0; i < n_names; i++) {
        struct in6_addr in6;
        struct in_addr in4;
        if (inet_pton(AF_INET, names[i], &in4) == 1) {
            CHECK(gnutls_x509_crt_set_subject_alt_name(
                      crt, GNUTLS_SAN_IPADDRESS, &in4, sizeof in4,
                      GNUTLS_FSAN_APPEND), "certificate IP address");
        } else if (inet_pton(AF_INET6, names[i], &in6) == 1) {
            CHECK(gnutls_x509_crt_set_subject_alt_name(
                      crt, GNUTLS_SAN_IPADDRESS, &in6, sizeof in6,
                      GNUTLS_FSAN_APPEND), "certificate IP address");
        } else {
            CHECK(gnutls_x509_crt_set_subject_alt_name(
                      crt, GNUTLS_SAN_DNSNAME, names[i], strlen(names[i]),
                      GNUTLS_FSAN_APPEND), "certificate DNS name");
        }
    }
    CHECK(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0),
          "signing the certificate");
    CHECK(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d),
          "exporting the certificate");
    *cert_pemp = datum_to_string(&d);
    CHECK(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d),
          "exporting the key");
    *key_pemp = datum_to_string(&d);
#undef CHECK

out:
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
    if (error) {
        free(*cert_pemp);
        free(*key_pemp);
        *cert_pemp = *key_pemp = NULL;
        *errorp = xasprintf("self-signed certificate: %s", error);
        free(error);
        return EINVAL;
    }
    return 0;
}

int
api_tls_load(const char *cert_file, const char *key_file,
             char **cert_pemp, char **key_pemp, char **errorp)
{
    char *cert = NULL, *key = NULL;
    size_t cert_size, key_size;
    int error;

    *cert_pemp = *key_pemp = NULL;
    *errorp = NULL;
    error = k8s_config_read_file(cert_file, API_TLS_MAX_FILE, &cert,
                                 &cert_size);
    if (error) {
        *errorp = xasprintf("TLS certificate %s: %s", cert_file,
                            strerror(error));
        return error;
    }
    error = k8s_config_read_file(key_file, API_TLS_MAX_FILE, &key,
                                 &key_size);
    if (error) {
        *errorp = xasprintf("TLS key %s: %s", key_file, strerror(error));
        free(cert);
        return error;
    }

    gnutls_certificate_credentials_t creds;
    gnutls_datum_t c = { (unsigned char *) cert, cert_size };
    gnutls_datum_t k = { (unsigned char *) key, key_size };
    int ret = gnutls_certificate_allocate_credentials(&creds);
    if (ret >= 0) {
        ret = gnutls_certificate_set_x509_key_mem(creds, &c, &k,
                                                  GNUTLS_X509_FMT_PEM);
        gnutls_certificate_free_credentials(creds);
    }
    if (ret < 0) {
        *errorp = xasprintf("TLS certificate %s with key %s: %s", cert_file,
                            key_file, gnutls_strerror(ret));
        free(cert);
        free(key);
        return EINVAL;
    }
    *cert_pemp = xmemdup0(cert, cert_size);
    *key_pemp = xmemdup0(key, key_size);
    free(cert);
    memset(key, 0, key_size);
    free(key);
    return 0;
}

int
api_tls_write_pem(const char *file, const char *pem, char **errorp)
{
    return api_tls_write_file(file, pem, 0644, errorp);
}

int
api_tls_write_file(const char *file, const char *pem, mode_t mode,
                   char **errorp)
{
    char *tmp = xasprintf("%s.tmp", file);
    size_t size = strlen(pem);
    int error = 0;

    *errorp = NULL;
    FILE *stream = fopen(tmp, "w");
    if (!stream) {
        error = errno;
    } else {
        if (fwrite(pem, 1, size, stream) != size) {
            error = errno ? errno : EIO;
        }
        if (fclose(stream) && !error) {
            error = errno;
        }
        if (!error && chmod(tmp, mode)) {
            error = errno;
        }
        if (!error && rename(tmp, file)) {
            error = errno;
        }
        if (error) {
            unlink(tmp);
        }
    }
    if (error) {
        *errorp = xasprintf("writing %s: %s", file, strerror(error));
    }
    free(tmp);
    return error;
}

void
api_tls_add_host_addresses(char ***namesp, size_t *n_namesp,
                           size_t *allocatedp)
{
    struct ifaddrs *ifas;

    if (getifaddrs(&ifas)) {
        return;
    }
    for (struct ifaddrs *ifa = ifas; ifa; ifa = ifa->ifa_next) {
        char text[INET6_ADDRSTRLEN];
        const void *addr;

        if (!ifa->ifa_addr) {
            continue;
        } else if (ifa->ifa_addr->sa_family == AF_INET) {
            const struct sockaddr_in *sin = (const void *) ifa->ifa_addr;
            addr = &sin->sin_addr;
        } else if (ifa->ifa_addr->sa_family == AF_INET6) {
            const struct sockaddr_in6 *sin6 = (const void *) ifa->ifa_addr;
            if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr)) {
                continue;
            }
            addr = &sin6->sin6_addr;
        } else {
            continue;
        }
        if (!inet_ntop(ifa->ifa_addr->sa_family, addr, text, sizeof text)) {
            continue;
        }
        bool dup = false;
        for (size_t i = 0; i < *n_namesp; i++) {
            if (!strcmp((*namesp)[i], text)) {
                dup = true;
            }
        }
        if (!dup) {
            if (*n_namesp >= *allocatedp) {
                *namesp = x2nrealloc(*namesp, allocatedp, sizeof **namesp);
            }
            (*namesp)[(*n_namesp)++] = xstrdup(text);
        }
    }
    freeifaddrs(ifas);
}

char *
api_tls_base64(const char *text)
{
    const gnutls_datum_t in = {
        .data = (unsigned char *) CONST_CAST(char *, text),
        .size = strlen(text),
    };
    gnutls_datum_t out = { NULL, 0 };
    if (gnutls_base64_encode2(&in, &out) < 0) {
        return NULL;
    }
    char *b64 = xmemdup0((const char *) out.data, out.size);
    gnutls_free(out.data);
    return b64;
}
