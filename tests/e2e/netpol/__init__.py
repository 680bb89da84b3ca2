# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""The NetworkPolicy conformance suite on the sandbox cluster (see
docs/sandbox.md, "NetworkPolicy conformance")."""
