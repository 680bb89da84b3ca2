/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * antrea-controller: the cluster's NetworkPolicy computer.  Today it reads
 * and checks its YAML; watching the Kubernetes API, computing policies and
 * serving them to agents come with the NetworkPolicy work (issue 5).
 */

#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller-config.h"
#include "diag.h"
#include "log.h"

/* Parsed command line. */
struct controller_options {
    const char *config_file;    /* --config, or NULL for all defaults */
    bool check_config;          /* --check-config */
};

static void
usage(FILE *stream)
{
    fprintf(stream,
            "usage: antrea-controller [OPTIONS]\n"
            "The antrea-c NetworkPolicy controller.\n"
            "\n"
            "  --config FILE        controller YAML; without it all defaults\n"
            "  --check-config       check the config, print it, and exit\n"
            "  --log-level SPEC     LEVEL or MODULE:LEVEL[,...]\n"
            "  --version            print the version and exit\n"
            "  --help               print this help and exit\n");
}

static void
parse_options(int argc, char *argv[], struct controller_options *opts)
{
    enum {
        OPT_CONFIG = 256, OPT_CHECK_CONFIG, OPT_LOG_LEVEL, OPT_VERSION,
        OPT_HELP,
    };
    static const struct option long_options[] = {
        { "config", required_argument, NULL, OPT_CONFIG },
        { "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
        { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
        { "version", no_argument, NULL, OPT_VERSION },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 },
    };

    memset(opts, 0, sizeof *opts);
    for (;;) {
        int c = getopt_long(argc, argv, "", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_CONFIG:
            opts->config_file = optarg;
            break;
        case OPT_CHECK_CONFIG:
            opts->check_config = true;
            break;
        case OPT_LOG_LEVEL: {
            char *error = NULL;
            if (log_set_levels(optarg, &error)) {
                fprintf(stderr, "antrea-controller: --log-level: %s\n",
                        error);
                free(error);
                exit(EXIT_FAILURE);
            }
            break;
        }
        case OPT_VERSION:
            printf("antrea-controller (%s) %s\n", PACKAGE_NAME,
                   PACKAGE_VERSION);
            exit(EXIT_SUCCESS);
        case OPT_HELP:
            usage(stdout);
            exit(EXIT_SUCCESS);
        default:
            usage(stderr);
            exit(EXIT_FAILURE);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "antrea-controller: unexpected argument '%s'\n",
                argv[optind]);
        exit(EXIT_FAILURE);
    }
}

int
main(int argc, char *argv[])
{
    struct controller_options opts;
    parse_options(argc, argv, &opts);

    struct diag diag = DIAG_INITIALIZER;
    struct controller_config *cfg
        = (opts.config_file
           ? controller_config_load(opts.config_file, &diag)
           : controller_config_parse("(defaults)", "", 0, &diag));
    if (!cfg) {
        for (size_t i = 0; i < diag.n; i++) {
            fprintf(stderr, "antrea-controller: %s\n", diag.msgs[i]);
        }
        fprintf(stderr, "antrea-controller: %s: configuration is not "
                "valid\n", opts.config_file ? opts.config_file
                                            : "(defaults)");
        diag_destroy(&diag);
        return EXIT_FAILURE;
    }

    int status = EXIT_SUCCESS;
    if (opts.check_config) {
        printf("%s: configuration OK\n"
               "apiPort: %d\n"
               "selfSignedCert: %s\n"
               "enablePrometheusMetrics: %s\n",
               cfg->file, cfg->api_port,
               cfg->self_signed_cert ? "true" : "false",
               cfg->enable_prometheus_metrics ? "true" : "false");
    } else {
        /* Refuse rather than pretend: nothing would be served. */
        fprintf(stderr, "antrea-controller: serving NetworkPolicies is not "
                "implemented yet; only --check-config works\n");
        status = EXIT_FAILURE;
    }

    controller_config_destroy(cfg);
    diag_destroy(&diag);
    return status;
}
