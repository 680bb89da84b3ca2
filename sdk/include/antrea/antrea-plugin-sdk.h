/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Umbrella header of the plugin SDK: everything a plugin of any kind needs.
 */

#ifndef ANTREA_PLUGIN_SDK_H
#define ANTREA_PLUGIN_SDK_H 1

#include "antrea/plugin.h"
#include "antrea/host-api.h"
#include "antrea/net-types.h"
#include "antrea/net-util.h"
#include "antrea/encap-mode.h"
#include "antrea/tunnel-type.h"
#include "antrea/ipam.h"
#include "antrea/ipsec.h"

#endif /* antrea/antrea-plugin-sdk.h */
