# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""A minimal protobuf reader: enough to follow controlplane.proto in the
controller's answers, for the tests of tests/controller/ (standard
library only).

    fields = pb_fields(data)        # {field number: [values]}
    first(fields, 2)                # the first value of field 2
    object_name(obj)                # metadata.name of an encoded object
    group_members(group)            # ["namespace/pod", ...] of a group
"""


def pb_fields(data):
    """Answers {field number: [values]} of protobuf message bytes: ints
    for varints, bytes for length-delimited and fixed fields."""
    fields, i = {}, 0
    while i < len(data):
        key, i = _varint(data, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            length, i = _varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire} at {i}")
        fields.setdefault(num, []).append(value)
    return fields


def _varint(data, i):
    """Answers (the varint at data[i], the index after it)."""
    shift = value = 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7f) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def first(fields, num, default=b""):
    """The first value of field 'num' of pb_fields() 'fields'."""
    return fields.get(num, [default])[0]


def object_name(obj):
    """The metadata.name (field 1 of field 1) of an encoded object."""
    return first(pb_fields(first(pb_fields(obj), 1)), 1).decode()


def group_members(group):
    """The Pod references ("namespace/name") of an encoded
    AppliedToGroup or AddressGroup, in their order."""
    out = []
    for member in pb_fields(group).get(2, []):
        pod = pb_fields(first(pb_fields(member), 1))
        out.append(f"{first(pod, 2).decode()}/{first(pod, 1).decode()}")
    return out
