/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The controller's CA, published as Antrea publishes it: the ConfigMap
 * "antrea-ca" in the controller's namespace, key "ca.crt", the PEM that
 * clients of the control-plane API (agents, antctl, operators building an
 * agent kubeconfig) verify the controller's certificate against.  With a
 * self-signed certificate that is the certificate itself.
 *
 * Written through k8s-object-writer.h: created or replaced at start, and
 * again every few minutes, so that a deleted or edited ConfigMap comes
 * back.  Ownership: the publisher borrows the client (which must outlive
 * it) and copies the strings.
 */

#ifndef CA_PUBLISHER_H
#define CA_PUBLISHER_H 1

struct ca_publisher;
struct k8s_client;

#define CA_PUBLISHER_CONFIGMAP "antrea-ca"
#define CA_PUBLISHER_KEY "ca.crt"

struct ca_publisher *ca_publisher_create(struct k8s_client *,
                                         const char *namespace,
                                         const char *ca_pem);
void ca_publisher_destroy(struct ca_publisher *);

#endif /* ca-publisher.h */
