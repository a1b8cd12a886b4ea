#!/usr/bin/env python3
"""Evaluate custody's built-in policies with the real OPA engine, over the policy inputs custody produced.

    opa_eval.py POLICIES_DIR INPUTS.jsonl --target workflow|session [--threads N] [--repeat R]

INPUTS.jsonl is what `custody validate|check --dump-inputs FILE` writes: one policy input per line (the
document plus `input.custody`). Every non-test `.rego` file under POLICIES_DIR is loaded into OPA (v1, through
the PyPI package `opa-golib-python-bindings`); custody's extension functions (`custody.glob_match`, …) are
replaced by a shim in plain Rego over OPA's own builtins (`glob.match`, `regex.match`,
`time.parse_rfc3339_ns`, …), which is how an OPA user would write them. One query per input evaluates every
`deny`/`warn`/`violation` of the target's packages, as custody does.

Prints one JSON object: documents, seconds, docs_per_s, findings, and bridge_s (the time the same number of
evaluations of a trivial rule takes through the same bridge: the Python/ctypes/JSON cost, not OPA's).
"""

import argparse
import json
import os
import re
import sys
import threading
import time

from opa_bindings import OpaEngine

SHIM = r"""
package custody_shim

import rego.v1

duration_ns(s) := n if {
	endswith(s, "d")
	n := to_number(trim_suffix(s, "d")) * 86400000000000
}

duration_ns(s) := time.parse_duration_ns(s) if not endswith(s, "d")

time_ns(s) := time.parse_rfc3339_ns(s)

instant(s) := time.parse_rfc3339_ns(s) if {
	is_string(s)
	regex.match(`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`, s)
}

duration(s) := duration_ns(s) if {
	is_string(s)
	regex.match(`^([0-9]{1,8}m|[0-9]{1,6}h|[0-9]{1,5}d)$`, s)
}

glob_match(patterns, true, subject) if {
	some p in patterns
	glob.match(lower(p), null, lower(subject))
}

glob_match(patterns, false, subject) if {
	some p in patterns
	glob.match(p, null, subject)
}

default glob_match(_, _, _) := false

regex_match(p, s) := regex.match(p, s)

# Identity facts without Unicode tables: lower-case trimmed key, the key as its own skeleton, no flags.
identity(x) := {"key": k, "skeleton": k, "invisible": false, "mixedScript": false} if {
	is_string(x)
	k := lower(trim_space(x))
}

command_segments(line) := [trim_space(s) | some s in regex.split(`&&|\|\||;|\|`, line); trim_space(s) != ""]

event_facts(events) := object.union(
	{
		"timed": count(_times(events)),
		"command_segments": {seg |
			some ev in events
			is_object(ev)
			ev.type == "command"
			is_string(ev.command)
			some seg in command_segments(ev.command)
		},
		"principals": {p | some ev in events; is_object(ev); p := ev.principal},
	},
	_window(_times(events)),
)

_times(events) := [t | some ev in events; is_object(ev); t := instant(ev.time)]

_window(times) := {} if count(times) == 0

_window(times) := {"first_ns": min(times), "last_ns": max(times)} if count(times) > 0

trivial := true
"""


def load_policies(root, target):
    modules = []
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if not name.endswith(".rego") or name.endswith("_test.rego"):
                continue
            path = os.path.join(dirpath, name)
            with open(path) as f:
                text = f.read()
            text = re.sub(r"\bcustody\.(duration_ns|time_ns|instant|duration|glob_match|regex_match|command_segments|event_facts|identity)\(",
                          r"data.custody_shim.\1(", text)
            modules.append((path, text))
    packages = []
    for path, text in modules:
        m = re.search(r"^package\s+(\S+)", text, re.M)
        pkg = m.group(1)
        if pkg.startswith(f"custody.{target}") and pkg != f"custody.{target}.lib":
            for rule in ("deny", "warn", "violation"):
                if re.search(rf"^{rule}\s+contains\b", text, re.M):
                    packages.append(f"data.{pkg}.{rule}")
    # A complete rule that is undefined makes the array undefined: default each entry to the empty set.
    agg = "package custody_bench\n\nimport rego.v1\n\n" + "".join(
        f"default r{i} := set()\n\nr{i} := {q}\n\n" for i, q in enumerate(packages)
    ) + "results := [" + ", ".join(f"r{i}" for i in range(len(packages))) + "]\n"
    return modules, agg, packages


def engine(modules, agg, data):
    e = OpaEngine()
    for path, text in modules:
        e.add_policy(path, text)
    e.add_policy("custody_shim.rego", SHIM)
    e.add_policy("custody_bench.rego", agg)
    e.add_data(data)
    return e


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("policies")
    ap.add_argument("inputs")
    ap.add_argument("--target", choices=["workflow", "session"], required=True)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--data", default=None, help="data document (JSON); default: custody's default params")
    a = ap.parse_args()

    with open(a.inputs) as f:
        inputs = [json.loads(line) for line in f if line.strip()]
    data = {"custody": {"params": {"retentionMinimum": "365d", "maxDuration": "8h",
                                   "breakGlassReviewMax": "72h", "credentialMaxAge": "90d"}}}
    if a.data:
        with open(a.data) as f:
            data = json.load(f)
    modules, agg, packages = load_policies(a.policies, a.target)
    engines = [engine(modules, agg, data) for _ in range(a.threads)]
    # Warm up: prepared queries are cached per engine.
    for e in engines:
        e.eval_document("custody_bench.results", inputs[0])
        e.eval_document("custody_shim.trivial", inputs[0])

    ids = {}

    def run(path, counts):
        shards = [inputs[i::a.threads] for i in range(a.threads)]
        errors = []

        def work(e, shard, slot):
            n = 0
            try:
                for doc in shard:
                    r = e.eval_document(path, doc)
                    if isinstance(r, list):
                        for s in r:
                            for f in s:
                                rid = f.get("id", "?") if isinstance(f, dict) else "string"
                                ids[rid] = ids.get(rid, 0) + 1
            except Exception as ex:  # report, never hide
                errors.append(repr(ex))
            counts[slot] = n

        threads = [threading.Thread(target=work, args=(engines[i], shards[i], i)) for i in range(a.threads)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - t0, errors

    counts = [0] * a.threads
    seconds, errors = run("custody_bench.results", counts)
    bridge, _ = run("custody_shim.trivial", [0] * a.threads)
    json.dump({"engine": "opa", "target": a.target, "documents": len(inputs), "threads": a.threads,
               "entry_points": len(packages), "seconds": seconds, "docs_per_s": len(inputs) / seconds,
               "bridge_s": bridge, "docs_per_s_without_bridge": len(inputs) / max(seconds - bridge, 1e-9),
               "findings": sum(ids.values()), "by_rule": dict(sorted(ids.items())), "errors": errors[:5]}, sys.stdout)
    print()
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
