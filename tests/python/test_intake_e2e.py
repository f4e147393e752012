"""Intake end to end with real processes and a Python client generated from proto/.

Two registration shards (Harbin and the rest of the province), a gateway routing between them by
the registration location, and the reference ministry receiver. Covers: portal and ministry
applications routed by region, resubmission with the same id, the same id with other content,
the other channel's method refused, review accept and reject, a second application by a
registered person, the event feed resumed after a given sequence, and ministry results delivered
exactly once although the receiver was down when the decision was made.
"""

import copy
import os
import sqlite3
import time
import unittest

import grpc

from suite import Suite
from support import BIN_DIR, MINISTRY, PORTAL, SOURCE_DIR, TIMEOUT, error_details, make_form

from unemployment.common.v1 import codes_pb2  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2 as gw  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2_grpc as gw_grpc  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2 as reg  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2_grpc as reg_grpc  # noqa: E402


class IntakeEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(BIN_DIR, SOURCE_DIR)
        cls.ministry_addr = cls.suite.start("ministry", binary_name="ministry_receiver")
        common = [f"--ministry_feedback_addr={cls.ministry_addr}"]
        # The Harbin shard's business clock starts on Friday 2025-09-26, just before the National
        # Day week (holidays 1-8 October, make-up working days Sunday 28 September and Saturday
        # 11 October), so its 7-working-day deadline crosses them.
        cls.harbin_addr = cls.suite.start("registration-harbin", "--shard_id=harbin",
                                          "--clock_start=2025-09-26T09:00:00+08:00",
                                          *common, binary_name="registration")
        cls.main_addr = cls.suite.start("registration-main", "--shard_id=main", *common,
                                        binary_name="registration")
        cls.index_addr = cls.suite.start_person_index(
            f"main={cls.main_addr},harbin={cls.harbin_addr}")
        cls.gateway_addr = cls.suite.start(
            "gateway", f"--shards=main={cls.main_addr},harbin={cls.harbin_addr}",
            f"--person_index_addr={cls.index_addr}",
            f"--routing_table={SOURCE_DIR}/data/routing/two-shards.csv")
        cls.gateway = gw_grpc.GatewayServiceStub(grpc.insecure_channel(cls.gateway_addr))
        cls.harbin = reg_grpc.RegistrationServiceStub(grpc.insecure_channel(cls.harbin_addr))
        cls.main = reg_grpc.RegistrationServiceStub(grpc.insecure_channel(cls.main_addr))

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()

    def submit(self, portal_id, form):
        return self.gateway.SubmitApplication(
            gw.SubmitApplicationRequest(portal_application_id=portal_id, form=form),
            metadata=PORTAL, timeout=TIMEOUT).application

    def forward(self, ministry_id, form):
        return self.gateway.ForwardApplication(
            gw.ForwardApplicationRequest(ministry_application_id=ministry_id, form=form),
            metadata=MINISTRY, timeout=TIMEOUT).application

    def review(self, stub, application_id, outcome, reason="", request_id=None):
        return stub.ReviewApplication(reg.ReviewApplicationRequest(
            application_id=application_id, request_id=request_id or f"rv-{application_id}",
            outcome=outcome, reason=reason, reviewer="审核员李四",
            rejection_reason=(codes_pb2.REJECTION_REASON_INCOMPLETE_NOT_COMPLETED
                              if outcome == codes_pb2.REVIEW_OUTCOME_REJECTED else 0),
            residence_urban_rural_class="111"), timeout=TIMEOUT)

    def events(self, stub, after):
        replies = stub.StreamEvents(reg.StreamEventsRequest(after_sequence=after, stop_at_end=True),
                                    timeout=TIMEOUT)
        return [r.event for r in replies]

    def test_1_routing_idempotency_and_channels(self):
        harbin_form = make_form("34052419800101001X", "230102", "230100")
        try:
            app = self.submit("230102P0001", harbin_form)
        except grpc.RpcError as error:
            self.fail(f"valid form refused: {error.code()} {error_details(error)}")
        self.assertTrue(app.application_id.startswith("harbin-"), app.application_id)
        self.assertEqual(app.office_region_code, "230102")
        # Received Fri 26 Sep; working days: Sun 28 Sep (make-up), Mon 29, Tue 30 Sep, then after
        # the holidays Thu 9, Fri 10, Sat 11 Oct (make-up) and Mon 13 Oct, the 7th.
        self.assertEqual(app.due_date, "2025-10-13")

        qiqihar_form = make_form("410326199507103197", "230202", "230200", name="王五")
        forwarded = self.forward("MZ2025000001", qiqihar_form)
        self.assertTrue(forwarded.application_id.startswith("main-"), forwarded.application_id)

        # Resubmission with the same id and content: the same application, nothing new.
        again = self.submit("230102P0001", harbin_form)
        self.assertEqual(again.application_id, app.application_id)

        # The same id with other content is refused with a reason.
        changed = copy.deepcopy(harbin_form)
        changed.name = "张三丰"
        with self.assertRaises(grpc.RpcError) as caught:
            self.submit("230102P0001", changed)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.ALREADY_EXISTS)
        self.assertEqual(error_details(caught.exception)[0], "APPLICATION_ID_REUSED")

        # The portal may not call the ministry's method.
        with self.assertRaises(grpc.RpcError) as caught:
            self.gateway.ForwardApplication(
                gw.ForwardApplicationRequest(ministry_application_id="MZ2025000009",
                                             form=qiqihar_form),
                metadata=PORTAL, timeout=TIMEOUT)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.PERMISSION_DENIED)

        # Bad input lists every violation.
        bad = copy.deepcopy(harbin_form)
        bad.person_id.id_number = "340524198001010013"
        bad.contact.mobile = "12345"
        bad.commitment.agreed = False
        with self.assertRaises(grpc.RpcError) as caught:
            self.submit("230102P0002", bad)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        fields = error_details(caught.exception)[1]
        for field in ("form.person_id.id_number", "form.contact.mobile", "form.commitment.agreed"):
            self.assertIn(field, fields)

        # Status look-up by channel id.
        status = self.gateway.GetApplicationStatus(gw.GetApplicationStatusRequest(
            channel=codes_pb2.CHANNEL_MINISTRY, channel_application_id="MZ2025000001"),
            metadata=MINISTRY, timeout=TIMEOUT).application
        self.assertEqual(status.application_id, forwarded.application_id)

        type(self).harbin_app = app.application_id
        type(self).ministry_app = forwarded.application_id

    def test_2_review_second_application_and_feed(self):
        queue = self.harbin.ListReviewQueue(reg.ListReviewQueueRequest(
            office_region_code="230102", kind=reg.REVIEW_QUEUE_KIND_PROVINCE, page_size=10),
            timeout=TIMEOUT)
        self.assertEqual([e.application.id for e in queue.entries], [self.harbin_app])
        accepted = self.review(self.harbin, self.harbin_app, codes_pb2.REVIEW_OUTCOME_ACCEPTED)
        self.assertTrue(accepted.registration.id)

        # A registered person applying again gets no second application, and is told why. The
        # person index learns the acceptance from the shard's feed (milliseconds): until then the
        # refusal names the undecided application.
        deadline = time.monotonic() + 10
        while True:
            with self.assertRaises(grpc.RpcError) as caught:
                self.submit("230102P0003", make_form("34052419800101001X", "230102", "230100"))
            self.assertEqual(caught.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
            reason = error_details(caught.exception)[0]
            if reason != "PENDING_APPLICATION_EXISTS" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(reason, "ACTIVE_REGISTRATION_EXISTS")

        # The event feed in order, and resumed after a given sequence (as a restarted consumer).
        all_events = self.events(self.harbin, 0)
        sequences = [e.sequence for e in all_events]
        self.assertEqual(sequences, sorted(sequences))
        self.assertTrue(any(e.HasField("registration_created") for e in all_events))
        resumed = self.events(self.harbin, sequences[1])
        self.assertEqual([e.sequence for e in resumed], sequences[2:])

    def test_3_ministry_result_delivered_once_after_outage(self):
        # The ministry platform goes down before the decision is made.
        self.suite.kill("ministry")
        rejected = self.review(self.main, self.ministry_app, codes_pb2.REVIEW_OUTCOME_REJECTED,
                               reason="材料不全，请补充")
        self.assertEqual(rejected.application.state, codes_pb2.APPLICATION_STATE_REJECTED)
        time.sleep(1.5)  # at least one delivery attempt fails while the receiver is down
        self.suite.start("ministry", binary_name="ministry_receiver", listen=self.ministry_addr)
        db = os.path.join(self.suite.data_dir("ministry"), "ministry_receiver.db")
        deadline = time.monotonic() + 60
        rows = []
        while time.monotonic() < deadline:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                rows = conn.execute("SELECT ministry_application_id FROM results").fetchall()
            if rows:
                break
            time.sleep(0.2)
        self.assertEqual(rows, [("MZ2025000001",)])
        # Later retries (if any) must not add a second record.
        time.sleep(1)
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            count = conn.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        self.assertEqual(count, 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
