#!/usr/bin/env python3
"""Generate a deterministic benchmark corpus for custody (and for OPA, on the same documents).

    bench/gen.py OUT [--workflows N] [--bundles M] [--dir-bundles D] [--events E] [--seed S]

Writes under OUT:
  workflows/          N workflow manifests (YAML), about a quarter of the files multi-document,
                      about a fifth of the documents violating one rule (schema-valid: the policies decide)
  bundle-workflows/   the workflows the session bundles run under (one file, all valid)
  bundles.jsonl       M session bundles, one JSON object per line, E hash-chained events each,
                      about a tenth violating one rule (self-approval, denied command, tampered event, ...)
  bundles-dir/        D directory bundles (bundle.yaml + events.jsonl), same mix
  one.yaml            a single manifest, for the pre-commit latency measurement
  MANIFEST.json       the parameters and what was generated

Only the Python standard library is used. The same seed gives byte-identical files.
"""

import argparse
import hashlib
import json
import os
import random
import re
import shutil
from datetime import datetime, timedelta, timezone

PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ._@/()-]*[A-Za-z0-9.)]$")
LAST_ID = [None]  # the previous generated id, for duplicate-id violations
EPOCH = datetime(2026, 11, 2, 8, 0, 0, tzinfo=timezone.utc)

TEAMS = ["payments", "orders", "identity", "billing", "search", "risk", "ledger", "growth", "data", "support"]
OPS = ["dba", "sre", "platform", "netops", "secops", "k8s-ops", "storage", "middleware"]
SYSTEMS = ["db", "api", "cache", "queue", "k8s", "vault", "ldap", "etl", "sftp", "erp"]
ENVS = ["production", "staging", "development", "prod", "qa"]
FIRST = ["alex", "dana", "sam", "priya", "marco", "ines", "li", "omar", "ana", "kai", "noor", "jo"]
LAST = ["kim", "whitfield", "raman", "bianchi", "carvalho", "wang", "haddad", "silva", "berg", "osei"]
TOOLS = {
    "db": ["psql -h {h} -d app -c 'SELECT count(*) FROM pg_stat_activity'", "pg_dump -h {h} -d app --schema-only",
           "psql -h {h} -d app -f migrations/{n}.sql"],
    "api": ["journalctl -u app --since -1h", "systemctl status app", "curl -s localhost:8080/health"],
    "k8s": ["kubectl -n app get pods -o wide", "kubectl -n app rollout status deploy/app", "helm -n app history app"],
}
DEFAULT_TOOLS = ["ls -la /var/log/app", "tail -n 200 /var/log/app/current", "df -h", "uptime"]


def person(rng):
    return f"{rng.choice(FIRST)}.{rng.choice(LAST)}"


def ts(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def workflow(rng, i, valid_only=False, for_bundles=False):
    """One workflow manifest as a dict; returns (doc, violation-name or None)."""
    team = rng.choice(TEAMS)
    system = rng.choice(SYSTEMS)
    env = "production" if for_bundles else rng.choice(ENVS)
    ops = rng.sample(OPS, rng.randint(1, 2))
    owner = person(rng)
    wid = f"{team}-{system}-{env[:4]}-{i:06d}"
    host_glob = f"{system}-{env[:4]}-*.{team}.example.com"
    tools = TOOLS.get(system, DEFAULT_TOOLS)
    allow = sorted({t.split(" ")[0] + (" *" if " " in t else "") for t in tools})
    doc = {
        "apiVersion": "custody/v1",
        "kind": "Workflow",
        "metadata": {
            "id": wid,
            "title": f"{team.title()} {system} administration ({env})",
            "labels": {"tier": rng.choice(["critical", "standard", "standard"]), "cost-center": f"cc-{rng.randint(1000, 9999)}"},
        },
        "spec": {
            "purpose": f"Operate the {team} {system} in {env}: approved changes and incident response.",
            "owner": {"name": owner.replace(".", " ").title(), "email": f"{owner}@example.com", "team": team},
            "operators": [{"team": t} for t in ops],
            "targets": [{"system": f"{team}-{system}", "environment": env, "hosts": [host_glob]}],
            "principals": {
                "humans": {"groups": [f"{ops[0]}-oncall"], "users": [], "shared": []},
                "serviceAccounts": [
                    {"id": f"svc-{team}-{system}", "owner": f"{owner}@example.com",
                     "credential": {"type": "api-key", "maxAge": "90d"}}
                ],
                "agents": [
                    {"id": f"{system}-agent", "owner": f"{owner}@example.com", "policy": "agent-runbook-v2",
                     "onBehalfOf": "required"}
                ],
            },
            "approval": {
                "mode": "per-session",
                "approvers": {"groups": [f"{team}-leads"], "users": []},
                "minApprovals": 1,
                "separationOfDuties": True,
                "ticket": {"system": "servicenow", "pattern": "^CHG[0-9]{7}$"},
                "maxDuration": "4h",
            },
            "session": {
                "recording": "commands" if for_bundles else rng.choice(["full", "commands"]),
                "immutable": True,
                "commands": {"allow": allow, "deny": ["rm -rf *", "* DROP DATABASE *", "* --force-production *"]},
            },
            "retention": {"minimum": rng.choice(["400d", "730d", "2555d"]), "legalHold": False},
            "breakGlass": {
                "allowed": True,
                "owner": f"{owner}@example.com",
                "invokers": {"groups": ["sre-leads"], "users": []},
                "review": {"within": "24h", "by": {"groups": ["security-review"], "users": []}},
                "ticket": {"pattern": "^INC[0-9]{7}$"},
            },
        },
    }
    if valid_only:
        return doc, None
    if rng.random() < 0.2:
        doc["spec"]["vendor"] = {"name": "Acme Support", "evidenceTransferred": False}
    violation = None
    if rng.random() < 0.2:
        spec = doc["spec"]
        violation = rng.choice(["owner-operator", "no-sod", "shared", "bg-no-review", "short-retention",
                                "no-approval", "long-grant", "no-recording", "sa-no-owner", "dup-id"])
        if violation == "owner-operator":
            spec["owner"]["team"] = ops[0]
        elif violation == "no-sod":
            spec["approval"]["separationOfDuties"] = False
        elif violation == "shared":
            spec["principals"]["humans"]["shared"] = ["root"]
        elif violation == "bg-no-review":
            del spec["breakGlass"]["review"]
        elif violation == "short-retention":
            spec["retention"]["minimum"] = "30d"
        elif violation == "no-approval":
            spec["approval"] = {"mode": "none"}
        elif violation == "long-grant":
            spec["approval"]["maxDuration"] = "72h"
        elif violation == "no-recording":
            spec["session"]["recording"] = "none"
        elif violation == "sa-no-owner":
            del spec["principals"]["serviceAccounts"][0]["owner"]
        elif violation == "dup-id":
            doc["metadata"]["id"] = LAST_ID[0] or wid
    LAST_ID[0] = wid
    return doc, violation


def yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, int):
        return str(v)
    # Plain where a person would write it plain; otherwise a JSON string (a valid, unambiguous YAML scalar).
    if PLAIN.match(v) and v.lower() not in ("true", "false", "null", "yes", "no", "on", "off", "~"):
        return v
    return json.dumps(v, ensure_ascii=False)


def to_yaml(v, indent=0):
    """Block-style YAML for dicts/lists of scalars (what a person would write)."""
    pad = "  " * indent
    lines = []
    if isinstance(v, dict):
        for k, x in v.items():
            if isinstance(x, (dict, list)) and x:
                lines.append(f"{pad}{k}:")
                lines.append(to_yaml(x, indent + 1))
            else:
                lines.append(f"{pad}{k}: {yaml_scalar(x) if not isinstance(x, (dict, list)) else ('{}' if isinstance(x, dict) else '[]')}")
    else:
        for x in v:
            if isinstance(x, dict) and x:
                inner = to_yaml(x, indent + 1).split("\n")
                lines.append(f"{pad}- {inner[0].strip()}")
                lines.extend(inner[1:])
            elif isinstance(x, list):
                lines.append(f"{pad}- {json.dumps(x)}")
            else:
                lines.append(f"{pad}- {yaml_scalar(x)}")
    return "\n".join(lines)


def jcs(obj):
    # RFC 8785 for the values generated here (strings and small integers, ASCII keys).
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain(session_id, events):
    prev = hashlib.sha256(session_id.encode()).hexdigest()
    for e in events:
        e["prev"] = prev
        e["hash"] = hashlib.sha256((prev + "\n" + jcs(e)).encode()).hexdigest()
        prev = e["hash"]
    return prev


def bundle(rng, i, wf, n_events):
    """One session bundle under workflow `wf`; returns (bundle, violation or None)."""
    spec = wf["spec"]
    sid = f"sess-{i:08d}"
    start = EPOCH + timedelta(seconds=rng.randint(0, 20 * 86400))
    length = timedelta(minutes=rng.randint(20, 200))
    end = start + length
    principal = person(rng)
    approver = person(rng)
    while approver == principal:
        approver = person(rng)
    system = wf["spec"]["targets"][0]["system"].split("-")[-1]
    host = spec["targets"][0]["hosts"][0].replace("*", str(rng.randint(1, 9)))
    tools = TOOLS.get(system, DEFAULT_TOOLS)
    b = {
        "apiVersion": "custody/v1",
        "kind": "SessionBundle",
        "session": {"id": sid, "workflow": wf["metadata"]["id"],
                    "target": {"system": spec["targets"][0]["system"], "host": host},
                    "start": ts(start), "end": ts(end), "interactive": True},
        "identity": {"principal": principal, "kind": "human", "groups": spec["principals"]["humans"]["groups"],
                     "onBehalfOf": None},
        "approval": {
            "id": f"AR-{i:08d}", "session": sid, "ticket": f"CHG{rng.randint(0, 9999999):07d}",
            "requester": principal, "reason": "Apply the approved change",
            "decisions": [{"approver": approver, "groups": spec["approval"]["approvers"]["groups"],
                           "decision": "approved", "at": ts(start - timedelta(minutes=rng.randint(5, 60)))}],
            "grant": {"from": ts(start - timedelta(minutes=2)), "until": ts(start + timedelta(minutes=238))},
            "breakGlass": False, "review": None,
        },
        "evidence": {"session": sid, "recording": {"mode": spec["session"]["recording"]}, "events": []},
        "retention": {"until": ts(EPOCH + timedelta(days=2600)), "legalHold": False},
    }
    step = length / (n_events + 1)
    events = []
    for k in range(n_events):
        cmd = rng.choice(tools).format(h=host.split(".")[0], n=rng.randint(100, 999))
        events.append({"seq": k + 1, "time": ts(start + step * (k + 1)), "type": "command",
                       "principal": principal, "command": cmd})
    violation = None
    if rng.random() < 0.1:
        violation = rng.choice(["self-approval", "denied-command", "tampered", "approval-after-start",
                                "no-ticket", "too-long"])
        if violation == "self-approval":
            b["approval"]["decisions"][0]["approver"] = principal
        elif violation == "denied-command":
            events[n_events // 2]["command"] = "rm -rf /var/lib/app"
        elif violation == "approval-after-start":
            b["approval"]["decisions"][0]["at"] = ts(start + timedelta(minutes=3))
        elif violation == "no-ticket":
            del b["approval"]["ticket"]
        elif violation == "too-long":
            b["session"]["end"] = ts(start + timedelta(hours=9))
            b["approval"]["grant"]["until"] = ts(start + timedelta(hours=10))
    head = chain(sid, events)
    if violation == "tampered":
        events[n_events // 2]["command"] += " --verbose"
    b["evidence"]["events"] = events
    b["evidence"]["head"] = {"hash": head, "count": n_events}
    return b, violation


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--workflows", type=int, default=10_000)
    ap.add_argument("--bundles", type=int, default=100_000)
    ap.add_argument("--dir-bundles", type=int, default=1_000)
    ap.add_argument("--events", type=int, default=20)
    ap.add_argument("--bundle-workflows", type=int, default=200)
    ap.add_argument("--chain-events", type=int, default=0, help="also write chain.jsonl: one chain this long")
    ap.add_argument("--seed", type=int, default=20261126)
    a = ap.parse_args()

    rng = random.Random(a.seed)
    out = a.out
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "workflows"))
    os.makedirs(os.path.join(out, "bundle-workflows"))
    os.makedirs(os.path.join(out, "bundles-dir"))

    header = "# generated by bench/gen.py: synthetic, deterministic\n"
    violations = {}
    i = 0
    files = 0
    while i < a.workflows:
        n = rng.randint(2, 6) if rng.random() < 0.25 else 1
        n = min(n, a.workflows - i)
        docs = []
        for _ in range(n):
            doc, v = workflow(rng, i)
            violations[v or "none"] = violations.get(v or "none", 0) + 1
            docs.append(to_yaml(doc))
            i += 1
        sub = os.path.join(out, "workflows", f"{files // 500:03d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"wf-{files:06d}.yaml"), "w") as f:
            f.write(header + "---\n".join(d + "\n" for d in docs))
        files += 1
    one, _ = workflow(random.Random(a.seed + 1), 0, valid_only=True)
    with open(os.path.join(out, "one.yaml"), "w") as f:
        f.write(header + to_yaml(one) + "\n")

    wfs = [workflow(rng, 900_000 + k, valid_only=True, for_bundles=True)[0] for k in range(a.bundle_workflows)]
    with open(os.path.join(out, "bundle-workflows", "workflows.yaml"), "w") as f:
        f.write(header + "---\n".join(to_yaml(w) + "\n" for w in wfs))

    bviol = {}
    with open(os.path.join(out, "bundles.jsonl"), "w") as f:
        for k in range(a.bundles):
            b, v = bundle(rng, k, rng.choice(wfs), a.events)
            bviol[v or "none"] = bviol.get(v or "none", 0) + 1
            f.write(json.dumps(b, separators=(",", ":"), ensure_ascii=False) + "\n")
    for k in range(a.dir_bundles):
        b, v = bundle(rng, a.bundles + k, rng.choice(wfs), a.events)
        bviol[v or "none"] = bviol.get(v or "none", 0) + 1
        d = os.path.join(out, "bundles-dir", f"{k // 250:03d}", b["session"]["id"])
        os.makedirs(d)
        events = b["evidence"]["events"]
        b["evidence"]["events"] = {"file": "events.jsonl"}
        with open(os.path.join(d, "events.jsonl"), "w") as f:
            f.writelines(json.dumps(e, separators=(",", ":")) + "\n" for e in events)
        with open(os.path.join(d, "bundle.yaml"), "w") as f:
            f.write(header + to_yaml(b) + "\n")

    if a.chain_events:
        events = []
        for k in range(a.chain_events):
            events.append({"seq": k + 1, "time": ts(EPOCH + timedelta(seconds=k)), "type": "command",
                           "principal": "alex.kim", "command": rng.choice(DEFAULT_TOOLS) + f" # step {k}"})
        chain("sess-chain", events)
        with open(os.path.join(out, "chain.jsonl"), "w") as f:
            f.writelines(json.dumps(e, separators=(",", ":")) + "\n" for e in events)

    manifest = {
        "seed": a.seed, "workflows": a.workflows, "workflow_files": files, "bundles": a.bundles,
        "dir_bundles": a.dir_bundles, "events_per_bundle": a.events, "chain_events": a.chain_events, "bundle_workflows": a.bundle_workflows,
        "workflow_violations": dict(sorted(violations.items())), "bundle_violations": dict(sorted(bviol.items())),
    }
    with open(os.path.join(out, "MANIFEST.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
