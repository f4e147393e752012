"""Starts the suite's server binaries on loopback port 0 for Python client tests.

Each service prints "<name> listening on HOST:PORT" once it is SERVING-ready; the harness reads
that line to learn the bound port, so tests never pick fixed ports.
"""

import hashlib
import os
import subprocess
import tempfile
import threading

SERVICES = ("registration", "person_index", "gateway", "verification", "tiering", "followup",
            "statistics")


def development_outbound_flags(cmd, binary_name="registration"):
    """Registration refuses to start without its outbound receivers (ministry platform, SMS
    platform and portal), and follow-up without the credit platform, unless told explicitly that
    they are off. Tests that do not wire one say so with the development flags."""
    def given(setting):
        return any(a.startswith(f"--{setting}=") and a != f"--{setting}=" for a in cmd)
    flags = []
    if binary_name == "followup":
        if not given("credit_receiver_addr") and not given("credit_delivery"):
            flags.append("--credit_delivery=off")
        return flags
    if not given("ministry_feedback_addr") and not given("ministry_uploads"):
        flags.append("--ministry_uploads=off")
    if not given("notification_receiver_addr") and not given("notification_delivery"):
        flags.append("--notification_delivery=off")
    return flags


def secured_flags(source_dir, ca, svc):
    """The flags that turn security on for service `svc` (mutual TLS, caller tokens, the access
    policy, the audit log), with the development CA made by deploy/security/make-dev-ca.sh in
    folder `ca`."""
    return [f"--security_policy={source_dir}/data/security/policy",
            f"--tls_cert={ca}/server/{svc}.pem", f"--tls_key={ca}/server/{svc}.key",
            f"--tls_client_ca={ca}/ca.pem", f"--token_public_keys={ca}/token-keys",
            f"--audit_key_file={ca}/audit.key",
            f"--peer_tls_cert={ca}/client/svc-{svc}.pem",
            f"--peer_tls_key={ca}/client/svc-{svc}.key"]


class Suite:
    """All six services, each with its own temporary data folder."""

    def __init__(self, bin_dir, source_dir, extra_args=None):
        self.bin_dir = bin_dir
        # Reference data is found through the settings' environment fallback (UE_<SETTING>).
        self.env = dict(os.environ,
                        UE_CALENDAR_DIR=os.path.join(source_dir, "data/calendar"),
                        UE_REGIONS_DIR=os.path.join(source_dir, "data/regions"),
                        UE_CONTACTS_DIR=os.path.join(source_dir, "data/contacts"),
                        UE_PUBLIC_SERVICE_DIR=os.path.join(source_dir, "data/public_service"),
                        UE_TIERING_RULES_DIR=os.path.join(source_dir, "data/tiering"),
                        # A service that returns an ErrorInfo reason missing from the catalogue
                        # (proto/unemployment/common/v1/error_reason.proto) aborts.
                        UE_STRICT_ERROR_REASONS="1")
        self.extra_args = extra_args or {}
        self.tmp = tempfile.TemporaryDirectory(prefix="ue-pytest-")
        self.procs = {}
        self.addresses = {}
        self.health = {}
        self.metrics = {}  # name -> host:port of /metrics, for servers started with --metrics_listen
        self.logs = {}  # name -> every output line so far (tests grep request ids in them)

    def start(self, name, *args, binary_name=None, listen="127.0.0.1:0"):
        """Starts one server; `name` keys its data folder and address (e.g. "registration-harbin")."""
        binary_name = binary_name or name
        binary = os.path.join(self.bin_dir, binary_name, f"{binary_name}_server")
        cmd = [binary, f"--listen={listen}", f"--data_dir={self.tmp.name}/{name}", *args]
        cmd += self.extra_args.get(name, [])
        if binary_name in ("registration", "followup"):
            cmd += development_outbound_flags(cmd, binary_name)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=self.env)
        self.procs[name] = proc
        marker = f"{binary_name} listening on "
        timer = threading.Timer(30, proc.kill)  # a server that never comes up must not hang CI
        timer.start()
        try:
            for line in proc.stdout:
                if line.startswith(marker):
                    self.addresses[name] = line[len(marker):].split()[0]
                    if ", health port " in line:
                        port = line.split(", health port ")[1].split(")")[0].split(",")[0]
                        self.health[name] = f"127.0.0.1:{port}"
                    if ", metrics port " in line:
                        port = line.split(", metrics port ")[1].split(")")[0].split(",")[0]
                        self.metrics[name] = f"127.0.0.1:{port}"
                    break
        finally:
            timer.cancel()
        if name not in self.addresses:
            raise RuntimeError(f"{name} did not start: exit code {proc.poll()}")
        # Keep draining output so the server never blocks on a full pipe; keep the lines.
        lines = self.logs.setdefault(name, [])
        threading.Thread(target=lambda: [lines.append(line) for line in proc.stdout],
                         daemon=True).start()
        return self.addresses[name]

    def start_all(self):
        registration = self.start("registration")
        for name in SERVICES[1:]:
            args = [f"--registration_addr={registration}"] if name != "verification" else []
            if name == "gateway":  # reservations and person claims live in the person index
                args += [f"--person_index_addr={self.addresses['person_index']}"]
            if name == "statistics":  # reads tiering's and follow-up's feeds too
                args += [f"--tiering_addr={self.addresses['tiering']}",
                         f"--followup_addr={self.addresses['followup']}"]
            self.start(name, *args)
        return self

    def start_person_index(self, shards, *args, name="person_index"):
        """The province person index over registration `shards` ("id=host:port,..."); its address
        is the gateway's --person_index_addr."""
        return self.start(name, f"--registration_shards={shards}", *args,
                          binary_name="person_index")

    def data_dir(self, name):
        return os.path.join(self.tmp.name, name)

    def kill(self, name):
        """Ends one server at once (SIGKILL), as a crash would."""
        proc = self.procs.pop(name)
        proc.kill()
        proc.wait(timeout=20)
        proc.stdout.close()

    def stop(self):
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        self.tmp.cleanup()


_generated_client = []


def generate_client(source_dir):
    """Generates the Python client from proto/ into a fresh folder and puts it on sys.path, once
    per process; returns the folder."""
    import sys
    if not _generated_client:
        out = tempfile.mkdtemp(prefix="ue-pyclient-")
        subprocess.run([os.path.join(source_dir, "tests/python/generate_client.sh"), out],
                       check=True)
        sys.path.insert(0, out)
        _generated_client.append(out)
    return _generated_client[0]


def snapshot_requests(ver, header, content, row_count=None):
    """The messages of one VerificationService.ImportSnapshot stream for `content` (bytes): the
    header, the file, and the trailer (length and SHA-256 of the file, and the data row count when
    given) without which the service loads nothing. `ver` is the generated
    verification_service_pb2 module."""
    trailer = ver.ImportSnapshotTrailer(content_length=len(content),
                                        content_sha256=hashlib.sha256(content).hexdigest())
    if row_count is not None:
        trailer.row_count = row_count
    return [ver.ImportSnapshotRequest(header=header), ver.ImportSnapshotRequest(content=content),
            ver.ImportSnapshotRequest(trailer=trailer)]


def resident_id(county, birth, sequence):
    """A GB 11643 resident ID number born in `county` on `birth` (YYYYMMDD); odd sequence = male."""
    body = f"{county}{birth}{sequence:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body, weights))
    return body + "10X98765432"[total % 11]


def credit_code(first17):
    """A GB 32100 unified social credit code: `first17` plus its check character."""
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(chars.index(c) * w for c, w in zip(first17, weights))
    return first17 + chars[(31 - total % 31) % 31]
