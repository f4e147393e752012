"""The rendered Kubernetes manifests against the storage rules of deploy/README.md (Sizes, Backups).

For each overlay that a real cluster runs (single-node, sharded-by-city), `kubectl kustomize`
renders the manifests, and:
  - one pod per volume: every workload with a PersistentVolumeClaim (a claim or a
    volumeClaimTemplate) is a StatefulSet; every claim asks for ReadWriteOncePod and no other mode;
    a claim named in a pod template belongs to one StatefulSet of one replica (more replicas get
    volumeClaimTemplates, one volume each); no Deployment mounts a claim;
  - a startupProbe on every StatefulSet's service container, on the same gRPC health port as its
    readiness probe, with a budget (periodSeconds x failureThreshold) at least the start-up budget
    of the Sizes table, and no initialDelaySeconds left on the liveness probe;
  - backups: UE_BACKUP_DIR is set and is the mount path of a volume of its own (a claim other than
    the data one), UE_BACKUP_INTERVAL and UE_BACKUP_KEEP are set (ConfigMap or env) and valid;
  - sizes: each workload's data volume, backup volume and memory request/limit are those of the
    Sizes table of deploy/README.md, and the table keeps its own rules: data volume >= 2 x the
    database at 1,000,000 registrations, backup volume >= (keep + 2) x the database, memory limit
    >= 1.2 x the peak memory at 1,000,000.
overlays/podman (the container test) is rendered too: no StatefulSet left (podman plays none), and
every stateful service still mounts its backup volume at UE_BACKUP_DIR.

Exit 0 when all hold, 1 with one line per finding, 77 (ctest: skipped) when kubectl is missing.
"""

import os
import re
import shutil
import subprocess
import sys

import yaml

SOURCE_DIR = os.environ.get("UE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
OVERLAYS = ["single-node", "sharded-by-city"]
NAME_LABEL = "app.kubernetes.io/name"
UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "": 1}


def quantity(text):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|)", str(text).strip())
    if not m:
        raise ValueError(f"not a quantity: {text}")
    return float(m.group(1)) * UNITS[m.group(2)]


def duration_seconds(text):
    total, rest = 0.0, text
    for value, unit in re.findall(r"(\d+(?:\.\d+)?)(h|m|s)", text):
        total += float(value) * {"h": 3600, "m": 60, "s": 1}[unit]
        rest = rest.replace(f"{value}{unit}", "", 1)
    if rest or total == 0:
        raise ValueError(f"not a duration: {text}")
    return total


class RenderError(Exception):
    pass


def render(overlay):
    path = os.path.join(SOURCE_DIR, "deploy/k8s/overlays", overlay)
    run = subprocess.run(["kubectl", "kustomize", path], capture_output=True, text=True)
    if run.returncode != 0:
        raise RenderError(f"{overlay}: kubectl kustomize fails: {run.stderr.strip()}")
    return [d for d in yaml.safe_load_all(run.stdout) if d]


def sizes_table():
    """Rows of the Sizes table in deploy/README.md, by workload name (the first column's `name`)."""
    text = open(os.path.join(SOURCE_DIR, "deploy/README.md"), encoding="utf-8").read()
    start = text.index("<!-- sizes-table -->")
    rows = {}
    for line in text[start:].splitlines()[1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        m = re.match(r"`([a-z-]+)`", cells[0])
        if not m:
            continue
        number = lambda cell: float(re.match(r"[~≈]?\s*([\d.,]+)", cell).group(1).replace(",", ""))
        request, limit = (c.strip().strip("`") for c in cells[5].split("/"))
        rows[m.group(1)] = {
            "database_gb": number(cells[1]),
            "peak_mib": number(cells[2]),
            "data": cells[3].strip("`"),
            "backup": cells[4].strip("`"),
            "memory_request": request,
            "memory_limit": limit,
            "startup_s": number(cells[6]),
        }
    if not rows:
        raise SystemExit("deploy/README.md has no Sizes table after <!-- sizes-table -->")
    return rows


def base_name(workload):
    """The workload's service name without a shard suffix (registration-harbin -> registration)."""
    return workload["spec"]["template"]["metadata"]["labels"][NAME_LABEL]


def settings_of(container, config):
    env = {}
    for source in container.get("envFrom", []):
        env.update(config.get(source.get("configMapRef", {}).get("name"), {}))
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
    return env


def check_table(table, keep):
    findings = []
    for name, row in table.items():
        database = row["database_gb"] * 1e9
        if quantity(row["data"]) < 2 * database:
            findings.append(f"Sizes table: {name}: data volume {row['data']} < 2 x the database")
        if quantity(row["backup"]) < (keep + 2) * database:
            findings.append(f"Sizes table: {name}: backup volume {row['backup']} < (keep {keep} "
                            f"+ 2) x the database")
        if quantity(row["memory_limit"]) < 1.2 * row["peak_mib"] * 2**20:
            findings.append(f"Sizes table: {name}: memory limit {row['memory_limit']} < 1.2 x "
                            f"the peak {row['peak_mib']} MiB")
    return findings


def check(overlay, table):
    docs = render(overlay)
    config = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}
    claims = {d["metadata"]["name"]: d for d in docs if d["kind"] == "PersistentVolumeClaim"}
    workloads = [d for d in docs if d["kind"] in ("Deployment", "StatefulSet", "DaemonSet",
                                                   "ReplicaSet", "Job", "CronJob")]
    findings = []
    claimed_by = {}

    def modes_ok(where, spec):
        if spec.get("accessModes") != ["ReadWriteOncePod"]:
            findings.append(f"{overlay}: {where}: accessModes {spec.get('accessModes')}, "
                            f"not [ReadWriteOncePod]")

    for name, claim in claims.items():
        modes_ok(f"PersistentVolumeClaim {name}", claim["spec"])

    for w in workloads:
        wname = f"{w['kind']} {w['metadata']['name']}"
        pod = w["spec"].get("template", {}).get("spec", {})
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        templates = {t["metadata"]["name"]: t for t in w["spec"].get("volumeClaimTemplates", [])}
        for t_name, t in templates.items():
            modes_ok(f"{wname} volumeClaimTemplate {t_name}", t["spec"])
        named_claims = {v: volumes[v]["persistentVolumeClaim"]["claimName"] for v in volumes
                        if "persistentVolumeClaim" in volumes[v]}
        if not named_claims and not templates:
            continue  # stateless
        if w["kind"] != "StatefulSet":
            findings.append(f"{overlay}: {wname} mounts a PersistentVolumeClaim but is no "
                            f"StatefulSet")
            continue
        replicas = w["spec"].get("replicas", 1)
        for volume, claim in named_claims.items():
            claimed_by.setdefault(claim, []).append(wname)
            if claim not in claims:
                findings.append(f"{overlay}: {wname}: claim {claim} is not in the manifests")
            if replicas != 1:
                findings.append(f"{overlay}: {wname}: {replicas} replicas share claim {claim}")
        if w["spec"].get("updateStrategy", {}).get("type", "RollingUpdate") != "RollingUpdate":
            findings.append(f"{overlay}: {wname}: updateStrategy is not RollingUpdate")

        container = pod["containers"][0]
        service = base_name(w)
        row = table.get(service)
        if row is None:
            findings.append(f"{overlay}: {wname}: no row for {service} in the Sizes table")
            continue

        # Startup probe covering migrations.
        startup = container.get("startupProbe")
        readiness = container.get("readinessProbe", {})
        if startup is None:
            findings.append(f"{overlay}: {wname}: no startupProbe")
        else:
            if startup.get("grpc", {}).get("port") != readiness.get("grpc", {}).get("port"):
                findings.append(f"{overlay}: {wname}: startupProbe does not ask the gRPC health "
                                f"port of the readiness probe")
            budget = startup.get("periodSeconds", 10) * startup.get("failureThreshold", 3)
            if budget < row["startup_s"]:
                findings.append(f"{overlay}: {wname}: start-up budget {budget} s < "
                                f"{row['startup_s']:.0f} s of the Sizes table")
        if "initialDelaySeconds" in container.get("livenessProbe", {}):
            findings.append(f"{overlay}: {wname}: livenessProbe keeps an initialDelaySeconds "
                            f"(the startup probe covers the start)")

        # Backups.
        env = settings_of(container, config)
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        data_dir, backup_dir = env.get("UE_DATA_DIR"), env.get("UE_BACKUP_DIR")
        sizes = {}
        for role, path in (("data", data_dir), ("backup", backup_dir)):
            volume = mounts.get(path) if path else None
            if volume is None:
                findings.append(f"{overlay}: {wname}: no volume mounted at UE_{role.upper()}_DIR "
                                f"({path})")
                continue
            if volume in templates:
                sizes[role] = templates[volume]["spec"]["resources"]["requests"]["storage"]
                sizes[role + "_claim"] = ("template", volume)
            elif volume in named_claims and named_claims[volume] in claims:
                claim = claims[named_claims[volume]]
                sizes[role] = claim["spec"]["resources"]["requests"]["storage"]
                sizes[role + "_claim"] = ("claim", named_claims[volume])
            else:
                findings.append(f"{overlay}: {wname}: UE_{role.upper()}_DIR is on volume "
                                f"{volume}, which is no PersistentVolumeClaim")
        if sizes.get("data_claim") and sizes.get("data_claim") == sizes.get("backup_claim"):
            findings.append(f"{overlay}: {wname}: backups on the data volume")
        try:
            if duration_seconds(env.get("UE_BACKUP_INTERVAL", "")) < 60:
                findings.append(f"{overlay}: {wname}: UE_BACKUP_INTERVAL under 1m")
            if int(env.get("UE_BACKUP_KEEP", "")) < 1:
                findings.append(f"{overlay}: {wname}: UE_BACKUP_KEEP under 1")
        except ValueError as error:
            findings.append(f"{overlay}: {wname}: UE_BACKUP_INTERVAL / UE_BACKUP_KEEP: {error}")

        # Sizes as documented.
        for role in ("data", "backup"):
            if role in sizes and quantity(sizes[role]) != quantity(row[role]):
                findings.append(f"{overlay}: {wname}: {role} volume {sizes[role]}, the Sizes "
                                f"table says {row[role]}")
        resources = container.get("resources", {})
        for kind, key in (("requests", "memory_request"), ("limits", "memory_limit")):
            value = resources.get(kind, {}).get("memory")
            if value is None or quantity(value) != quantity(row[key]):
                findings.append(f"{overlay}: {wname}: memory {kind} {value}, the Sizes table "
                                f"says {row[key]}")

    for claim, users in claimed_by.items():
        if len(users) > 1:
            findings.append(f"{overlay}: claim {claim} is mounted by {', '.join(users)}")
    for name in claims:
        if name not in claimed_by:
            findings.append(f"{overlay}: PersistentVolumeClaim {name} is mounted by no workload")
    stateful = sum(1 for w in workloads if w["kind"] == "StatefulSet")
    return findings, stateful, config


def check_podman():
    docs = render("podman")
    findings = []
    config = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}
    for w in docs:
        if w["kind"] == "StatefulSet":
            findings.append(f"podman: StatefulSet {w['metadata']['name']} left (podman plays none)")
        if w["kind"] != "Deployment":
            continue
        container = w["spec"]["template"]["spec"]["containers"][0]
        env = settings_of(container, config)
        mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
        volumes = {v["name"] for v in w["spec"]["template"]["spec"].get("volumes", [])}
        if env.get("UE_BACKUP_DIR") not in mounts:
            findings.append(f"podman: Deployment {w['metadata']['name']}: UE_BACKUP_DIR "
                            f"{env.get('UE_BACKUP_DIR')} is not mounted")
        for m in container.get("volumeMounts", []):
            if m["name"] not in volumes:
                findings.append(f"podman: Deployment {w['metadata']['name']}: mount {m['name']} "
                                f"has no volume")
    return findings


def main():
    if shutil.which("kubectl") is None:
        print("kubectl (with kustomize) is not installed: storage check skipped")
        return 77
    table = sizes_table()
    findings = []
    keep = None
    for overlay in OVERLAYS:
        found, stateful, config = check(overlay, table)
        keep = int(config.get(next(n for n in config if n.startswith("ue-settings")), {})
                   .get("UE_BACKUP_KEEP", "0"))
        print(f"{overlay}: {stateful} StatefulSets, {len(found)} findings")
        findings += found
    findings += check_table(table, keep)
    try:
        found = check_podman()
    except RenderError as error:
        found = [str(error)]
    print(f"podman: {len(found)} findings")
    findings += found
    for finding in sorted(set(findings)):
        print("FINDING", finding)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
