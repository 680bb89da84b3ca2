#!/bin/sh
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
# Generates configure and Makefile.in from a git checkout.
set -e
cd "$(dirname "$0")"
mkdir -p build-aux/m4
autoreconf --install --force --warnings=all
