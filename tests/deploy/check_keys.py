"""Keys and certificates per service and per shard, and no token signing key where services run.

Renders deploy/k8s/overlays/sharded-by-city with `kubectl kustomize`, makes a development CA and the
Secrets with deploy/security/make-dev-ca.sh and make-k8s-secrets.sh for the overlay's shards
(UE_REGISTRATION_SHARDS = the folders under shards/), and checks:
  - every workload mounts a Secret of its own: no two workloads (the 14 registration shards
    included) mount the same Secret, and every Secret they mount is made by the script;
  - the Secrets hold distinct server certificates and keys, peer keys, audit keys and data keys
    (nothing shared between services or shards except the CA and the token PUBLIC keys); each
    shard's server certificate names that shard's Service;
  - no Secret holds a private token key (only token-<kid>.pub public keys, and the same set in
    every Secret) and no workload is configured with the retired symmetric token key;
  - deploy/Dockerfile neither builds nor installs ue_issue_token (the service image cannot mint
    tokens).
Exit 77 (skipped) where kubectl or openssl is missing.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

SOURCE_DIR = os.environ.get("UE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
OVERLAY = os.path.join(SOURCE_DIR, "deploy/k8s/overlays/sharded-by-city")


def san_of(pem):
    out = subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName"], input=pem,
                         capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"DNS:([^,\s]+)", out))


def main():
    if shutil.which("kubectl") is None or shutil.which("openssl") is None:
        print("kubectl or openssl not installed: skipped")
        return 77
    findings = []
    # The service image: no token issuer.
    dockerfile = open(os.path.join(SOURCE_DIR, "deploy/Dockerfile")).read()
    code = "\n".join(line for line in dockerfile.splitlines() if not line.lstrip().startswith("#"))
    if "ue_issue_token" in code:
        findings.append("deploy/Dockerfile builds or installs ue_issue_token")

    rendered = subprocess.run(["kubectl", "kustomize", OVERLAY], capture_output=True, text=True,
                              check=True).stdout
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    mounts = {}  # workload -> Secret names
    for doc in docs:
        if doc.get("kind") not in ("Deployment", "StatefulSet"):
            continue
        spec = doc["spec"]["template"]["spec"]
        names = [v["secret"]["secretName"] for v in spec.get("volumes", []) if "secret" in v]
        mounts[doc["metadata"]["name"]] = names
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            for env in container.get("env", []):
                if env.get("name") == "UE_TOKEN_KEY_FILE":
                    findings.append(f"{doc['metadata']['name']} sets the retired UE_TOKEN_KEY_FILE")
    for doc in docs:
        if doc.get("kind") == "ConfigMap":
            for key, value in (doc.get("data") or {}).items():
                if key == "UE_TOKEN_KEY_FILE":
                    findings.append(f"ConfigMap {doc['metadata']['name']} sets UE_TOKEN_KEY_FILE")
    owners = {}
    for workload, names in mounts.items():
        if len(names) != 1:
            findings.append(f"{workload} mounts {len(names)} Secrets, not 1")
        for name in names:
            if name in owners:
                findings.append(f"{workload} and {owners[name]} share the Secret {name}")
            owners[name] = workload
    shards = sorted(os.listdir(os.path.join(OVERLAY, "shards")))
    registration_workloads = [w for w in mounts if w.startswith("registration")]
    if len(registration_workloads) != len(shards) + 1:
        findings.append(f"{len(registration_workloads)} registration workloads for {len(shards)} shards + hlj")

    work = tempfile.mkdtemp(prefix="ue-keys-check-")
    try:
        env = dict(os.environ, UE_REGISTRATION_SHARDS=" ".join(shards))
        subprocess.run([os.path.join(SOURCE_DIR, "deploy/security/make-dev-ca.sh"), f"{work}/ca"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        made = subprocess.run([os.path.join(SOURCE_DIR, "deploy/security/make-k8s-secrets.sh"),
                               f"{work}/ca"], env=env, check=True, capture_output=True,
                              text=True).stdout
        secrets = {d["metadata"]["name"]: d["stringData"] for d in yaml.safe_load_all(made) if d}
        for name in owners:
            if name not in secrets:
                findings.append(f"make-k8s-secrets.sh makes no Secret {name} "
                                f"(mounted by {owners[name]})")
        seen = {}
        token_sets = set()
        for name, data in secrets.items():
            tokens = sorted(k for k in data if k.startswith("token"))
            token_sets.add(tuple(tokens))
            for key in tokens:
                if not key.endswith(".pub") or "PRIVATE" in data[key]:
                    findings.append(f"{name} holds {key}, not a public token key")
            for key in ("tls.pem", "tls.key", "peer.key", "audit.key", "data.key"):
                if key not in data:
                    findings.append(f"{name} has no {key}")
                    continue
                if data[key] in seen:
                    findings.append(f"{name} and {seen[data[key]]} share {key}")
                seen[data[key]] = f"{name} ({key})"
        if len(token_sets) != 1:
            findings.append(f"the Secrets hold different token key sets: {token_sets}")
        for shard in shards:
            name = f"registration-{shard}-secrets"
            if name in secrets:
                sans = san_of(secrets[name]["tls.pem"])
                if f"registration-{shard}" not in sans or "registration" in sans:
                    findings.append(f"{name}: server certificate names {sorted(sans)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for finding in findings:
        print("FINDING:", finding)
    print(f"{len(mounts)} workloads, {len(owners)} Secrets mounted, {len(shards)} shards: "
          f"{len(findings)} findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
