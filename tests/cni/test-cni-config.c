/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for core/lib/cni-config.c: the network configuration a
 * runtime passes on stdin.  A full configuration is read member by
 * member; each kind of bad input gets its CNI error code (6 for text that
 * is not JSON or a member of the wrong type, 1 for an unknown cniVersion,
 * 7 for a missing or out-of-range member) and a message naming the
 * member; each command's extra requirements (CHECK, STATUS, GC) hold.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cni-config.h"
#include "cni-error.h"
#include "cni-result.h"

TestSuite(cni_config, .timeout = 30);

/* Parses 'text' into 'conf' (initialized here); returns the code and the
 * message in '*msg' (freed by the caller, NULL on success). */
static int
parse(const char *text, struct cni_net_conf *conf, char **msg)
{
    struct cni_error error = CNI_ERROR_INITIALIZER;

    cni_net_conf_init(conf);
    int code = cni_net_conf_parse(conf, text, strlen(text), &error);
    cr_assert_eq(code, error.code);
    *msg = error.msg ? strdup(error.msg) : NULL;
    cni_error_destroy(&error);
    return code;
}

/* Asserts that 'text' is refused with 'code' and a message containing
 * 'message'. */
static void
expect_bad(const char *text, int code, const char *message)
{
    struct cni_net_conf conf;
    char *msg;

    cr_assert_eq(parse(text, &conf, &msg), code, "%s: got %s", text,
                 msg ? msg : "success");
    cr_assert(strstr(msg, message), "%s: message \"%s\" lacks \"%s\"", text,
              msg, message);
    cr_assert_null(conf.json, "a failed parse leaves nothing behind");
    free(msg);
}

Test(cni_config, full)
{
    const char *text =
        "{\"cniVersion\":\"0.4.0\",\"name\":\"antrea\",\"type\":\"antrea\","
        "\"mtu\":1450,\"ipam\":{\"type\":\"host-local\","
        "\"subnet\":\"10.10.1.0/24\"},"
        "\"runtimeConfig\":{\"portMappings\":[]},"
        "\"cniSocket\":\"/run/antrea/cni.sock\","
        "\"prevResult\":{\"cniVersion\":\"0.4.0\",\"interfaces\":["
        "{\"name\":\"eth0\",\"sandbox\":\"/var/run/netns/x\"}],"
        "\"ips\":[{\"version\":\"4\",\"address\":\"10.10.1.5/24\","
        "\"interface\":0}]},"
        "\"custom\":{\"kept\":true}}";
    struct cni_net_conf conf;
    char *msg;

    cr_assert_eq(parse(text, &conf, &msg), 0, "%s", msg);
    cr_assert_str_eq(conf.cni_version, "0.4.0");
    cr_assert_str_eq(conf.name, "antrea");
    cr_assert_str_eq(conf.type, "antrea");
    cr_assert_eq(conf.mtu, 1450);
    cr_assert_not_null(conf.ipam);
    cr_assert_str_eq(conf.ipam_type, "host-local");
    cr_assert_not_null(conf.runtime_config);
    cr_assert_str_eq(conf.cni_socket, "/run/antrea/cni.sock");
    cr_assert_not_null(conf.prev_result);
    cr_assert_eq(conf.prev_result->n_ips, 1);
    cr_assert_str_eq(conf.prev_result->ips[0].address, "10.10.1.5/24");
    cr_assert(json_is_true(json_object_get(
        json_object_get(conf.json, "custom"), "kept")));
    cr_assert_not(conf.has_valid_attachments);
    cni_net_conf_destroy(&conf);
}

Test(cni_config, minimal)
{
    struct cni_net_conf conf;
    char *msg;

    cr_assert_eq(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\","
                       "\"type\":\"antrea\"}", &conf, &msg), 0, "%s", msg);
    cr_assert_eq(conf.mtu, 0);
    cr_assert_null(conf.ipam);
    cr_assert_null(conf.ipam_type);
    cr_assert_null(conf.prev_result);
    cr_assert_null(conf.cni_socket);
    cni_net_conf_destroy(&conf);
}

Test(cni_config, not_json)
{
    expect_bad("", CNI_ERR_DECODING_FAILURE,
               "the network configuration is empty");
    expect_bad(" \n\t", CNI_ERR_DECODING_FAILURE,
               "the network configuration is empty");
    expect_bad("{\"cniVersion\":\"1.0.0\",", CNI_ERR_DECODING_FAILURE,
               "the network configuration is not valid JSON: ");
    expect_bad("{\"cniVersion\":\"1.0.0\",\n\"name\":}",
               CNI_ERR_DECODING_FAILURE, "at line 2, column");
    expect_bad("[\"cniVersion\"]", CNI_ERR_DECODING_FAILURE,
               "the network configuration is not a JSON object");
}

Test(cni_config, version)
{
    expect_bad("{\"name\":\"n\",\"type\":\"antrea\"}",
               CNI_ERR_INCOMPATIBLE_CNI_VERSION,
               "the network configuration has no \"cniVersion\"");
    expect_bad("{\"cniVersion\":\"0.2.0\",\"name\":\"n\",\"type\":\"t\"}",
               CNI_ERR_INCOMPATIBLE_CNI_VERSION,
               "unsupported cniVersion \"0.2.0\": antrea-cni supports "
               "0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0");
    expect_bad("{\"cniVersion\":\"7.7.7\"}", CNI_ERR_INCOMPATIBLE_CNI_VERSION,
               "unsupported cniVersion \"7.7.7\"");
    expect_bad("{\"cniVersion\":1.0}", CNI_ERR_DECODING_FAILURE,
               "\"cniVersion\" is not a string");
}

Test(cni_config, members)
{
    expect_bad("{\"cniVersion\":\"1.0.0\",\"type\":\"antrea\"}",
               CNI_ERR_INVALID_NETWORK_CONFIG,
               "the network configuration has no \"name\"");
    expect_bad("{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}",
               CNI_ERR_INVALID_NETWORK_CONFIG,
               "the network configuration has no \"type\"");
    expect_bad("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":[]}",
               CNI_ERR_DECODING_FAILURE, "\"type\" is not a string");
    expect_bad("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
               "\"mtu\":\"1500\"}", CNI_ERR_DECODING_FAILURE,
               "\"mtu\" is not an integer");
    expect_bad("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
               "\"mtu\":20}", CNI_ERR_INVALID_NETWORK_CONFIG,
               "\"mtu\" 20 is out of range [68, 65535]");
    expect_bad("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
               "\"ipam\":\"host-local\"}", CNI_ERR_DECODING_FAILURE,
               "\"ipam\" is not a JSON object");
    expect_bad("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
               "\"ipam\":{\"type\":5}}", CNI_ERR_DECODING_FAILURE,
               "\"ipam\" has a \"type\" that is not a string");
    expect_bad("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
               "\"runtimeConfig\":[]}", CNI_ERR_DECODING_FAILURE,
               "\"runtimeConfig\" is not a JSON object");
    expect_bad("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
               "\"prevResult\":{\"ips\":[{\"address\":\"bad\"}]}}",
               CNI_ERR_DECODING_FAILURE,
               "prevResult.ips[0].address \"bad\" is not an IP address");
    expect_bad("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
               "\"cniSocket\":\"cni.sock\"}", CNI_ERR_INVALID_NETWORK_CONFIG,
               "\"cniSocket\" \"cni.sock\" is not an absolute path");
}

Test(cni_config, gc_attachments)
{
    struct cni_net_conf conf;
    char *msg;

    cr_assert_eq(parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\","
                       "\"type\":\"antrea\",\"cni.dev/valid-attachments\":["
                       "{\"containerID\":\"c1\",\"ifname\":\"eth0\"},"
                       "{\"containerID\":\"c2\"}]}", &conf, &msg), 0, "%s",
                 msg);
    cr_assert(conf.has_valid_attachments);
    cr_assert_eq(conf.n_valid_attachments, 2);
    cr_assert_str_eq(conf.valid_attachments[0].container_id, "c1");
    cr_assert_str_eq(conf.valid_attachments[0].ifname, "eth0");
    cr_assert_null(conf.valid_attachments[1].ifname);
    cni_net_conf_destroy(&conf);

    /* The spec's first name for the key, and an empty list. */
    cr_assert_eq(parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\","
                       "\"type\":\"antrea\",\"cni.dev/attachments\":[]}",
                       &conf, &msg), 0, "%s", msg);
    cr_assert(conf.has_valid_attachments);
    cr_assert_eq(conf.n_valid_attachments, 0);
    cni_net_conf_destroy(&conf);

    expect_bad("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"t\","
               "\"cni.dev/valid-attachments\":[{\"ifname\":\"eth0\"}]}",
               CNI_ERR_DECODING_FAILURE,
               "\"cni.dev/valid-attachments\"[0] is not an object");
    expect_bad("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"t\","
               "\"cni.dev/valid-attachments\":{}}",
               CNI_ERR_DECODING_FAILURE, "is not an array");
}

/* Asserts what cni_net_conf_check_command() says about 'command' for
 * configuration 'text': 0, or 'code' with 'message'. */
static void
expect_command(const char *text, enum cni_command command, int code,
               const char *message)
{
    struct cni_net_conf conf;
    struct cni_error error = CNI_ERROR_INITIALIZER;
    char *msg;

    cr_assert_eq(parse(text, &conf, &msg), 0, "%s", msg);
    cr_assert_eq(cni_net_conf_check_command(&conf, command, &error), code,
                 "%s %s: %s", cni_command_name(command), text,
                 error.msg ? error.msg : "accepted");
    if (code) {
        cr_assert(strstr(error.msg, message), "\"%s\" lacks \"%s\"",
                  error.msg, message);
    }
    cni_error_destroy(&error);
    cni_net_conf_destroy(&conf);
}

Test(cni_config, commands)
{
    const char *v031 = "{\"cniVersion\":\"0.3.1\",\"name\":\"n\","
                       "\"type\":\"t\"}";
    const char *v040_prev = "{\"cniVersion\":\"0.4.0\",\"name\":\"n\","
                            "\"type\":\"t\",\"prevResult\":{}}";
    const char *v100 = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\","
                       "\"type\":\"t\"}";
    const char *v110 = "{\"cniVersion\":\"1.1.0\",\"name\":\"n\","
                       "\"type\":\"t\"}";
    const char *v110_gc = "{\"cniVersion\":\"1.1.0\",\"name\":\"n\","
                          "\"type\":\"t\","
                          "\"cni.dev/valid-attachments\":[]}";

    expect_command(v031, CNI_CMD_ADD, 0, NULL);
    expect_command(v031, CNI_CMD_DEL, 0, NULL);
    expect_command(v031, CNI_CMD_CHECK, CNI_ERR_INCOMPATIBLE_CNI_VERSION,
                   "CHECK needs cniVersion 0.4.0 or newer, but the network "
                   "configuration has 0.3.1");
    expect_command(v100, CNI_CMD_CHECK, CNI_ERR_INVALID_NETWORK_CONFIG,
                   "CHECK needs the result of the previous ADD");
    expect_command(v040_prev, CNI_CMD_CHECK, 0, NULL);
    expect_command(v100, CNI_CMD_STATUS, CNI_ERR_INCOMPATIBLE_CNI_VERSION,
                   "STATUS needs cniVersion 1.1.0 or newer");
    expect_command(v110, CNI_CMD_STATUS, 0, NULL);
    expect_command(v100, CNI_CMD_GC, CNI_ERR_INCOMPATIBLE_CNI_VERSION,
                   "GC needs cniVersion 1.1.0 or newer");
    expect_command(v110, CNI_CMD_GC, CNI_ERR_INVALID_NETWORK_CONFIG,
                   "GC needs the list of valid attachments");
    expect_command(v110_gc, CNI_CMD_GC, 0, NULL);
}

Test(cni_config, peek_version)
{
    const char *good = "{\"cniVersion\":\"0.3.1\",\"mtu\":\"bad\"}";
    char *v = cni_net_conf_peek_version(good, strlen(good));
    cr_assert_str_eq(v, "0.3.1");
    free(v);

    cr_assert_null(cni_net_conf_peek_version("{", 1));
    cr_assert_null(cni_net_conf_peek_version("{\"cniVersion\":\"9.0.0\"}",
                                             22));
    cr_assert_null(cni_net_conf_peek_version("[]", 2));
}
