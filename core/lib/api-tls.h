/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The TLS side of the controller's API server: its certificate and key
 * (generated at start-up when selfSignedCert is set, as Antrea does, or
 * read from files) and the GnuTLS priority string that expresses the
 * config's tlsMinVersion and tlsCipherSuites.  libmicrohttpd does the
 * TLS itself, with GnuTLS; this file only prepares what it is given.
 *
 * Every function returns malloc'd strings the caller frees.
 */

#ifndef API_TLS_H
#define API_TLS_H 1

#include <stddef.h>
#include <sys/types.h>

/* Returns the GnuTLS priority string for 'min_version' ("" or one of
 * VersionTLS10, VersionTLS11, VersionTLS12, VersionTLS13) and
 * 'cipher_suites' ("" or a comma-separated list of Go cipher suite names,
 * e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), checked by GnuTLS.  Returns
 * NULL with a malloc'd message naming the bad value in '*errorp'. */
char *api_tls_priorities(const char *min_version, const char *cipher_suites,
                         char **errorp);

/* Generates an RSA key and a self-signed certificate (also a CA, so that
 * clients can trust it directly) valid for one year for the 'n_names'
 * 'names': DNS names, or IPv4/IPv6 address literals, which become IP
 * subject alternative names.  Stores both as PEM in '*cert_pemp' and
 * '*key_pemp'.  Returns 0, or a positive errno value with a malloc'd
 * message in '*errorp'. */
int api_tls_generate(const char *const *names, size_t n_names,
                     char **cert_pemp, char **key_pemp, char **errorp);

/* Reads the PEM certificate 'cert_file' and key 'key_file' and checks that
 * they parse and belong together.  Stores both in '*cert_pemp' and
 * '*key_pemp'.  Returns 0, or a positive errno value with a malloc'd
 * message naming the file in '*errorp'. */
int api_tls_load(const char *cert_file, const char *key_file,
                 char **cert_pemp, char **key_pemp, char **errorp);

/* Writes 'pem' to 'file' (through a temporary file and a rename, mode
 * 0644: a certificate is public).  Returns 0 or a positive errno value
 * with a malloc'd message in '*errorp'. */
int api_tls_write_pem(const char *file, const char *pem, char **errorp);

/* Returns 'text' in standard base64 without line breaks (how Kubernetes
 * shows a []byte field such as a CA bundle), or NULL if out of memory. */
char *api_tls_base64(const char *text);

/* The same with file mode 'mode' (0600 for a key). */
int api_tls_write_file(const char *file, const char *pem, mode_t mode,
                       char **errorp);

/* Adds every address of this host's interfaces (IPv4 and IPv6, except
 * link-local IPv6) to the array '*namesp' of '*n_namesp' malloc'd names
 * (capacity '*allocatedp'), for the self-signed certificate's SANs. */
void api_tls_add_host_addresses(char ***namesp, size_t *n_namesp,
                                size_t *allocatedp);

#endif /* api-tls.h */
