# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""A strict reader of the Prometheus text exposition format 0.0.4, for
the tests that scrape antrea-agent and antrea-controller
(tests/agent/test-agent-metrics.py, tests/controller/test-controller-
metrics.py, tests/e2e/test_metrics.py).  Standard library only.

parse(text) answers {family: Family} or raises ValueError naming the line
and what is wrong: a sample before its family's TYPE, a bad name, label or
value, a histogram whose buckets are not cumulative or do not end with
le="+Inf" equal to _count.  documented(prefix) answers what
docs/metrics.md lists, missing(families, docs) what of it a scrape lacks.
"""

import math
import pathlib
import re

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
SAMPLE = re.compile(rf"^({NAME})(?:\{{(.*)\}})? (\S+)$")
LABEL_PAIR = re.compile(rf'({LABEL})="((?:[^"\\]|\\[\\"n])*)"(,|$)')
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
# The metrics' documentation, in the source tree this file is in.
METRICS_MD = pathlib.Path(__file__).resolve().parents[2] / "docs" / \
    "metrics.md"


def documented(prefix):
    """{name: type} of the metrics docs/metrics.md lists with 'prefix'
    (its table rows: | `name` | type | labels | meaning |)."""
    text = METRICS_MD.read_text()
    return dict(re.findall(rf"^\| `({prefix}[a-z0-9_]+)` \| (\w+) \|", text,
                           re.M))


def missing(families, docs):
    """{name: type} of the metrics of 'docs' (documented()) that
    'families' (parse()) lacks or has with another type."""
    return {n: t for n, t in docs.items()
            if n not in families or families[n].type != t}


class Family:
    """One metric family: its type, help and samples, each a tuple
    (sample name, {label: value}, float)."""

    def __init__(self, name, type_):
        self.name = name
        self.type = type_
        self.help = None
        self.samples = []

    def value(self, suffix="", **labels):
        """The value of sample NAME+suffix with exactly 'labels' (le
        included for buckets), or None."""
        for name, lab, value in self.samples:
            if name == self.name + suffix and lab == labels:
                return value
        return None

    def series(self, suffix=""):
        """[(labels, value)] of samples NAME+suffix."""
        return [(lab, v) for n, lab, v in self.samples
                if n == self.name + suffix]


def _unescape(s):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n"
                  else m.group(1), s)


def _labels(text, where):
    labels = {}
    pos = 0
    while pos < len(text):
        m = LABEL_PAIR.match(text, pos)
        if not m:
            raise ValueError(f"{where}: bad label set {{{text}}}")
        if m.group(1) in labels:
            raise ValueError(f"{where}: label {m.group(1)} twice")
        labels[m.group(1)] = _unescape(m.group(2))
        pos = m.end()
    return labels


def _value(text, where):
    if text in ("+Inf", "-Inf", "NaN"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{where}: bad value {text!r}") from None


def _family_of(families, sample):
    if sample in families:
        return families[sample]
    for suffix in ("_bucket", "_sum", "_count"):
        base = sample[:-len(suffix)]
        if sample.endswith(suffix) and families.get(base) \
           and families[base].type == "histogram":
            return families[base]
    return None


def _check_histogram(f):
    """Buckets cumulative, +Inf last and equal to _count, per series."""
    groups = {}
    for name, lab, value in f.samples:
        key = tuple(sorted((k, v) for k, v in lab.items() if k != "le"))
        g = groups.setdefault(key, {"buckets": [], "sum": None,
                                    "count": None})
        if name.endswith("_bucket"):
            if "le" not in lab:
                raise ValueError(f"{f.name}: a bucket without le")
            g["buckets"].append((_value(lab["le"], f.name), value))
        elif name.endswith("_sum"):
            g["sum"] = value
        elif name.endswith("_count"):
            g["count"] = value
        else:
            raise ValueError(f"{f.name}: sample {name} in a histogram")
    for key, g in groups.items():
        b = g["buckets"]
        if not b or not math.isinf(b[-1][0]):
            raise ValueError(f"{f.name}{dict(key)}: no le=\"+Inf\" last")
        if any(b[i][0] >= b[i + 1][0] or b[i][1] > b[i + 1][1]
               for i in range(len(b) - 1)):
            raise ValueError(f"{f.name}{dict(key)}: buckets not increasing"
                             f" or not cumulative: {b}")
        if g["count"] is None or g["sum"] is None \
           or g["count"] != b[-1][1]:
            raise ValueError(f"{f.name}{dict(key)}: _count {g['count']} "
                             f"is not the +Inf bucket {b[-1][1]} (or no "
                             "_sum)")


def parse(text):
    """See the module's comment."""
    families = {}
    if text and not text.endswith("\n"):
        raise ValueError("the text does not end with a newline")
    for number, line in enumerate(text.splitlines(), 1):
        where = f"line {number} {line!r}"
        if not line:
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] == "TYPE":
                if len(parts) != 4 or parts[3] not in TYPES \
                   or not re.fullmatch(NAME, parts[2]):
                    raise ValueError(f"{where}: bad TYPE line")
                f = families.get(parts[2])
                if f is not None and (f.type is not None or f.samples):
                    raise ValueError(f"{where}: second TYPE of {parts[2]}")
                if f is None:
                    f = families[parts[2]] = Family(parts[2], None)
                f.type = parts[3]
            elif len(parts) >= 3 and parts[1] == "HELP":
                f = families.get(parts[2])
                if f is None:
                    # HELP may come first: TYPE must follow at once.
                    f = families[parts[2]] = Family(parts[2], None)
                f.help = _unescape(parts[3] if len(parts) == 4 else "")
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError(f"{where}: not a sample line")
        f = _family_of(families, m.group(1))
        if f is None or f.type is None:
            raise ValueError(f"{where}: sample before its family's TYPE")
        f.samples.append((m.group(1), _labels(m.group(2) or "", where),
                          _value(m.group(3), where)))
    for f in families.values():
        if f.type is None:
            raise ValueError(f"{f.name}: HELP without TYPE")
        if f.type == "histogram" and f.samples:
            _check_histogram(f)
    return families
