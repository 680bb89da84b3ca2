/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * antrea-agent: the per-Node daemon.  It reads its YAML, loads the modules
 * the YAML selects, initialises them and runs the event loop that drives
 * them, then builds the datapath (datapath.h: OVS bridge, Pod interfaces,
 * flows, CNI server, peer Nodes) and serves until told to stop.
 */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <openvswitch/version.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent-config.h"
#include "datapath.h"
#include "antrea/plugin.h"
#include "diag.h"
#include "event-loop.h"
#include "log.h"
#include "module-set.h"
#include "plugin-loader.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(agent);

/* Parsed command line. */
struct agent_options {
    const char *config_file;    /* --config, or NULL for all defaults */
    bool check_config;          /* --check-config */
    bool syslog;                /* --syslog */
};

static void
usage(FILE *stream)
{
    fprintf(stream,
            "usage: antrea-agent [OPTIONS]\n"
            "The antrea-c Node agent.\n"
            "\n"
            "  --config FILE        agent YAML (Antrea's keys, pluginDir,\n"
            "                       ipam, modules); without it all defaults\n"
            "  --check-config       load the config and its modules, print\n"
            "                       the resolved module set, and exit\n"
            "  --log-level SPEC     LEVEL or MODULE:LEVEL[,...]; levels err,\n"
            "                       warn, info, dbg (default info)\n"
            "  --syslog             also log to syslog\n"
            "  --version            print versions and exit\n"
            "  --help               print this help and exit\n"
            "\n"
            "Modules are searched in pluginDir (default %s), then in\n"
            "the directories of ANTREA_PLUGIN_PATH (colon-separated).\n",
            ANTREA_PLUGIN_DIR);
}

/* Parses the command line into 'opts'; exits on --help, --version and
 * errors. */
static void
parse_options(int argc, char *argv[], struct agent_options *opts)
{
    enum {
        OPT_CONFIG = 256, OPT_CHECK_CONFIG, OPT_LOG_LEVEL, OPT_SYSLOG,
        OPT_VERSION, OPT_HELP,
    };
    static const struct option long_options[] = {
        { "config", required_argument, NULL, OPT_CONFIG },
        { "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
        { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
        { "syslog", no_argument, NULL, OPT_SYSLOG },
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
                fprintf(stderr, "antrea-agent: --log-level: %s\n", error);
                free(error);
                exit(EXIT_FAILURE);
            }
            break;
        }
        case OPT_SYSLOG:
            opts->syslog = true;
            break;
        case OPT_VERSION:
            printf("antrea-agent (%s) %s\n"
                   "plugin ABI %d.%d\n"
                   "Open vSwitch library %s\n",
                   PACKAGE_NAME, PACKAGE_VERSION, ANTREA_PLUGIN_ABI_MAJOR,
                   ANTREA_PLUGIN_ABI_MINOR, OVS_PACKAGE_VERSION);
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
        fprintf(stderr, "antrea-agent: unexpected argument '%s'\n",
                argv[optind]);
        usage(stderr);
        exit(EXIT_FAILURE);
    }
}

/* Prints every message of 'diag' to stderr, one per line. */
static void
print_diag(const struct diag *diag)
{
    for (size_t i = 0; i < diag->n; i++) {
        fprintf(stderr, "antrea-agent: %s\n", diag->msgs[i]);
    }
}

/* Runs each module's run and wait steps from the event loop. */
static void
modules_run(void *set_)
{
    struct module_set *set = set_;
    for (int slot = 0; slot < N_MODULE_SLOTS; slot++) {
        const struct module *module = module_set_get(set, slot);
        const struct antrea_plugin_lifecycle *lc
            = module ? module->plugin->ops : NULL;
        if (lc && lc->run) {
            lc->run(module->state);
        }
    }
}

static void
modules_wait(void *set_)
{
    struct module_set *set = set_;
    for (int slot = 0; slot < N_MODULE_SLOTS; slot++) {
        const struct module *module = module_set_get(set, slot);
        const struct antrea_plugin_lifecycle *lc
            = module ? module->plugin->ops : NULL;
        if (lc && lc->wait) {
            lc->wait(module->state);
        }
    }
}

int
main(int argc, char *argv[])
{
    struct agent_options opts;
    parse_options(argc, argv, &opts);
    if (opts.syslog) {
        log_open_syslog("antrea-agent");
    }

    struct diag diag = DIAG_INITIALIZER;
    struct agent_config *cfg = (opts.config_file
                                ? agent_config_load(opts.config_file, &diag)
                                : agent_config_parse("(defaults)", "", 0,
                                                     &diag));
    if (!cfg) {
        print_diag(&diag);
        fprintf(stderr, "antrea-agent: %s: configuration is not valid\n",
                opts.config_file ? opts.config_file : "(defaults)");
        diag_destroy(&diag);
        return EXIT_FAILURE;
    }

    struct event_loop *loop = event_loop_create();
    struct module_set modules = { { NULL } };
    struct datapath *datapath = NULL;
    int status = EXIT_FAILURE;
    if (!module_set_load(&modules, cfg, &diag)
        || !module_set_init(&modules, cfg, opts.check_config ? NULL : loop,
                            &diag)) {
        print_diag(&diag);
        fprintf(stderr, "antrea-agent: %s: modules could not be loaded\n",
                cfg->file);
        goto out;
    }

    if (opts.check_config) {
        printf("%s: configuration OK (trafficEncapMode %s)\n", cfg->file,
               cfg->traffic_encap_mode);
        module_set_print(&modules, stdout);
        status = EXIT_SUCCESS;
        goto out;
    }

    /* A peer closing a connection (the controller's TLS stream, a CNI
     * client) must be an EPIPE on that connection, not the agent's end. */
    signal(SIGPIPE, SIG_IGN);

    static const int stop_signals[] = { SIGINT, SIGTERM };
    int error = event_loop_catch_signals(loop, stop_signals,
                                         ARRAY_SIZE(stop_signals));
    if (error) {
        LOG_ERR("cannot catch signals: %s", strerror(error));
        goto out;
    }
    event_loop_add_task(loop, "modules", modules_run, modules_wait,
                        &modules);
    char *dp_error = NULL;
    error = datapath_start(cfg, &modules, loop, &datapath, &dp_error);
    if (error) {
        LOG_ERR("%s", dp_error);
        fprintf(stderr, "antrea-agent: %s\n", dp_error);
        free(dp_error);
        goto out;
    }
    LOG_INFO("started: encap mode %s, %s datapath, bridge %s",
             cfg->traffic_encap_mode, cfg->ovs_datapath_type,
             cfg->ovs_bridge);
    int signo = event_loop_run(loop);
    LOG_INFO("stopping%s%s", signo ? " on signal " : "",
             signo ? strsignal(signo) : "");
    status = EXIT_SUCCESS;

out:
    datapath_stop(datapath);
    module_set_destroy(&modules);
    event_loop_destroy(loop);
    agent_config_destroy(cfg);
    diag_destroy(&diag);
    return status;
}
