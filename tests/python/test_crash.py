"""Crash test (issue #10): kill -9 every service in turn under load; nothing lost, nothing doubled.

The whole suite runs as real processes (two registration shards, verification, the ministry
receiver, gateway, tiering, follow-up, statistics). Client threads submit UE_CRASH_N applications
(default 10,000) through the gateway, half from the portal and half forwarded by the ministry,
half to each shard, retrying UNAVAILABLE and DEADLINE_EXCEEDED with the same channel id (the
idempotent-intake contract); a fifth of the applications are reviewed at their shard (a third of
those accepted, the others rejected), so registrations reach tiering, follow-up and statistics
and ministry results go to the receiver. While the load runs, each service in turn is killed
with SIGKILL and restarted on the same port and data folder.

Afterwards, once everything pending has completed:
- every acknowledged application is stored exactly once (each shard's event feed: one
  ApplicationReceived per channel id, the set of ids equal to the acknowledged ones, gap-free
  sequences), every verification answer, decision and registration recorded exactly once;
- tiering holds one first profile per registration of the shard it reads (its own feed), follow-up
  one record per registration (ListDueFollowUps), statistics counts every registration once;
- the ministry receiver recorded each decided ministry application's result exactly once;
- every acknowledged application answers GetApplicationStatus through the gateway and
  GetApplicationByChannelId at its shard, with the id it was acknowledged with (issue #21).
A kill -9 keeps the kernel's page cache, so this test cannot see a lost fsync: that is the
power-loss test's job (test_power_loss.py).
Prints applications/s, restarts and time to converge.
"""

import os
import time
import unittest

from reliability import Checker, Cluster, Load, latency_summary, log, wait_until

N = int(os.environ.get("UE_CRASH_N", "10000"))
CONVERGE_S = float(os.environ.get("UE_CONVERGE_S", "600"))
THREADS = int(os.environ.get("UE_CRASH_THREADS", "8"))
VICTIMS = ("gateway", "person-index", "registration-harbin", "registration-main",
           "verification", "ministry", "tiering", "followup", "statistics")


class CrashTest(unittest.TestCase):
    def setUp(self):
        self.cluster = Cluster(keep=bool(os.environ.get("UE_KEEP_DATA"))).start()

    def tearDown(self):
        self.cluster.stop()

    def test_kill_every_service_under_load(self):
        cluster = self.cluster
        load = Load(cluster, N, threads=THREADS, run="K").start()
        downtime = []
        for k, name in enumerate(VICTIMS):
            # Spread the crashes over the load: crash k after (k+1)/(len+1) of it is acknowledged.
            load.wait_acked(N * (k + 1) // (len(VICTIMS) + 1))
            service = cluster[name]
            log(f"kill -9 {name} (pid {service.pid()}) at {load.acked} acknowledged")
            t0 = time.monotonic()
            service.kill()
            time.sleep(0.3)  # calls in flight fail; clients see UNAVAILABLE and retry
            service.restart()
            downtime.append(time.monotonic() - t0)
            log(f"{name} back on {service.address} after {downtime[-1]:.2f} s")
        load.join()
        rate = N / load.elapsed
        log(f"load: {N} applications in {load.elapsed:.1f} s = {rate:.0f} applications/s "
            f"({THREADS} client threads); {latency_summary(load.stats)}")

        checker = Checker(cluster, load)
        converge = wait_until("the suite", checker.converged, timeout=CONVERGE_S)
        figures = checker.check(self)
        restarts = sum(s.restarts for s in cluster.services.values())
        self.assertEqual(restarts, len(VICTIMS))
        log(f"FIGURES crash: N={N} applications/s={rate:.0f} restarts={restarts} "
            f"max_restart_s={max(downtime):.2f} converge_s={converge:.1f} {figures} "
            f"retried_attempts={sum(v for k, v in load.stats.codes.items() if k != 'OK')}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
