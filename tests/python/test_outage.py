"""Outage test (issue #10): verification, the ministry receiver and one registration shard are each
unreachable for a while under load; callers get UNAVAILABLE or DEADLINE_EXCEEDED no later than
their deadline plus a small margin (never a hang); after recovery everything pending completes,
exactly once.

The whole suite runs as real processes; client threads submit UE_OUTAGE_N applications (default
3,000, paced so the load outlasts the three outages) with a 2 s deadline, retrying UNAVAILABLE
and DEADLINE_EXCEEDED with the same channel id, and review a fifth of them at their shard.

1. Verification is frozen (SIGSTOP) for OUTAGE_S seconds: intake goes on (verification is
   asynchronous, queued in registration), applications wait in PENDING_VERIFICATION.
2. The ministry receiver is killed and only restarted OUTAGE_S seconds later: decisions go on,
   ministry results wait in registration's outbox.
3. The Harbin registration shard is frozen (SIGSTOP: connections stay open, nothing answers, the
   worst case for deadlines) for OUTAGE_S seconds: calls routed to it end with DEADLINE_EXCEEDED or
   UNAVAILABLE at the deadline. Calls routed to the healthy shard go on: the person index answers
   for the province, no other shard is asked (issue #15), so a shard down stops only its offices.
After recovery: every verification answer arrives, every ministry result is delivered once, every
application retried by the clients is stored once (the same checks as the crash test).
"""

import os
import time
import unittest

import grpc

from reliability import Checker, Cluster, Item, Load, latency_summary, log, wait_until

N = int(os.environ.get("UE_OUTAGE_N", "3000"))
OUTAGE_S = float(os.environ.get("UE_OUTAGE_S", "8"))
DEADLINE_S = 2.0
MARGIN_S = 1.0  # an error may come this much after the caller's deadline, no later


class OutageTest(unittest.TestCase):
    def setUp(self):
        self.cluster = Cluster(keep=bool(os.environ.get("UE_KEEP_DATA"))).start()

    def tearDown(self):
        self.cluster.stop()

    def window(self, load, start, end):
        """Attempts that ended in [start, end]: {tag: {code name: count}}."""
        return {tag: dict(codes) for tag, codes in load.codes_between(start, end).items()}

    def test_outages_under_load(self):
        cluster = self.cluster
        # 8 threads, one application each per 0.15 s at most: about 50/s, so the load lasts
        # longer than the three outages.
        load = Load(cluster, N, threads=8, run="O", deadline=DEADLINE_S, pace=0.15).start()
        windows = {}

        time.sleep(3)
        log("verification frozen (SIGSTOP)")
        t0 = time.monotonic()
        cluster["verification"].pause()
        time.sleep(OUTAGE_S)
        cluster["verification"].resume()
        windows["verification"] = self.window(load, t0, time.monotonic())
        log(f"verification resumed; calls during the outage: {windows['verification']}")

        time.sleep(3)
        log("ministry receiver killed")
        t0 = time.monotonic()
        cluster["ministry"].kill()
        time.sleep(OUTAGE_S)
        cluster["ministry"].restart()
        windows["ministry"] = self.window(load, t0, time.monotonic())
        log(f"ministry receiver restarted; calls during the outage: {windows['ministry']}")

        time.sleep(3)
        log("registration-harbin frozen (SIGSTOP)")
        t0 = time.monotonic()
        cluster["registration-harbin"].pause()
        # The load's workers soon all wait on Harbin items (each retries its own item until it is
        # accepted), so the other shard is probed directly: an application of its offices, sent
        # through the gateway while Harbin is frozen, is accepted within the deadline.
        time.sleep(DEADLINE_S + MARGIN_S)
        # A person of its own (the load's people are numbered below N).
        probe = next(item for item in (Item("P", N + 2000 + i) for i in range(2))
                     if item.shard == "main")
        probe.review = None
        try:
            probe.application_id = load._submit_once(probe, DEADLINE_S).application_id
            probe_code = grpc.StatusCode.OK
            with load.mu:  # counted with the load, so the final checks expect it exactly once
                load.items.append(probe)
                load.n += 1
        except grpc.RpcError as error:
            probe_code = error.code()
        time.sleep(max(0.0, OUTAGE_S - DEADLINE_S - MARGIN_S))
        cluster["registration-harbin"].resume()
        t1 = time.monotonic()
        windows["shard"] = self.window(load, t0 + DEADLINE_S + MARGIN_S, t1)
        log(f"registration-harbin resumed; calls during the outage: {windows['shard']}")
        self.assertTrue(any(w.is_alive() for w in load.workers), "the load ended too early")

        load.join()
        recovered = time.monotonic()
        log(f"load: {N} applications in {load.elapsed:.1f} s; {latency_summary(load.stats)}")

        # Intake and reviews went on while verification and the ministry receiver were away.
        for outage in ("verification", "ministry"):
            calls = windows[outage]
            self.assertGreater(calls.get("submit-harbin", {}).get("OK", 0), 0, outage)
            self.assertGreater(calls.get("submit-main", {}).get("OK", 0), 0, outage)
            failed = {tag: {c: n for c, n in codes.items() if c != "OK"}
                      for tag, codes in calls.items()}
            self.assertEqual({t: c for t, c in failed.items() if c}, {}, outage)
        # While the shard was frozen, calls to it failed, all with a retryable code.
        shard = windows["shard"]
        self.assertEqual(shard.get("submit-harbin", {}).get("OK", 0), 0, shard)
        self.assertGreater(sum(shard.get("submit-harbin", {}).values()), 0, shard)
        # ...while the other shard's offices kept accepting.
        self.assertEqual(probe_code, grpc.StatusCode.OK,
                         "an application of the other shard's offices during Harbin's outage")

        # No caller waited past its deadline plus the margin.
        late = max(s - d for s, d in load.stats.error_latency)
        self.assertLessEqual(late, MARGIN_S, "an error came too long after the deadline")
        codes = set(load.stats.codes) - {"OK"}
        self.assertTrue(codes <= {grpc.StatusCode.UNAVAILABLE.name,
                                  grpc.StatusCode.DEADLINE_EXCEEDED.name}, codes)

        checker = Checker(cluster, load)
        converge = wait_until("the suite", checker.converged, timeout=600)
        figures = checker.check(self)
        log(f"FIGURES outage: N={N} outage_s={OUTAGE_S} deadline_s={DEADLINE_S} "
            f"max_error_after_deadline_s={late:.3f} converge_after_load_s={converge:.1f} "
            f"(load ended {recovered - t1:.1f} s after the last recovery) "
            f"shard_outage_calls={shard} {figures}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
