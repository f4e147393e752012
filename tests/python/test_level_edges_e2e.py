"""Unemployment levels on the Civil Code's month edges, end to end with real processes: registration
records five registrations on the days whose month arithmetic is hardest (31 January of a common
and of a leap year's neighbour, 29 February, 28 February of a common year, 30 April, 31 July), each
on its own day (registration restarted with --clock_start on that day, so the registered date is
the server's day of the decision), and tiering, reading registration's feed, answers GetLevel on
both sides of every boundary.

The rule (common/notice/level.h): a period of N months counted from the registered date ends on
the same-numbered day N months later, or on that month's last day when it has no such day (民法典
art. 201, 202); "以内" and "以上" include the number, so exactly one month is still short-term,
exactly three months still medium-short, exactly six months long-term.
"""

import datetime
import time
import unittest

import grpc

from suite import Suite
from support import BIN_DIR, SOURCE_DIR, TIMEOUT, registration_form
from test_codes_e2e import resident_id

from unemployment.common.v1 import codes_pb2  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2 as reg  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2_grpc as reg_grpc  # noqa: E402
from unemployment.tiering.v1 import tiering_service_pb2 as tie  # noqa: E402
from unemployment.tiering.v1 import tiering_service_pb2_grpc as tie_grpc  # noqa: E402

ST = codes_pb2.UNEMPLOYMENT_LEVEL_SHORT_TERM
MS = codes_pb2.UNEMPLOYMENT_LEVEL_MEDIUM_SHORT
ML = codes_pb2.UNEMPLOYMENT_LEVEL_MEDIUM_LONG
LT = codes_pb2.UNEMPLOYMENT_LEVEL_LONG_TERM

# Registered date -> (as_of, level) on both sides of the one-, three- and six-month edges.
EDGES = {
    "2024-01-31": [("2024-02-29", ST), ("2024-03-01", MS), ("2024-04-30", MS), ("2024-05-01", ML),
                   ("2024-07-30", ML), ("2024-07-31", LT)],
    "2024-02-29": [("2024-03-29", ST), ("2024-03-30", MS), ("2024-05-29", MS), ("2024-05-30", ML),
                   ("2024-08-28", ML), ("2024-08-29", LT)],
    "2025-02-28": [("2025-03-28", ST), ("2025-03-29", MS), ("2025-08-27", ML), ("2025-08-28", LT)],
    "2026-04-30": [("2026-05-30", ST), ("2026-05-31", MS), ("2026-07-30", MS), ("2026-07-31", ML),
                   ("2026-10-29", ML), ("2026-10-30", LT)],
    "2026-07-31": [("2026-08-31", ST), ("2026-09-01", MS), ("2026-10-31", MS), ("2026-11-01", ML),
                   ("2027-01-30", ML), ("2027-01-31", LT)],
}


def make_form(id_number, registered):
    day = datetime.date.fromisoformat(registered)
    return registration_form(
        id_number, unemployed_date=(day - datetime.timedelta(days=10)).isoformat(),
        signed_date=registered)


def eventually(call, what, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return call()
        except grpc.RpcError as error:
            retriable = (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNAVAILABLE)
            if error.code() not in retriable or time.monotonic() > deadline:
                raise AssertionError(f"{what}: {error.code()} {error.details()}") from error
        time.sleep(0.1)


class LevelEdgesEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(BIN_DIR, SOURCE_DIR)
        cls.registered = {}  # registered date -> registration id
        address = "127.0.0.1:0"
        for serial, day in enumerate(sorted(EDGES), start=1):
            # Each registration on its own day: registration restarted on the same data and port.
            if address != "127.0.0.1:0":
                cls.suite.kill("registration")
            address = cls.suite.start("registration", f"--clock_start={day}T10:00:00+08:00",
                                      listen=address)
            stub = reg_grpc.RegistrationServiceStub(grpc.insecure_channel(address))
            application = eventually(lambda: stub.CreateApplication(reg.CreateApplicationRequest(
                channel=codes_pb2.CHANNEL_PROVINCE_PORTAL,
                channel_application_id=f"230102L{serial:04d}",
                form=make_form(resident_id(serial), day), office_region_code="230102"),
                timeout=TIMEOUT).application, f"application on {day}")
            decided = stub.ReviewApplication(reg.ReviewApplicationRequest(
                application_id=application.id, request_id=f"level-{serial}",
                outcome=codes_pb2.REVIEW_OUTCOME_ACCEPTED, reviewer="审核员李四"),
                timeout=TIMEOUT)
            assert decided.registration.registered_date == day, decided.registration
            cls.registered[day] = decided.registration.id
        cls.tiering_addr = cls.suite.start("tiering", f"--registration_addr={address}",
                                           "--clock_start=2027-02-01T10:00:00+08:00")
        cls.tiering = tie_grpc.TieringServiceStub(grpc.insecure_channel(cls.tiering_addr))

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()

    def test_levels_on_every_edge(self):
        for day, cases in EDGES.items():
            rid = self.registered[day]
            for as_of, expected in cases:
                answer = eventually(lambda: self.tiering.GetLevel(
                    tie.GetLevelRequest(registration_id=rid, as_of=as_of), timeout=TIMEOUT),
                    f"GetLevel({day}, {as_of})")
                self.assertEqual(answer.registered_date, day)
                self.assertEqual(answer.level, expected,
                                 f"registered {day}, as of {as_of}: "
                                 f"{codes_pb2.UnemploymentLevel.Name(answer.level)}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
