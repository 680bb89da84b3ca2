/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests of the API server's TLS settings (core/lib/api-tls.h):
 * tlsMinVersion and tlsCipherSuites to GnuTLS priorities with clear errors
 * for bad values, and the self-signed certificate and file loading.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api-tls.h"
#include "util.h"

/* Checks that GnuTLS would negotiate only versions allowed by 'prio'. */
static bool
prio_allows(const char *prio, const char *keyword)
{
    return strstr(prio, keyword) != NULL;
}

Test(priorities, defaults_are_tls12_and_up)
{
    char *error;
    char *prio = api_tls_priorities("", "", &error);
    cr_assert_not_null(prio, "%s", error);
    cr_assert(prio_allows(prio, "+VERS-TLS1.2"));
    cr_assert(prio_allows(prio, "+VERS-TLS1.3"));
    cr_assert(!prio_allows(prio, "+VERS-TLS1.1"));
    free(prio);
}

Test(priorities, min_version)
{
    char *error;
    char *prio = api_tls_priorities("VersionTLS13", "", &error);
    cr_assert_not_null(prio, "%s", error);
    cr_assert(prio_allows(prio, "+VERS-TLS1.3"));
    cr_assert(!prio_allows(prio, "+VERS-TLS1.2"));
    free(prio);

    prio = api_tls_priorities("VersionTLS12", "", &error);
    cr_assert_not_null(prio, "%s", error);
    cr_assert(!prio_allows(prio, "+VERS-TLS1.1"));
    free(prio);

    prio = api_tls_priorities("VersionTLS9", "", &error);
    cr_assert_null(prio);
    cr_assert(strstr(error, "tlsMinVersion \"VersionTLS9\""), "%s", error);
    free(error);
}

Test(priorities, cipher_suites)
{
    char *error;
    char *prio = api_tls_priorities(
        "VersionTLS12", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_AES_128_GCM_SHA256",
        &error);
    cr_assert_not_null(prio, "%s", error);
    cr_assert(prio_allows(prio, "-CIPHER-ALL"));
    cr_assert(prio_allows(prio, "+AES-128-GCM"));
    cr_assert(prio_allows(prio, "+AES-256-GCM"));
    cr_assert(prio_allows(prio, "+ECDHE-RSA"));
    cr_assert(!prio_allows(prio, "+AES-128-CBC"));
    /* Each keyword once. */
    const char *first = strstr(prio, "+AES-128-GCM");
    cr_assert_null(strstr(first + 1, "+AES-128-GCM"));
    free(prio);

    prio = api_tls_priorities("", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,"
                              "TLS_NOT_A_SUITE", &error);
    cr_assert_null(prio);
    cr_assert(strstr(error, "unknown or unsupported cipher suite "
                     "\"TLS_NOT_A_SUITE\""), "%s", error);
    free(error);

    prio = api_tls_priorities("", "TLS_RSA_WITH_RC4_128_SHA", &error);
    cr_assert_null(prio);
    cr_assert(strstr(error, "TLS_RSA_WITH_RC4_128_SHA"), "%s", error);
    free(error);
}

/* Writes 'text' to a new temporary file; returns its malloc'd name. */
static char *
write_temp(const char *text)
{
    char *name = xstrdup("/tmp/test-api-tls-XXXXXX");
    int fd = mkstemp(name);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    close(fd);
    return name;
}

Test(certificate, self_signed_round_trip)
{
    const char *names[] = { "antrea", "antrea.kube-system.svc",
                            "127.0.0.1", "::1" };
    char *cert, *key, *error;

    cr_assert_eq(api_tls_generate(names, 4, &cert, &key, &error), 0,
                 "%s", error);
    cr_assert(str_starts_with(cert, "-----BEGIN CERTIFICATE-----"));
    cr_assert(strstr(key, "PRIVATE KEY-----"));

    /* The SANs are there and the certificate is its own CA. */
    gnutls_x509_crt_t crt;
    gnutls_datum_t d = { (unsigned char *) cert, strlen(cert) };
    cr_assert_eq(gnutls_x509_crt_init(&crt), 0);
    cr_assert_eq(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM), 0);
    cr_assert(gnutls_x509_crt_check_hostname(crt, "antrea.kube-system.svc"));
    cr_assert(gnutls_x509_crt_check_hostname(crt, "127.0.0.1"));
    cr_assert(!gnutls_x509_crt_check_hostname(crt, "10.9.9.9"));
    cr_assert(!gnutls_x509_crt_check_hostname(crt, "example.org"));
    unsigned int critical;
    cr_assert_eq(gnutls_x509_crt_get_basic_constraints(crt, &critical, NULL,
                                                       NULL), 1);
    unsigned int verify = 0;
    cr_assert_eq(gnutls_x509_crt_verify(crt, &crt, 1, 0, &verify), 0);
    cr_assert_eq(verify, 0, "self-verification status %u", verify);
    gnutls_x509_crt_deinit(crt);

    /* Files load back. */
    char *cert_file = write_temp(cert);
    char *key_file = write_temp(key);
    char *cert2, *key2;
    cr_assert_eq(api_tls_load(cert_file, key_file, &cert2, &key2, &error), 0,
                 "%s", error);
    cr_assert_str_eq(cert2, cert);
    cr_assert_str_eq(key2, key);
    free(cert2);
    free(key2);

    /* Another key does not fit the certificate. */
    char *other_cert, *other_key;
    cr_assert_eq(api_tls_generate(names, 1, &other_cert, &other_key, &error),
                 0);
    char *other_key_file = write_temp(other_key);
    cr_assert_neq(api_tls_load(cert_file, other_key_file, &cert2, &key2,
                               &error), 0);
    cr_assert(strstr(error, cert_file), "%s", error);
    cr_assert(strstr(error, other_key_file), "%s", error);
    free(error);

    /* A file that is not PEM. */
    char *junk = write_temp("not a certificate\n");
    cr_assert_neq(api_tls_load(junk, key_file, &cert2, &key2, &error), 0);
    cr_assert(strstr(error, junk), "%s", error);
    free(error);

    /* A file that is not there. */
    cr_assert_neq(api_tls_load("/nonexistent/tls.crt", key_file, &cert2,
                               &key2, &error), 0);
    cr_assert(strstr(error, "/nonexistent/tls.crt"), "%s", error);
    cr_assert(strstr(error, "No such file"), "%s", error);
    free(error);

    unlink(cert_file);
    unlink(key_file);
    unlink(other_key_file);
    unlink(junk);
    free(cert_file);
    free(key_file);
    free(other_key_file);
    free(junk);
    free(cert);
    free(key);
    free(other_cert);
    free(other_key);
}

Test(certificate, write_pem)
{
    char *error;
    char dir[] = "/tmp/test-api-tls-dir-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *file = xasprintf("%s/ca.crt", dir);
    cr_assert_eq(api_tls_write_pem(file, "PEM TEXT\n", &error), 0);
    FILE *f = fopen(file, "r");
    char buf[64] = "";
    cr_assert_not_null(fgets(buf, sizeof buf, f));
    fclose(f);
    cr_assert_str_eq(buf, "PEM TEXT\n");
    unlink(file);
    free(file);

    file = xasprintf("%s/missing/ca.crt", dir);
    cr_assert_neq(api_tls_write_pem(file, "x", &error), 0);
    cr_assert(strstr(error, file), "%s", error);
    free(error);
    free(file);
    rmdir(dir);
}
