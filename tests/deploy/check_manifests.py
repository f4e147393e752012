"""The rendered Kubernetes manifests against what the services actually call.

For each overlay that a real cluster runs (NetworkPolicies are ignored by podman, so the podman
overlay is not checked), `kubectl kustomize` renders the manifests. For every workload, the
address settings its binary defines (`<service>_server --help`: settings ending in `_addr`, and the
shard lists `shards` / `registration_shards`) are read from the environment the manifests give it
(ConfigMaps by envFrom, then the container's own env). Every address that names a Service of the
suite is a call the service makes, and must be allowed twice:
  - by an egress rule of a NetworkPolicy selecting the calling pod, towards the Service's pods on
    the Service's target port, and
  - by an ingress rule of a NetworkPolicy selecting the called pods, from the calling pod.
And nothing else is open between the suite's pods: every pod-to-pod ingress or egress rule must
stand for one of those calls (rules for the documented in-cluster client label, DNS, the health
ports and the gateway's own ingress from outside are the exceptions).

Exit 0 when every overlay holds, 1 with one line per finding, 77 (ctest: skipped) when kubectl is
not installed.
"""

import os
import re
import shutil
import subprocess
import sys

import yaml

SOURCE_DIR = os.environ.get("UE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
BIN_DIR = os.environ["UE_BIN_DIR"]
OVERLAYS = ["single-node", "sharded-by-city"]
CLIENT_LABEL = "unemployment.hrss.gov.cn/client"
NAME_LABEL = "app.kubernetes.io/name"


def render(overlay):
    path = os.path.join(SOURCE_DIR, "deploy/k8s/overlays", overlay)
    out = subprocess.run(["kubectl", "kustomize", path], check=True, capture_output=True,
                         text=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def address_settings(service):
    """(setting, environment variable, default) of every address setting of a service binary."""
    binary = os.path.join(BIN_DIR, service, f"{service}_server")
    text = subprocess.run([binary, "--help"], check=True, capture_output=True, text=True).stdout
    found = []
    for line in text.splitlines():
        m = re.match(r"\s+--(\S+)\s+(UE_\S+)\s+.*\(default: '(.*)'\)$", line)
        if m and (m.group(1).endswith("_addr") or m.group(1) in ("shards", "registration_shards")):
            found.append(m.groups())
    return found


def matches(selector, labels):
    """A NetworkPolicy/Service label selector (matchLabels only, as these manifests use)."""
    wanted = selector.get("matchLabels", selector) if selector else {}
    return all(labels.get(k) == v for k, v in wanted.items())


def addresses(value):
    """host:port pairs of a setting value: "h:p", or "name=h:p,name=h:p"."""
    for item in filter(None, (v.strip() for v in value.split(","))):
        target = item.split("=", 1)[-1]
        host, _, port = target.rpartition(":")
        if host and port.isdigit():
            yield host, int(port)


def check(overlay):
    docs = render(overlay)
    config = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    workloads = [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")]
    findings, calls = [], set()  # calls: (source pod labels frozen, target Service name, port)

    def pod_labels(workload):
        return workload["spec"]["template"]["metadata"]["labels"]

    def container_port(service, port):
        for p in service["spec"]["ports"]:
            if p["port"] == port:
                target = p.get("targetPort", port)
                if isinstance(target, int):
                    return target
                for w in workloads:
                    if matches(service["spec"]["selector"], pod_labels(w)):
                        for c in w["spec"]["template"]["spec"]["containers"]:
                            for cp in c.get("ports", []):
                                if cp.get("name") == target:
                                    return cp["containerPort"]
        return None

    def allows(policy_rules, direction, peer_labels, port):
        for rule in policy_rules:
            peers = rule.get(direction)
            ports = rule.get("ports")
            if ports is not None and not any(
                    p.get("port") == port or (isinstance(p.get("port"), int) and p.get("endPort")
                                              and p["port"] <= port <= p["endPort"])
                    for p in ports):
                continue
            if peers is None or any("podSelector" in peer and "namespaceSelector" not in peer
                                    and matches(peer["podSelector"], peer_labels)
                                    for peer in peers):
                return True
        return False

    def policies_for(labels, kind):
        return [p for p in policies if kind in p["spec"].get("policyTypes", [])
                and matches(p["spec"].get("podSelector", {}), labels)]

    for workload in workloads:
        labels = pod_labels(workload)
        name = labels.get(NAME_LABEL)
        container = workload["spec"]["template"]["spec"]["containers"][0]
        env = {}
        for source in container.get("envFrom", []):
            env.update(config.get(source.get("configMapRef", {}).get("name"), {}))
        for item in container.get("env", []):
            if "value" in item:
                env[item["name"]] = item["value"]
        binary = name.replace("-", "_")
        if not os.path.exists(os.path.join(BIN_DIR, binary, f"{binary}_server")):
            findings.append(f"{overlay}: {workload['metadata']['name']}: no binary {binary}_server")
            continue
        for setting, variable, default in address_settings(binary):
            for host, port in addresses(env.get(variable, default)):
                service = services.get(host.split(".")[0])
                if service is None:
                    if host not in ("127.0.0.1", "localhost", "::1", ""):
                        findings.append(f"{overlay}: {workload['metadata']['name']} --{setting} "
                                        f"names {host}:{port}, which is no Service of the suite")
                    continue
                target_port = container_port(service, port)
                targets = [w for w in workloads
                           if matches(service["spec"]["selector"], pod_labels(w))]
                if target_port is None or not targets:
                    findings.append(f"{overlay}: {workload['metadata']['name']} --{setting}: "
                                    f"Service {host} has no port {port} or no pods")
                    continue
                calls.add((name, pod_labels(targets[0]).get(NAME_LABEL), target_port))
                for target in targets:
                    t_labels = pod_labels(target)
                    if not any(allows(p["spec"].get("egress", []), "to", t_labels, target_port)
                               for p in policies_for(labels, "Egress")):
                        findings.append(f"{overlay}: {workload['metadata']['name']} calls "
                                        f"{target['metadata']['name']}:{target_port} "
                                        f"(--{setting}) but no egress rule allows it")
                    if not any(allows(p["spec"].get("ingress", []), "from", labels, target_port)
                               for p in policies_for(t_labels, "Ingress")):
                        findings.append(f"{overlay}: {target['metadata']['name']}:{target_port} "
                                        f"is called by {workload['metadata']['name']} "
                                        f"(--{setting}) but no ingress rule admits it")

    # Nothing else open between the suite's pods.
    suite_names = {pod_labels(w).get(NAME_LABEL) for w in workloads}
    for policy in policies:
        selected = {pod_labels(w).get(NAME_LABEL) for w in workloads
                    if matches(policy["spec"].get("podSelector", {}), pod_labels(w))}
        for direction, key in (("ingress", "from"), ("egress", "to")):
            for rule in policy["spec"].get(direction, []):
                for peer in rule.get(key) or []:
                    peer_name = peer.get("podSelector", {}).get("matchLabels", {}).get(NAME_LABEL)
                    if peer_name is None or peer_name not in suite_names:
                        continue  # DNS, the client label, outside callers
                    for port in rule.get("ports") or [{"port": None}]:
                        for own in selected:
                            pair = (peer_name, own) if direction == "ingress" else (own, peer_name)
                            if not any(c[0] == pair[0] and c[1] == pair[1] and
                                       (port["port"] is None or c[2] == port["port"])
                                       for c in calls):
                                findings.append(
                                    f"{overlay}: NetworkPolicy {policy['metadata']['name']} "
                                    f"opens {pair[0]} -> {pair[1]}:{port['port']}, which no "
                                    f"setting calls")
    return findings, len(calls)


def main():
    if shutil.which("kubectl") is None:
        print("kubectl (with kustomize) is not installed: manifest check skipped")
        return 77
    findings = []
    for overlay in OVERLAYS:
        found, count = check(overlay)
        print(f"{overlay}: {count} service-to-service calls, {len(found)} findings")
        findings += found
    for finding in sorted(set(findings)):
        print("FINDING", finding)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
