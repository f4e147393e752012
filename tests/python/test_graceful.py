"""Graceful shutdown (issue #10): SIGTERM every service in turn under load; calls the server had
accepted complete OK, the process exits 0 within its grace period, nothing is lost.

The whole suite runs as real processes; client threads submit applications through the gateway
(retrying UNAVAILABLE/DEADLINE_EXCEEDED with the same channel id) and review a fifth, and one
reader thread per read-model service (tiering, follow-up, statistics, verification) calls a read
RPC in a loop. Each service in turn gets SIGTERM, is waited for and restarted on the same port.

What "accepted" means is checked from the data, not guessed from the client:
- gateway: after it exited and before it restarts, the shards (still up) are read; an application
  whose submission failed while the gateway was stopping must not be stored there (if it is, the
  gateway accepted the call, passed it on, and then failed it);
- registration shard: after it exited and before it restarts, its SQLite file is read (nothing
  else writes it then); likewise no failed submission or review may be stored there; and a replay
  of its whole event feed, open before the signal, must complete OK and gap-free;
- for every service: attempts that failed while it was stopping failed with UNAVAILABLE or
  CANCELLED (refused: see STOPPING_CODES), never INTERNAL or UNKNOWN; exit code 0, exit well
  within the grace period (10 s), in fact within 3 s;
and afterwards the same exactly-once checks as the crash test.
"""

import collections
import os
import sqlite3
import threading
import time
import unittest

import grpc

from reliability import (Checker, Cluster, Load, feed, latency_summary, log, reg, st, st_grpc,
                         fu, fu_grpc, ti, ti_grpc, today, ver, ver_grpc, wait_until)

N = int(os.environ.get("UE_GRACEFUL_N", "3000"))
GRACE_S = 10.0
# Every service exits within this after SIGTERM under this load (measured: under 0.1 s each). Well
# below the 10 s grace so that a slow exit (such as the ~4 s once reported for follow-up) fails.
EXIT_LIMIT_S = 3.0
# How a stopping server refuses a call: UNAVAILABLE, and now and then (about 1 run in 2 here)
# CANCELLED for a call that reached it just as shutdown began (likely gRPC core dropping a call not
# yet matched to a handler with RST_STREAM CANCEL; not confirmed).
# That such a call was not carried out is checked from the data (failed but stored: none), so
# clients may safely retry it with the same id; they must, or the application is not submitted
# (tests/reliability/README.md, open points).
STOPPING_CODES = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                  grpc.StatusCode.CANCELLED)
ORDER = ("gateway", "person-index", "registration-harbin", "registration-main",
         "verification", "ministry", "tiering", "followup", "statistics")


class Readers:
    """One thread per read-model service calling a read RPC in a loop; outcomes by service."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.stop = threading.Event()
        self.mu = threading.Lock()
        self.timeline = []  # (time, service, code name)
        month, as_of = today().strftime("%Y-%m"), today().isoformat()
        self.calls = {
            "statistics": lambda: st_grpc.StatisticsServiceStub(cluster.channel("statistics"))
            .GetFeedStatus(st.GetFeedStatusRequest(), timeout=5),
            "followup": lambda: fu_grpc.FollowupServiceStub(cluster.channel("followup"))
            .GetFollowUpCoverage(fu.GetFollowUpCoverageRequest(
                region_code="230200", month=month, as_of=as_of), timeout=5),
            "tiering": lambda: ti_grpc.TieringServiceStub(cluster.channel("tiering"))
            .ListDifficultyCriteria(ti.ListDifficultyCriteriaRequest(), timeout=5),
            "verification": lambda: ver_grpc.VerificationServiceStub(
                cluster.channel("verification")).ListSnapshots(ver.ListSnapshotsRequest(),
                                                               timeout=5),
        }
        self.threads = [threading.Thread(target=self.run, args=(name,), daemon=True)
                        for name in self.calls]

    def run(self, name):
        while not self.stop.is_set():
            try:
                self.calls[name]()
                code = "OK"
            except grpc.RpcError as error:
                code = error.code().name
                if code == "INVALID_ARGUMENT":
                    raise
            with self.mu:
                self.timeline.append((time.monotonic(), name, code))
            time.sleep(0.01)

    def window(self, name, start, end):
        with self.mu:
            return collections.Counter(c for t, n, c in self.timeline
                                       if n == name and start <= t <= end)


class FeedReplay:
    """StreamEvents(stop_at_end) from the start, read on a thread; returns once it is open."""

    def __init__(self, stub):
        self.stream = stub.StreamEvents(reg.StreamEventsRequest(after_sequence=0,
                                                                stop_at_end=True), timeout=60)
        self.sequences = [next(self.stream).event.sequence]
        self.outcome = None
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        try:
            for reply in self.stream:
                self.sequences.append(reply.event.sequence)
            self.outcome = "OK"
        except grpc.RpcError as error:
            self.outcome = error.code().name


class GracefulTest(unittest.TestCase):
    def setUp(self):
        self.cluster = Cluster(keep=bool(os.environ.get("UE_KEEP_DATA"))).start()

    def tearDown(self):
        self.cluster.stop()

    def stored_channel_ids_via_feeds(self):
        ids = set()
        for shard in ("harbin", "main"):
            for e in feed(self.cluster.shard(shard), reg.StreamEventsRequest):
                if e.HasField("application_received"):
                    ids.add(e.application_received.application.channel_application_id)
        return ids

    def stored_in_db(self, shard):
        """Channel ids of stored applications and "review <channel id>" of stored reviews."""
        db = os.path.join(self.cluster.tmp, f"registration-{shard}", "registration.db")
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            apps = {r[0] for r in conn.execute("SELECT channel_application_id FROM applications")}
            reviews = {f"review {r[0][3:]}" for r in conn.execute(
                "SELECT request_id FROM requests WHERE request_id LIKE 'rv-%'")}
        return apps | reviews

    def test_sigterm_every_service_under_load(self):
        cluster = self.cluster
        # CANCELLED is retried too: see STOPPING_CODES.
        load = Load(cluster, N, threads=8, run="G", deadline=10.0, pace=0.1,
                    retry=STOPPING_CODES).start()
        readers = Readers(cluster)
        for thread in readers.threads:
            thread.start()
        results = {}
        try:
            for name in ORDER:
                time.sleep(2.5)
                service = cluster[name]
                replay = None
                if name.startswith("registration-"):
                    # A call surely in flight at SIGTERM: a replay of the whole feed, started
                    # (first event read) before the signal; it must complete, gap-free.
                    replay = FeedReplay(cluster.shard(name.split("-", 1)[1]))
                t0 = time.monotonic()
                code, seconds = service.terminate(timeout=GRACE_S + 20)
                t1 = time.monotonic()
                # Between exit and restart: what the stopped process left stored.
                failed = load.failed_between(t0, t1)
                if name == "gateway":
                    stored = self.stored_channel_ids_via_feeds()
                elif name.startswith("registration-"):
                    stored = self.stored_in_db(name.split("-", 1)[1])
                else:
                    stored = set()
                accepted_then_failed = sorted(failed & stored)
                calls = {tag: dict(c) for tag, c in load.codes_between(t0, t1).items()}
                if name in readers.calls:
                    calls["reader"] = dict(readers.window(name, t0, t1))
                if replay is not None:
                    replay.thread.join(30)
                    calls["feed replay"] = {replay.outcome: 1}
                    self.assertEqual(replay.outcome, "OK", f"{name}: {replay.outcome}")
                    self.assertEqual(replay.sequences, list(range(1, len(replay.sequences) + 1)))
                    log(f"{name}: feed replay in flight at SIGTERM read {len(replay.sequences)} "
                        "events, OK")
                service.restart()
                results[name] = (code, seconds, calls, accepted_then_failed)
                log(f"SIGTERM {name}: exit {code} after {seconds:.2f} s; attempts while "
                    f"stopping {calls}; failed but stored: {accepted_then_failed}")
            load.join()
        finally:
            readers.stop.set()
        log(f"load: {N} applications in {load.elapsed:.1f} s; {latency_summary(load.stats)}")

        for name, (code, seconds, calls, accepted_then_failed) in results.items():
            self.assertEqual(code, 0, name)
            self.assertLess(seconds, EXIT_LIMIT_S, name)
            self.assertEqual(accepted_then_failed, [], f"{name}: accepted calls failed")
            for tag, codes in calls.items():
                bad = {c: n for c, n in codes.items()
                       if c not in ["OK"] + [code.name for code in STOPPING_CODES]}
                self.assertEqual(bad, {}, f"{name}: {tag} calls cut off while stopping")
        checker = Checker(cluster, load)
        converge = wait_until("the suite", checker.converged, timeout=600)
        figures = checker.check(self)
        exits = {name: round(seconds, 2) for name, (_, seconds, _, _) in results.items()}
        log(f"FIGURES graceful: N={N} exit_seconds={exits} converge_s={converge:.1f} {figures}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
