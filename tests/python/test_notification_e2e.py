"""Feedback that reaches people, end to end with real processes (issue 16).

Registration wired to the reference ministry receiver and to the reference notification receiver
(the stand-in for the province SMS platform and portal), whose port is chosen first and which is
started only later. Shows: a decision's SMS and online reply stay PENDING while the receiver is
down (attempts counted, last error kept, listed as undelivered for the office with their age), are
delivered exactly once when it comes up and only then DELIVERED; a deregistration of a person whose
latest contact attempt failed sends nothing and records the rule; registration refuses to start
without its outbound receivers unless told they are off. Runtime about 11 s.
"""

import os
import sqlite3
import subprocess
import time
import unittest

import grpc

from suite import Suite
from support import (BIN_DIR, SOURCE_DIR, TIMEOUT, address, end_server, free_port,
                     registration_form, start_server)

from grpc_health_v1 import health_pb2, health_pb2_grpc  # noqa: E402
from unemployment.common.v1 import codes_pb2  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2 as reg  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2_grpc as reg_grpc  # noqa: E402

def make_form(id_number, mobile="13800138000"):
    return registration_form(id_number, household=address(urban_rural_class=""), mobile=mobile)


class NotificationEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(BIN_DIR, SOURCE_DIR)
        ministry = cls.suite.start("ministry_receiver")
        cls.notice_port = free_port()
        cls.registration_addr = cls.suite.start(
            "registration", f"--ministry_feedback_addr={ministry}",
            f"--notification_receiver_addr=127.0.0.1:{cls.notice_port}")
        cls.registration = reg_grpc.RegistrationServiceStub(
            grpc.insecure_channel(cls.registration_addr))

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()

    def notices(self, application_id):
        return self.registration.ListNotifications(
            reg.ListNotificationsRequest(application_id=application_id),
            timeout=TIMEOUT).notifications

    def received(self):
        db = os.path.join(self.suite.data_dir("notification_receiver"), "notification_receiver.db")
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT notification_id, channel, recipient FROM notices").fetchall()

    def register(self, channel_id, id_number):
        app = self.registration.CreateApplication(reg.CreateApplicationRequest(
            channel=codes_pb2.CHANNEL_PROVINCE_PORTAL, channel_application_id=channel_id,
            form=make_form(id_number), office_region_code="230102"), timeout=TIMEOUT).application
        decided = self.registration.ReviewApplication(reg.ReviewApplicationRequest(
            application_id=app.id, request_id=f"rv-{app.id}",
            outcome=codes_pb2.REVIEW_OUTCOME_ACCEPTED, reviewer="审核员李四",
            residence_urban_rural_class="111"), timeout=TIMEOUT)
        return app, decided.registration

    def test_1_receiver_down_then_up_delivers_exactly_once(self):
        app, _ = self.register("230102P0001", "34052419800101001X")
        # The receiver is down: attempts fail and are retried with back-off (1 s, 2 s, ...).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            notes = self.notices(app.id)
            if all(n.attempt_count >= 2 for n in notes):
                break
            time.sleep(0.2)
        notes = self.notices(app.id)
        self.assertEqual(len(notes), 2)
        self.assertEqual({n.method for n in notes},
                         {reg.NOTIFICATION_METHOD_SMS, reg.NOTIFICATION_METHOD_ONLINE_REPLY})
        for n in notes:
            self.assertEqual(n.delivery_state, reg.DELIVERY_STATE_PENDING)
            self.assertGreaterEqual(n.attempt_count, 2)
            self.assertTrue(n.last_error.startswith("UNAVAILABLE"), n.last_error)
        # The office sees what has not reached its people, with age and last error; another
        # city's office sees nothing.
        backlog = self.registration.ListUndeliveredNotifications(
            reg.ListUndeliveredNotificationsRequest(region_code="230102"), timeout=TIMEOUT)
        self.assertEqual(backlog.total_size, 2)
        self.assertTrue(all(u.age_seconds >= 1 and u.notification.last_error
                            for u in backlog.notifications))
        other = self.registration.ListUndeliveredNotifications(
            reg.ListUndeliveredNotificationsRequest(region_code="230200"), timeout=TIMEOUT)
        self.assertEqual(other.total_size, 0)

        # The receiver comes up on the configured port: delivered, once each, then DELIVERED.
        self.suite.start("notification_receiver", listen=f"127.0.0.1:{self.notice_port}")
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if all(n.delivery_state == reg.DELIVERY_STATE_DELIVERED for n in self.notices(app.id)):
                break
            time.sleep(0.2)
        notes = self.notices(app.id)
        for n in notes:
            self.assertEqual(n.delivery_state, reg.DELIVERY_STATE_DELIVERED)
            self.assertTrue(n.HasField("delivered_time"))
        received = self.received()
        ids = [r[0] for r in received]
        self.assertEqual(sorted(ids), sorted(n.id for n in notes))  # each exactly once
        self.assertIn("138****8000", [r[2] for r in received])  # the mobile is kept masked
        self.assertEqual(self.registration.ListUndeliveredNotifications(
            reg.ListUndeliveredNotificationsRequest(region_code="230000"),
            timeout=TIMEOUT).total_size, 0)

    def test_2_unreachable_person_gets_no_deregistration_notice(self):
        app, registration = self.register("230102P0002", "340524198001010036")
        before = len(self.notices(app.id))
        ended = self.registration.Deregister(reg.DeregisterRequest(
            registration_id=registration.id, request_id="dereg-unreachable",
            reason=codes_pb2.DEREGISTRATION_REASON_HIRED, actor="service:followup",
            contact_state=reg.CONTACT_STATE_UNREACHABLE), timeout=TIMEOUT).registration
        d = ended.deregistration
        self.assertFalse(d.person_notified)
        self.assertEqual(d.notice_rule, reg.DEREGISTRATION_NOTICE_RULE_UNREACHABLE)
        notes = self.notices(app.id)
        self.assertEqual(len(notes), before)
        self.assertNotIn(reg.NOTIFICATION_KIND_REGISTRATION_DEREGISTERED, [n.kind for n in notes])
        # A reachable person with the same reason is notified.
        app3, registration3 = self.register("230102P0003", "340524198001010052")
        ended3 = self.registration.Deregister(reg.DeregisterRequest(
            registration_id=registration3.id, request_id="dereg-reachable",
            reason=codes_pb2.DEREGISTRATION_REASON_HIRED, actor="service:followup",
            contact_state=reg.CONTACT_STATE_REACHABLE), timeout=TIMEOUT).registration
        self.assertEqual(ended3.deregistration.notice_rule, reg.DEREGISTRATION_NOTICE_RULE_SENT)
        self.assertIn(reg.NOTIFICATION_KIND_REGISTRATION_DEREGISTERED,
                      [n.kind for n in self.notices(app3.id)])

    def test_3_refuses_to_start_without_receivers_unless_told(self):
        binary = os.path.join(BIN_DIR, "registration", "registration_server")
        base = [binary, "--listen=127.0.0.1:0",
                f"--data_dir={self.suite.data_dir('registration-refused')}"]
        refused = subprocess.run(base, env=self.suite.env, capture_output=True, text=True,
                                 timeout=30)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("--ministry_feedback_addr is required", refused.stdout + refused.stderr)
        refused = subprocess.run(base + ["--ministry_uploads=off"], env=self.suite.env,
                                 capture_output=True, text=True, timeout=30)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("--notification_receiver_addr is required", refused.stdout + refused.stderr)

    def test_4_development_mode_shows_in_health_details_and_log(self):
        health = health_pb2_grpc.HealthStub(grpc.insecure_channel(self.registration_addr))
        for name in ("unemployment.registration.ministry_uploads",
                     "unemployment.registration.notification_delivery"):
            self.assertEqual(health.Check(health_pb2.HealthCheckRequest(service=name),
                                          timeout=TIMEOUT).status,
                             health_pb2.HealthCheckResponse.SERVING, name)
        binary = os.path.join(BIN_DIR, "registration", "registration_server")
        proc, address, log = start_server(
            [binary, "--listen=127.0.0.1:0", f"--data_dir={self.suite.data_dir('registration-dev')}",
             "--ministry_uploads=off", "--notification_delivery=off"], self.suite.env)
        try:
            self.assertIn("DEVELOPMENT_MODE_ministry_uploads_off", log)
            self.assertIn("DEVELOPMENT_MODE_notification_delivery_off", log)
            dev = health_pb2_grpc.HealthStub(grpc.insecure_channel(address))
            self.assertEqual(dev.Check(health_pb2.HealthCheckRequest(), timeout=TIMEOUT).status,
                             health_pb2.HealthCheckResponse.SERVING)
            for name in ("unemployment.registration.ministry_uploads",
                         "unemployment.registration.notification_delivery"):
                self.assertEqual(dev.Check(health_pb2.HealthCheckRequest(service=name),
                                           timeout=TIMEOUT).status,
                                 health_pb2.HealthCheckResponse.NOT_SERVING, name)
        finally:
            end_server(proc)


if __name__ == "__main__":
    unittest.main(verbosity=2)
