"""A feed that went backwards halts its consumer, with real processes (issue #22): registration (one
shard, hlj), the person index (a consumer of its feed, metrics on) and the gateway.

  1. Applications are taken; the person index applies registration's feed up to its head.
  2. registration.db is backed up online (ue_store_backup backup); more applications follow.
  3. registration is stopped, restored to the backup (ue_store_backup restore) and started: its
     feed went back below the index's cursor. The index halts that feed: metric
     ue_feed_consumer_halted 1, log line event=feed_halted, health entry
     unemployment.feed.registration/hlj NOT_SERVING, `uectl feed-status` HALTED and exit 1.
  4. A new application after the restore reuses sequence numbers the index applied before: the
     index applies nothing (its cursor does not move) and stays halted across its own restart.
  5. The rebuild: the index stopped, `uectl rebuild person-index --data-dir=...` (its database and
     feed checkpoints moved aside), started: it reads the restored feed from 0, is no longer
     halted and reaches the feed's head.

Run: ctest -R python_feed_restore_e2e (about 30 s).
"""

import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reliability import (BIN_DIR, CHANNEL_OPTIONS, PORTAL, SOURCE_DIR, Service, gw,  # noqa: E402
                         gw_grpc, log, resident_id)
import support  # noqa: E402
from support import free_port  # noqa: E402
from test_person_index_e2e import form  # noqa: E402
from grpc_health_v1 import health_pb2, health_pb2_grpc  # noqa: E402

FEED = "registration/hlj"


def metric(port, name, feed=FEED):
    """The value of `name{feed=...}` at the metrics listener on `port`, or None."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    for line in text.splitlines():
        if line.startswith(name + "{") and f'feed="{feed}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return None


def wait_for(what, predicate, timeout=60):
    return support.wait_for(predicate, what, timeout, interval=0.2)


class Cluster:
    def __init__(self):
        self.env = dict(os.environ,
                        UE_CALENDAR_DIR=os.path.join(SOURCE_DIR, "data/calendar"),
                        UE_REGIONS_DIR=os.path.join(SOURCE_DIR, "data/regions"),
                        UE_CONTACTS_DIR=os.path.join(SOURCE_DIR, "data/contacts"),
                        UE_PUBLIC_SERVICE_DIR=os.path.join(SOURCE_DIR, "data/public_service"))
        self._tmp = tempfile.TemporaryDirectory(prefix="ue-feed-restore-")
        self.tmp = self._tmp.name
        self.reg_metrics, self.index_metrics = free_port(), free_port()
        s = self.services = {}
        s["registration"] = Service(self, "registration", "registration",
                                    ["--shard_id=hlj", "--ministry_uploads=off",
                                     "--notification_delivery=off",
                                     f"--metrics_listen=127.0.0.1:{self.reg_metrics}"])
        s["person-index"] = Service(self, "person-index", "person_index",
                                    [lambda: f"--registration_shards=hlj={s['registration'].address}",
                                     f"--metrics_listen=127.0.0.1:{self.index_metrics}"])
        s["gateway"] = Service(self, "gateway", "gateway",
                               [lambda: f"--shards=hlj={s['registration'].address}",
                                lambda: f"--person_index_addr={s['person-index'].address}"])
        self.channel = None

    def start(self):
        for name in ("registration", "person-index", "gateway"):
            self.services[name].start()
        self.channel = grpc.insecure_channel(self.services["gateway"].address,
                                             options=CHANNEL_OPTIONS)
        return self

    def stop(self):
        if self.channel is not None:
            self.channel.close()
        for service in self.services.values():
            if service.proc is not None and service.proc.poll() is None:
                service.proc.terminate()
                service.proc.wait(timeout=20)
        self._tmp.cleanup()

    def submit(self, k):
        person = resident_id("230103", 7000 + k, 1)
        return gw_grpc.GatewayServiceStub(self.channel).SubmitApplication(
            gw.SubmitApplicationRequest(portal_application_id=f"230102R{k:09d}",
                                        form=form(person, "230102", "230100")),
            metadata=PORTAL, timeout=10).application.application_id

    def head(self):
        return metric(self.reg_metrics, "ue_feed_head_sequence")

    def index(self, name):
        return metric(self.index_metrics, name)

    def feed_health(self):
        """The person index's named health entry of the feed: SERVING unless it halted."""
        with grpc.insecure_channel(self.services["person-index"].address) as channel:
            return health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=f"unemployment.feed.{FEED}"),
                timeout=5).status

    def db(self, name, file):
        return os.path.join(self.tmp, name, file)

    def tool(self, *args):
        return subprocess.run([os.path.join(BIN_DIR, "ops", args[0]), *args[1:]],
                              capture_output=True, text=True, timeout=120)


class FeedRestoreEndToEnd(unittest.TestCase):
    def setUp(self):
        self.cluster = Cluster().start()

    def tearDown(self):
        self.cluster.stop()

    def test_restored_registration_halts_the_index_until_rebuilt(self):
        c = self.cluster
        for k in range(3):
            c.submit(k)
        wait_for("the index at the feed's head",
                 lambda: c.head() and c.index("ue_feed_consumer_cursor") == c.head())
        backup = os.path.join(c.tmp, "registration-backup.db")
        done = c.tool("ue_store_backup", "backup", c.db("registration", "registration.db"), backup)
        self.assertEqual(done.returncode, 0, done.stderr)
        backed_up_head = c.head()
        for k in range(3, 6):
            c.submit(k)
        wait_for("the index past the backup",
                 lambda: c.index("ue_feed_consumer_cursor") == c.head() > backed_up_head)
        cursor = c.index("ue_feed_consumer_cursor")
        log(f"backup at head {backed_up_head:.0f}; index cursor {cursor:.0f}")

        # Registration restored alone to the backup.
        code, _ = c.services["registration"].terminate()
        self.assertEqual(code, 0)
        restored = c.tool("ue_store_backup", "restore", backup,
                          c.db("registration", "registration.db"))
        self.assertEqual(restored.returncode, 0, restored.stderr)
        c.services["registration"].restart()
        self.assertEqual(c.head(), backed_up_head)
        wait_for("the index to halt", lambda: c.index("ue_feed_consumer_halted") == 1, timeout=30)
        # Health: the overall status serves (intake of other shards goes on), the feed's entry not.
        wait_for("the feed's health entry NOT_SERVING",
                 lambda: c.feed_health() == health_pb2.HealthCheckResponse.NOT_SERVING, timeout=15)
        status = c.tool("uectl", "feed-status",
                        f"--metrics=127.0.0.1:{c.reg_metrics},127.0.0.1:{c.index_metrics}")
        self.assertEqual(status.returncode, 1, status.stdout + status.stderr)
        self.assertRegex(status.stdout, r"person_index +registration/hlj .* HALTED")
        log("uectl feed-status:\n" + status.stdout)

        # New intake reuses the sequence numbers the index applied: nothing of it is applied.
        for k in range(6, 9):
            c.submit(k)
        wait_for("registration back at the index's old cursor", lambda: c.head() >= cursor)
        time.sleep(2)  # several re-checks of the halted feed
        self.assertEqual(c.index("ue_feed_consumer_cursor"), cursor)
        self.assertEqual(c.index("ue_feed_consumer_halted"), 1)
        # The halt survives a restart of the index. (Its log, written out once it stopped, has
        # the halt's line.)
        c.services["person-index"].terminate()

        def logged():
            with open(c.services["person-index"].log_path, encoding="utf-8") as f:
                return "event=feed_halted" in f.read()
        wait_for("the index's feed_halted line", logged, timeout=10)
        c.services["person-index"].restart()
        wait_for("the index halted after its restart",
                 lambda: c.index("ue_feed_consumer_halted") == 1, timeout=30)
        self.assertEqual(c.index("ue_feed_consumer_cursor"), cursor)

        # The rebuild (uectl rebuild: its database and checkpoints moved aside, the service
        # stopped): the index reads the restored feed from 0.
        c.services["person-index"].terminate()
        rebuilt = c.tool("uectl", "rebuild", "person-index",
                         f"--data-dir={os.path.join(c.tmp, 'person-index')}")
        self.assertEqual(rebuilt.returncode, 0, rebuilt.stdout + rebuilt.stderr)
        self.assertIn("person_index.db.before-rebuild-", rebuilt.stdout)
        c.services["person-index"].restart()
        wait_for("the rebuilt index at the feed's head",
                 lambda: c.index("ue_feed_consumer_halted") == 0
                 and c.index("ue_feed_consumer_cursor") == c.head())
        wait_for("the feed's health entry SERVING again",
                 lambda: c.feed_health() == health_pb2.HealthCheckResponse.SERVING, timeout=15)
        print(f"FIGURES feed restore: backup head {backed_up_head:.0f}, index cursor before "
              f"{cursor:.0f}, halted until rebuilt, rebuilt to {c.head():.0f}", flush=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
