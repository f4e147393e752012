"""Disk-full drill with a real process on a size-capped volume (deploy/README.md, Disk full).

The person index runs with its data folder on a 6 MiB tmpfs. A filler file takes all but a little
of the space; reservations (one row each, plus the person's claim) are written until the volume is
full. Then:
  - the write that finds no space is refused cleanly: RESOURCE_EXHAUSTED or UNAVAILABLE with an
    ErrorInfo of the suite's domain, and nothing of it is stored (GetReservation: NOT_FOUND);
  - every reservation acknowledged before is there, and reads keep working;
  - when space returns (the filler removed) the same request succeeds without a restart, once;
  - after a clean stop the database passes PRAGMA integrity_check and holds exactly the
    acknowledged rows.
With --backup_dir on a second, roomy folder the service also took its first backup set at start.

Needs root to mount the tmpfs; skipped otherwise (and where mount fails, e.g. in an unprivileged
container).
"""

import os
import sqlite3
import subprocess
import tempfile
import unittest

import grpc

from suite import Suite, generate_client, resident_id

SOURCE_DIR = os.environ["UE_SOURCE_DIR"]
BIN_DIR = os.environ["UE_BIN_DIR"]
generate_client(SOURCE_DIR)

from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from unemployment.common.v1 import codes_pb2, form_pb2  # noqa: E402
from unemployment.personindex.v1 import person_index_service_pb2 as pi  # noqa: E402
from unemployment.personindex.v1 import person_index_service_pb2_grpc as pi_grpc  # noqa: E402

TIMEOUT = 10
VOLUME_BYTES = 6 * 1024 * 1024
LEFT_FREE = 96 * 1024  # what the filler leaves: a few dozen pages of WAL


def error_info(error):
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info
    return None


def reserve_request(n):
    person = form_pb2.PersonId(id_type=codes_pb2.ID_TYPE_RESIDENT_ID_CARD,
                               id_number=resident_id("230103", f"1980{1 + n // 900 % 12:02d}"
                                                     f"{1 + n // 30 % 28:02d}", n % 900 + 100))
    return pi.ReserveRequest(channel=codes_pb2.CHANNEL_PROVINCE_PORTAL,
                             channel_application_id=f"DISKFULL-{n:06d}",
                             fingerprint=f"{n:064x}", person_id=person, shard="main",
                             office_region_code="230103")


@unittest.skipUnless(os.geteuid() == 0, "mounting a size-capped tmpfs needs root")
class DiskFull(unittest.TestCase):
    def setUp(self):
        self.top = tempfile.TemporaryDirectory(prefix="ue-diskfull-")
        self.volume = os.path.join(self.top.name, "volume")
        os.mkdir(self.volume)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={VOLUME_BYTES},mode=0755",
                                  "tmpfs", self.volume], capture_output=True, text=True)
        if mounted.returncode != 0:
            self.top.cleanup()
            self.skipTest(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
        self.suite = None

    def tearDown(self):
        if self.suite is not None:
            self.suite.stop()
        subprocess.run(["umount", self.volume], check=False)
        self.top.cleanup()

    def test_full_volume_refuses_writes_cleanly_and_recovers(self):
        data_dir = os.path.join(self.volume, "data")
        backup_dir = os.path.join(self.top.name, "backup")
        self.suite = Suite(BIN_DIR, SOURCE_DIR)
        address = self.suite.start(
            "person_index", "--registration_shards=main=127.0.0.1:1", f"--data_dir={data_dir}",
            f"--backup_dir={backup_dir}", binary_name="person_index")
        index = pi_grpc.PersonIndexServiceStub(grpc.insecure_channel(address))
        index.Reserve(reserve_request(0), timeout=TIMEOUT)

        stat = os.statvfs(self.volume)
        free = stat.f_bavail * stat.f_frsize
        filler = os.path.join(self.volume, "filler")
        with open(filler, "wb") as f:
            os.posix_fallocate(f.fileno(), 0, max(free - LEFT_FREE, 0))

        acknowledged = [0]
        refused = None
        for n in range(1, 5000):
            try:
                index.Reserve(reserve_request(n), timeout=TIMEOUT)
                acknowledged.append(n)
            except grpc.RpcError as error:
                refused = (n, error)
                break
        self.assertIsNotNone(refused, "the volume never filled up")
        n, error = refused
        self.assertIn(error.code(), (grpc.StatusCode.RESOURCE_EXHAUSTED,
                                     grpc.StatusCode.UNAVAILABLE), error.details())
        info = error_info(error)
        self.assertIsNotNone(info, "the refusal carries no ErrorInfo")
        self.assertEqual(info.domain, "unemployment.hrss.gov.cn")
        self.assertRegex(info.reason, r"^[A-Z][A-Z0-9_]+$")
        print(f"volume full after {len(acknowledged)} reservations: {error.code().name} "
              f"{info.reason}")

        # Nothing of the refused write, everything acknowledged; reads still answer.
        with self.assertRaises(grpc.RpcError) as caught:
            index.GetReservation(pi.GetReservationRequest(
                channel=codes_pb2.CHANNEL_PROVINCE_PORTAL,
                channel_application_id=f"DISKFULL-{n:06d}"), timeout=TIMEOUT)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.NOT_FOUND)
        for k in (acknowledged[0], acknowledged[len(acknowledged) // 2], acknowledged[-1]):
            index.GetReservation(pi.GetReservationRequest(
                channel=codes_pb2.CHANNEL_PROVINCE_PORTAL,
                channel_application_id=f"DISKFULL-{k:06d}"), timeout=TIMEOUT)

        # Space back: the same request succeeds, once; new ones too; no restart.
        os.remove(filler)
        reply = index.Reserve(reserve_request(n), timeout=TIMEOUT)
        self.assertTrue(reply.created)
        self.assertFalse(index.Reserve(reserve_request(n), timeout=TIMEOUT).created)
        acknowledged.append(n)
        for k in range(n + 1, n + 20):
            index.Reserve(reserve_request(k), timeout=TIMEOUT)
            acknowledged.append(k)

        self.suite.stop()
        self.suite = None
        db = sqlite3.connect(os.path.join(data_dir, "person_index.db"))
        self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        ids = {row[0] for row in db.execute(
            "SELECT channel_application_id FROM reservations WHERE channel_application_id "
            "LIKE 'DISKFULL-%'")}
        self.assertEqual(ids, {f"DISKFULL-{k:06d}" for k in acknowledged})
        db.close()
        sets = [s for s in os.listdir(backup_dir) if s.startswith("person_index-")]
        self.assertEqual(len(sets), 1, sets)


if __name__ == "__main__":
    unittest.main(verbosity=2)
