"""Power-loss test (issue #21): cut the "power" of every storing process at once under load; every
acknowledged application is still there, nothing is doubled.

`kill -9` alone cannot show a lost fsync: the kernel's page cache survives the process, so the
crash test passes the same with --sqlite_synchronous=OFF. Here every service runs with
--testing_power_loss_storage (common/store/testing/fault_vfs.h): its SQLite writes (the person
index's, registration's, the gateway's, the audit log's when security is on) are held in the
process's memory until the file is synced, so a `kill -9` loses exactly what a power cut would.

The whole suite runs as real processes (reliability.py's Cluster). Client threads submit
UE_POWER_LOSS_N applications (default 2,000) through the gateway, retrying UNAVAILABLE and
DEADLINE_EXCEEDED with the same channel id, and a fifth are reviewed at their shard. Once 35% are
acknowledged, every service is killed with SIGKILL at the same moment (the power cut), then all
are restarted on the same ports and data folders and the load goes on; a second cut at 70%.
Afterwards (the look-ups first for what was acknowledged before the last cut):

- UE_POWER_LOSS_SYNC=FULL (default): everything converges and the crash test's checks hold
  (nothing lost or doubled in any service), and every acknowledged application answers
  GetApplicationStatus through the gateway and GetApplicationByChannelId at its shard with the
  id it was acknowledged with.
- UE_POWER_LOSS_SYNC=OFF (or NORMAL) with UE_POWER_LOSS_EXPECT=loss: the services run with
  --sqlite_synchronous=OFF --allow_non_durable_storage=true, and the test asserts that
  applications acknowledged before the last cut are gone (NOT_FOUND at the gateway and at the
  shard):
  the proof that this test can fail. The FIGURES line says how many were lost.

The audit log (a SQLite file of its own, <data_dir>/audit.db, with its anchor file of signed
checkpoints, common/security/audit_log.h) exists only with security on, so a second case runs the
intake path secured (mutual TLS, caller tokens, audit logs; certificates from
deploy/security/make-dev-ca.sh): gateway, person index and one registration shard, the same
storage flags, UE_POWER_LOSS_SECURED_N portal applications (default 300) from 4 threads, the same
power cut of all three at 60%. With FULL every service restarts (its audit log agrees with its
anchor), every acknowledged application answers GetApplicationStatus, each audit log verifies
(ue_audit_verify --anchor) and the gateway's holds an OK SubmitApplication entry for every
acknowledged application (the entry is committed before the answer). With OFF the audit logs lose
their entries: a service refuses to restart because its audit log ends before its anchor's newest
checkpoint, or acknowledged calls have no entry; the OFF run asserts one of the two.
"""

import os
import sqlite3
import subprocess
import tempfile
import threading
import time
import types
import unittest

import grpc

from suite import secured_flags
from reliability import (BIN_DIR, RETRYABLE, SOURCE_DIR, Checker, Cluster, Item, Load, Service,
                         gw, gw_grpc, latency_summary, log, lookup_acknowledged, wait_until)

N = int(os.environ.get("UE_POWER_LOSS_N", "2000"))
SYNC = os.environ.get("UE_POWER_LOSS_SYNC", "FULL").upper()
EXPECT_LOSS = os.environ.get("UE_POWER_LOSS_EXPECT", "") == "loss"
THREADS = int(os.environ.get("UE_CRASH_THREADS", "8"))
CONVERGE_S = float(os.environ.get("UE_CONVERGE_S", "600"))
CUT_AT = 0.6  # the secured case's cut
CUTS = (0.35, 0.7)  # the whole suite's two cuts
SECURED_N = int(os.environ.get("UE_POWER_LOSS_SECURED_N", "300"))
SUBMIT = "/unemployment.gateway.v1.GatewayService/SubmitApplication"


def storage_flags():
    flags = ["--testing_power_loss_storage=true"]
    if SYNC not in ("FULL", "EXTRA"):
        flags += [f"--sqlite_synchronous={SYNC}", "--allow_non_durable_storage=true"]
    return flags


class PowerLossTest(unittest.TestCase):
    def setUp(self):
        self.cluster = Cluster(keep=bool(os.environ.get("UE_KEEP_DATA")),
                               extra_args=storage_flags()).start()

    def tearDown(self):
        self.cluster.stop()

    def power_cut(self):
        """SIGKILL to every process at once, then all of them back on their ports and folders."""
        services = [self.cluster[name] for name in Cluster.ORDER]
        for service in services:
            service.proc.kill()
        for service in services:
            service.proc.wait(timeout=20)
        t0 = time.monotonic()
        time.sleep(0.3)  # calls in flight fail; clients see UNAVAILABLE and retry
        for service in services:
            service.restart()
        self.cluster.load_population_snapshot()  # lost too with OFF; the same rows again
        return time.monotonic() - t0

    def test_power_cut_under_load(self):
        cluster = self.cluster
        log(f"storage: {' '.join(storage_flags())}; expecting "
            f"{'lost acknowledged writes' if EXPECT_LOSS else 'nothing lost'}")
        load = Load(cluster, N, threads=THREADS, run="P").start()
        back_s = 0.0
        for fraction in CUTS:
            load.wait_acked(int(N * fraction))
            with load.mu:
                before = [i for i in load.items if i.application_id is not None]
            log(f"power cut: kill -9 of all {len(Cluster.ORDER)} services at once at "
                f"{len(before)} acknowledged")
            back = self.power_cut()
            back_s = max(back_s, back)
            log(f"all services back after {back:.2f} s")
        load.join()
        rate = N / load.elapsed
        log(f"load: {N} applications in {load.elapsed:.1f} s = {rate:.0f} applications/s; "
            f"{latency_summary(load.stats)}")

        # First what the power cuts could have taken: the applications acknowledged before the
        # last one.
        looked_up = lookup_acknowledged(cluster, before)
        lost_gateway, lost_shard = len(looked_up["gateway"]), len(looked_up["shard"])
        log(f"acknowledged before the last cut: {len(before)}; NOT_FOUND at the gateway "
            f"{lost_gateway}, at the shard {lost_shard}, answered with another id "
            f"{len(looked_up['differs'])}; e.g. {looked_up['shard'][:3]}")
        if EXPECT_LOSS:
            log(f"FIGURES power_loss: sync={SYNC} N={N} "
                f"acknowledged_before_last_cut={len(before)} "
                f"lost_at_gateway={lost_gateway} lost_at_shard={lost_shard} "
                f"answered_with_another_id={len(looked_up['differs'])}")
            self.assertGreater(lost_shard, 0,
                               f"with --sqlite_synchronous={SYNC} a power cut should lose "
                               "acknowledged applications; none was lost, so this test could "
                               "not tell a lost fsync")
            return
        self.assertEqual((lost_gateway, lost_shard, looked_up["differs"]), (0, 0, []),
                         f"acknowledged applications lost by the power cut "
                         f"(--sqlite_synchronous={SYNC})")

        checker = Checker(cluster, load)
        converge = wait_until("the suite", checker.converged, timeout=CONVERGE_S)
        figures = checker.check(self)
        log(f"FIGURES power_loss: sync={SYNC} N={N} "
            f"acknowledged_before_last_cut={len(before)} "
            f"lost=0 applications/s={rate:.0f} restart_s={back_s:.2f} converge_s={converge:.1f} "
            f"{figures} retried_attempts="
            f"{sum(v for k, v in load.stats.codes.items() if k != 'OK')}")


class SecuredPowerLossTest(unittest.TestCase):
    """Gateway, person index and one registration shard with security on (so each has an audit
    log), all with the power-loss storage, cut at once under a portal load."""

    ORDER = ("registration", "person-index", "gateway")

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="ue-power-")
        self.ca = os.path.join(self.tmp.name, "ca")
        subprocess.run([os.path.join(SOURCE_DIR, "deploy/security/make-dev-ca.sh"), self.ca],
                       check=True, stdout=subprocess.DEVNULL)
        env = dict(os.environ, UE_CALENDAR_DIR=os.path.join(SOURCE_DIR, "data/calendar"),
                   UE_REGIONS_DIR=os.path.join(SOURCE_DIR, "data/regions"),
                   UE_CONTACTS_DIR=os.path.join(SOURCE_DIR, "data/contacts"),
                   UE_PUBLIC_SERVICE_DIR=os.path.join(SOURCE_DIR, "data/public_service"))
        self.cluster = types.SimpleNamespace(tmp=self.tmp.name, env=env,
                                             extra_args=storage_flags())
        ca = self.ca

        def secure(svc):
            return [*secured_flags(SOURCE_DIR, ca, svc), "--audit_anchor_every=20",
                    "--rate_limit=0"]

        def address(name):
            return lambda: self.services[name].address.replace("127.0.0.1", "localhost")
        self.services = {
            "registration": Service(self.cluster, "registration", "registration", [
                "--ministry_uploads=off", "--notification_delivery=off",
                *secure("registration")]),
            "person-index": Service(self.cluster, "person-index", "person_index", [
                lambda: f"--registration_shards=hlj={address('registration')()}",
                *secure("person-index")]),
            "gateway": Service(self.cluster, "gateway", "gateway", [
                lambda: f"--registration_addr={address('registration')()}",
                lambda: f"--person_index_addr={address('person-index')()}",
                *secure("gateway")]),
        }
        for name in self.ORDER:
            self.services[name].start()
        self.channels = []
        self.stopping = threading.Event()
        self.failures = []  # (channel id, code, details) of submissions that failed for good

    def tearDown(self):
        self.stopping.set()
        for channel in self.channels:
            channel.close()
        for service in self.services.values():
            if service.proc is not None and service.proc.poll() is None:
                service.proc.terminate()
                service.proc.wait(timeout=20)
        self.tmp.cleanup()

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def portal(self):
        credentials = grpc.ssl_channel_credentials(
            root_certificates=self.read(f"{self.ca}/ca.pem"),
            private_key=self.read(f"{self.ca}/client/province-portal.key"),
            certificate_chain=self.read(f"{self.ca}/client/province-portal.pem"))
        channel = grpc.secure_channel(
            self.services["gateway"].address.replace("127.0.0.1", "localhost"), credentials,
            options=[("grpc.initial_reconnect_backoff_ms", 100),
                     ("grpc.max_reconnect_backoff_ms", 1000)])
        self.channels.append(channel)
        token = subprocess.run(
            [f"{BIN_DIR}/ops/ue_issue_token", f"{self.ca}/token-signing.key", "province-portal",
             "province-portal-tester", "province-portal", "*", "1h"],
            check=True, capture_output=True, text=True).stdout.strip()
        return gw_grpc.GatewayServiceStub(channel), (("authorization", f"Bearer {token}"),)

    def submit_all(self, items, stub, metadata, acked, mu, threads=4):
        work = list(items)

        def worker():
            while not self.stopping.is_set():
                with mu:
                    if not work:
                        return
                    item = work.pop(0)
                started = time.monotonic()
                while not self.stopping.is_set():
                    try:
                        reply = stub.SubmitApplication(gw.SubmitApplicationRequest(
                            portal_application_id=item.channel_id, form=item.form()),
                            metadata=metadata, timeout=10)
                        with mu:
                            item.application_id = reply.application.application_id
                            acked.append(item)
                        break
                    except grpc.RpcError as error:
                        if error.code() not in RETRYABLE or time.monotonic() - started > 120:
                            with mu:
                                self.failures.append((item.channel_id, error.code().name,
                                                      error.details()))
                            break
                        time.sleep(0.1)
        workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
        for w in workers:
            w.start()
        return workers

    def audit_db(self, name):
        return os.path.join(self.tmp.name, name, "audit.db")

    def verify_audit(self, name):
        return subprocess.run(
            [f"{BIN_DIR}/ops/ue_audit_verify",
             f"--anchor={os.path.join(self.tmp.name, name, 'audit.anchor')}",
             self.audit_db(name), f"{self.ca}/audit.key"], capture_output=True, text=True)

    def submissions_audited(self):
        """Channel ids of the OK SubmitApplication entries of the gateway's audit log."""
        if not os.path.exists(self.audit_db("gateway")):
            return set()
        db = sqlite3.connect(f"file:{self.audit_db('gateway')}?mode=ro", uri=True)
        try:
            rows = db.execute("SELECT record FROM audit_log WHERE method = ? AND result = 'OK'",
                              (SUBMIT,)).fetchall()
        except sqlite3.OperationalError:  # no table: nothing of the log survived
            rows = []
        finally:
            db.close()
        return {part.split("=", 1)[1] for (record,) in rows for part in record.split(";")
                if part.startswith("portal_application_id=")}

    def test_secured_power_cut_keeps_the_audit_log(self):
        items = [item for item in (Item("S", i) for i in range(2 * SECURED_N))
                 if not item.ministry][:SECURED_N]
        stub, metadata = self.portal()
        acked, mu = [], threading.Lock()
        workers = self.submit_all(items, stub, metadata, acked, mu)
        wait_until("60% acknowledged", lambda: (len(acked) >= SECURED_N * CUT_AT, len(acked)),
                   timeout=300, interval=0.05)
        with mu:
            acked_before = list(acked)
        services = [self.services[name] for name in self.ORDER]
        for service in services:
            service.proc.kill()
        for service in services:
            service.proc.wait(timeout=20)
        log(f"secured power cut: kill -9 of {', '.join(self.ORDER)} at {len(acked_before)} "
            f"acknowledged")
        time.sleep(0.3)
        refused = {}
        for name in self.ORDER:
            try:
                self.services[name].restart()
            except RuntimeError:
                with open(self.services[name].log_path) as f:
                    refused[name] = [line.strip() for line in f if "audit" in line][-1:]
        if refused:
            self.stopping.set()
            for w in workers:
                w.join(timeout=30)
            log(f"refused to restart after the cut: {refused}")
            self.assertTrue(EXPECT_LOSS, f"services refused to restart: {refused}")
            log(f"FIGURES power_loss_secured: sync={SYNC} acknowledged_before_cut="
                f"{len(acked_before)} refused_restart={sorted(refused)} (audit log shorter than "
                f"its anchor)")
            return
        for w in workers:
            w.join(timeout=300)
        self.assertEqual(self.failures, [], "submissions refused for another reason than an outage")
        audited = self.submissions_audited()
        unaudited = [i.channel_id for i in acked if i.channel_id not in audited]
        looked_up = {"lost": []}
        for item in acked:
            try:
                reply = stub.GetApplicationStatus(gw.GetApplicationStatusRequest(
                    channel_application_id=item.channel_id), metadata=metadata, timeout=10)
                if reply.application.application_id != item.application_id:
                    looked_up["lost"].append(item.channel_id)
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.NOT_FOUND:
                    raise
                looked_up["lost"].append(item.channel_id)
        log(f"FIGURES power_loss_secured: sync={SYNC} N={SECURED_N} acknowledged={len(acked)} "
            f"acknowledged_before_cut={len(acked_before)} lost={len(looked_up['lost'])} "
            f"acknowledged_not_audited={len(unaudited)}")
        if EXPECT_LOSS:
            self.assertGreater(len(unaudited) + len(looked_up["lost"]), 0,
                               "a power cut with non-durable storage lost nothing")
            return
        self.assertEqual(len(acked), SECURED_N)
        self.assertEqual(looked_up["lost"], [], "acknowledged, GetApplicationStatus lost it")
        self.assertEqual(unaudited, [], "acknowledged without a durable audit entry")
        for name in self.ORDER:
            verified = self.verify_audit(name)
            self.assertEqual(verified.returncode, 0, f"{name}: {verified.stdout}{verified.stderr}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
