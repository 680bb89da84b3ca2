/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A shared object that is not a plugin: it exports a symbol, but not the
 * descriptor.  The loader must refuse it by name rather than crash.
 */

#include <config.h>

int antrea_plugin_other(void);

int
antrea_plugin_other(void)
{
    return 42;
}
