"""Process-wide settings every service shares (common/server/service_main.cc), with real processes.

Clock: every service that keeps dates takes its "today" from the process clock. `--clock_start`
starts the process clock at a chosen instant (acceptance tests on chosen dates,
rehearsals of a month end). Statistics and tiering are started on 2025-01-10 (China) while the
machine's date is later: an omitted as_of must mean 2025-01-10, and a date after it must be refused
as lying in the future. Before the components took the injected clock, both silently used the
system clock and ignored the setting.

Data folder: a second process started on a live service's data folder refuses to start (two
writers of one SQLite record), and the folder is usable again once the first has exited.

Durability: --sqlite_synchronous below FULL is refused unless --allow_non_durable_storage says this
is a development or benchmark process, and then the service warns at start.

Backups: --backup_dir must be another folder than the data folder, and --backup_interval at least a
minute (the schedule itself: tests/common/server/backup_schedule_test.cc).
"""

import os
import subprocess
import tempfile
import threading
import unittest

import grpc

from suite import Suite, generate_client

SOURCE_DIR = os.environ["UE_SOURCE_DIR"]
BIN_DIR = os.environ["UE_BIN_DIR"]
generate_client(SOURCE_DIR)

from unemployment.statistics.v1 import statistics_service_pb2 as st  # noqa: E402
from unemployment.statistics.v1 import statistics_service_pb2_grpc as st_grpc  # noqa: E402
from unemployment.tiering.v1 import tiering_service_pb2 as ti  # noqa: E402
from unemployment.tiering.v1 import tiering_service_pb2_grpc as ti_grpc  # noqa: E402

CLOCK_START = "2025-01-10T10:00:00+08:00"
TODAY = "2025-01-10"
LATER = "2025-06-01"  # after the process clock's today, before the machine's
TIMEOUT = 15


class ClockStart(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(BIN_DIR, SOURCE_DIR)
        try:
            # No registration shard runs: the feed consumers retry in the background, which does
            # not stop either service from answering.
            statistics = cls.suite.start("statistics", "--tiering_addr=", "--followup_addr=",
                                         f"--clock_start={CLOCK_START}")
            tiering = cls.suite.start("tiering", f"--clock_start={CLOCK_START}")
        except Exception:
            cls.suite.stop()
            raise
        cls.statistics = st_grpc.StatisticsServiceStub(grpc.insecure_channel(statistics))
        cls.tiering = ti_grpc.TieringServiceStub(grpc.insecure_channel(tiering))

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()

    def test_statistics_today_is_the_process_clock(self):
        reply = self.statistics.GetUrbanRegisteredUnemployed(
            st.GetUrbanRegisteredUnemployedRequest(region_code="230000"), timeout=TIMEOUT)
        self.assertEqual(reply.as_of, TODAY)
        with self.assertRaises(grpc.RpcError) as caught:
            self.statistics.GetUrbanRegisteredUnemployed(
                st.GetUrbanRegisteredUnemployedRequest(region_code="230000", as_of=LATER),
                timeout=TIMEOUT)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def test_tiering_refuses_a_date_after_the_process_clock(self):
        def fulfilment(period_end):
            return self.tiering.GetPlanFulfilment(
                ti.GetPlanFulfilmentRequest(region_code="230100", period_start="2025-01-01",
                                            period_end=period_end), timeout=TIMEOUT)

        fulfilment(TODAY)
        with self.assertRaises(grpc.RpcError) as caught:
            fulfilment(LATER)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)


def run_briefly(binary, *args):
    """Runs a server that is expected to refuse to start; returns (exit code, output)."""
    done = subprocess.run([binary, "--listen=127.0.0.1:0", *args], capture_output=True, text=True,
                          timeout=30, env=Suite(BIN_DIR, SOURCE_DIR).env)
    return done.returncode, done.stdout + done.stderr


def start_and_stop(binary, *args):
    """Starts a server, waits for its start line, stops it (SIGTERM); returns everything it
    printed, the warnings before the start line included."""
    proc = subprocess.Popen([binary, "--listen=127.0.0.1:0", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=Suite(BIN_DIR, SOURCE_DIR).env)
    timer = threading.Timer(30, proc.kill)
    timer.start()
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if " listening on " in line:
                break
        proc.terminate()
        lines += proc.stdout.readlines()
        proc.wait(timeout=30)
    finally:
        timer.cancel()
        proc.stdout.close()
    return "".join(lines)


class DataFolderAndDurability(unittest.TestCase):
    VERIFICATION = os.path.join(BIN_DIR, "verification", "verification_server")

    def test_a_second_process_on_a_live_data_folder_is_refused(self):
        suite = Suite(BIN_DIR, SOURCE_DIR)
        try:
            suite.start("verification")
            folder = suite.data_dir("verification")
            code, output = run_briefly(self.VERIFICATION, f"--data_dir={folder}")
            self.assertEqual(code, 1, output)
            pid = suite.procs["verification"].pid
            self.assertIn(f"verification: error: data folder '{folder}' is in use by another live "
                          f"process (pid {pid}, lock {folder}/LOCK)", output)
            # kill -9 leaves no stale lock: the kernel drops it with the process.
            suite.kill("verification")
            suite.start("verification")
        finally:
            suite.stop()

    def test_storage_below_full_is_refused_unless_explicitly_allowed(self):
        with tempfile.TemporaryDirectory(prefix="ue-pytest-") as folder:
            code, output = run_briefly(self.VERIFICATION, f"--data_dir={folder}",
                                       "--sqlite_synchronous=OFF")
            self.assertEqual(code, 2, output)
            self.assertIn("setting --sqlite_synchronous=OFF would lose acknowledged writes on "
                          "power loss; use FULL, or set --allow_non_durable_storage=true", output)
        suite = Suite(BIN_DIR, SOURCE_DIR)
        try:
            suite.start("verification", "--sqlite_synchronous=NORMAL",
                        "--allow_non_durable_storage=true")
        finally:
            suite.stop()

    def test_the_refusal_covers_the_audit_log(self):
        # With security on the audit log (<data_dir>/audit.db) is opened with the same setting;
        # the refusal comes first, before any certificate or key is even looked at.
        with tempfile.TemporaryDirectory(prefix="ue-pytest-") as folder:
            code, output = run_briefly(self.VERIFICATION, f"--data_dir={folder}",
                                       f"--security_policy={SOURCE_DIR}/data/security/policy",
                                       "--sqlite_synchronous=NORMAL")
            self.assertEqual(code, 2, output)
            self.assertIn("setting --sqlite_synchronous=NORMAL would lose acknowledged writes on "
                          "power loss", output)
            self.assertFalse(os.path.exists(os.path.join(folder, "audit.db")), output)

    def test_non_durable_and_power_loss_storage_are_announced_loudly(self):
        with tempfile.TemporaryDirectory(prefix="ue-pytest-") as folder:
            output = start_and_stop(self.VERIFICATION, f"--data_dir={folder}",
                                    "--sqlite_synchronous=OFF", "--allow_non_durable_storage=true")
            self.assertIn("WARN verification event=storage_not_durable sqlite_synchronous=OFF "
                          "detail=\"--allow_non_durable_storage: an acknowledged write, the audit "
                          "log included, can be lost on power loss", output)
        with tempfile.TemporaryDirectory(prefix="ue-pytest-") as folder:
            output = start_and_stop(self.VERIFICATION, f"--data_dir={folder}",
                                    "--testing_power_loss_storage=true")
            self.assertIn("WARN verification event=testing_power_loss_storage "
                          "detail=\"TESTING ONLY: every database write is held", output)
            self.assertNotIn("storage_not_durable", output)

    def test_backups_go_to_another_folder_and_the_interval_has_a_floor(self):
        with tempfile.TemporaryDirectory(prefix="ue-pytest-") as folder:
            code, output = run_briefly(self.VERIFICATION, f"--data_dir={folder}",
                                       f"--backup_dir={folder}")
            self.assertEqual(code, 2, output)
            self.assertIn("verification: error: setting --backup_dir must be another folder than "
                          "--data_dir (another volume)", output)
            code, output = run_briefly(self.VERIFICATION, f"--data_dir={folder}/data",
                                       f"--backup_dir={folder}/backup", "--backup_interval=10s")
            self.assertEqual(code, 2, output)
            self.assertIn("verification: error: setting --backup_interval must be at least 1m",
                          output)


if __name__ == "__main__":
    unittest.main(verbosity=2)
