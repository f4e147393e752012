"""Rejection reason codes and recomputed provisional deadlines, end to end with real processes.

Registration (wired to the reference ministry and notification receivers) and statistics reading
its feed, both on an injected clock (--clock_start: Monday 2026-12-28 09:00 China time, when the
shipped calendar covers 2025-2026 only), with registration's calendar folder a copy of data/calendar.

1. A rejection without a code, or OTHER without its text, is INVALID_ARGUMENT naming the field; a
   rejection with each of the ten codes is stored with its code, shown by GetApplication, sent to
   the applicant as the code's Chinese label plus the detail and, for a ministry-forwarded
   application, uploaded to the ministry with the code; statistics' GetFlows breaks the period's
   rejections down by code (one per code).
2. An application received on 2026-12-28 gets a provisional due date (7 working days reach 2027:
   weekends only -> 2027-01-06). A synthetic 2027 calendar file (New Year's Day a holiday) is
   dropped into the folder and registration gets SIGHUP: the due date becomes 2027-01-07, no longer
   provisional, an ApplicationDeadlineRecomputed event is on the feed and one log line without
   personal data names it; a restart writes nothing more (idempotent); statistics, restarted on
   2027-01-08, no longer counts the application as overdue on 2027-01-07.
No sleeping for dates: the dates come from the clock; waits are bounded polls for asynchronous
delivery and feed consumption. Runtime about 10 s.
"""

import os
import shutil
import signal
import sqlite3
import tempfile
import time
import unittest

import grpc

import suite
from suite import Suite
from support import (BIN_DIR, SOURCE_DIR, TIMEOUT, address, field_violations, registration_form,
                     wait_for)

from unemployment.common.v1 import codes_pb2  # noqa: E402
from unemployment.registration.v1 import ministry_feedback_service_pb2 as mfs  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2 as reg  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2_grpc as reg_grpc  # noqa: E402
from unemployment.statistics.v1 import statistics_service_pb2 as st  # noqa: E402
from unemployment.statistics.v1 import statistics_service_pb2_grpc as st_grpc  # noqa: E402

CLOCK_START = "2026-12-28T09:00:00+08:00"  # Monday
LATER_CLOCK = "2027-01-08T09:00:00+08:00"

LABELS = {
    codes_pb2.REJECTION_REASON_IDENTITY_NOT_CONFIRMED: "身份信息核验未通过",
    codes_pb2.REJECTION_REASON_EMPLOYED: "已就业（已参加社会保险或有劳动用工备案）",
    codes_pb2.REJECTION_REASON_BUSINESS_REGISTERED: "已办理工商注册登记",
    codes_pb2.REJECTION_REASON_RECEIVING_PENSION: "已享受基本养老保险待遇",
    codes_pb2.REJECTION_REASON_FULL_TIME_STUDENT: "全日制在校学生",
    codes_pb2.REJECTION_REASON_BELOW_WORKING_AGE: "未达到法定劳动年龄",
    codes_pb2.REJECTION_REASON_ABOVE_WORKING_AGE: "超过法定劳动年龄",
    codes_pb2.REJECTION_REASON_INCOMPLETE_NOT_COMPLETED: "申请材料不全且未在规定时间内补正",
    codes_pb2.REJECTION_REASON_DUPLICATE_APPLICATION: "重复申请",
    codes_pb2.REJECTION_REASON_OTHER: "其他",
}

# The code used for the ministry-forwarded rejection (the others come through the portal).
MINISTRY_CODE = codes_pb2.REJECTION_REASON_EMPLOYED

def resident_id(serial):
    """A valid GB 11643 number of a man born 1980-01-01 in 340524 (serial 1..499)."""
    return suite.resident_id("340524", "19800101", serial * 2 + 1)


def make_form(id_number, ministry=False):
    return registration_form(
        id_number, residence=address(urban_rural_class="" if ministry else "111"),
        household=address(urban_rural_class=""), unemployed_date="2026-11-30",
        signed_date="2026-12-01")


def violations(error):
    return {v.field: v.description.split(":")[0] for v in field_violations(error)}


class CodesEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.calendar_dir = tempfile.mkdtemp(prefix="ue-calendar-")
        for name in os.listdir(os.path.join(SOURCE_DIR, "data/calendar")):
            if name.endswith(".csv"):
                shutil.copy(os.path.join(SOURCE_DIR, "data/calendar", name), cls.calendar_dir)
        cls.suite = Suite(BIN_DIR, SOURCE_DIR)
        ministry = cls.suite.start("ministry_receiver")
        notices = cls.suite.start("notification_receiver")
        cls.registration_args = [
            f"--ministry_feedback_addr={ministry}", f"--notification_receiver_addr={notices}",
            f"--calendar_dir={cls.calendar_dir}", f"--clock_start={CLOCK_START}",
            # Only start-up and SIGHUP re-read the folder, so the test decides when.
            "--calendar_check_interval=0"]
        cls.registration_addr = cls.suite.start("registration", *cls.registration_args)
        cls.registration = reg_grpc.RegistrationServiceStub(
            grpc.insecure_channel(cls.registration_addr))
        cls.start_statistics(CLOCK_START)

    @classmethod
    def start_statistics(cls, clock_start):
        addr = cls.suite.start("statistics", f"--registration_addr={cls.registration_addr}",
                               f"--clock_start={clock_start}")
        cls.statistics = st_grpc.StatisticsServiceStub(grpc.insecure_channel(addr))

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()
        shutil.rmtree(cls.calendar_dir, ignore_errors=True)

    def create(self, channel_id, serial, ministry=False):
        return self.registration.CreateApplication(reg.CreateApplicationRequest(
            channel=codes_pb2.CHANNEL_MINISTRY if ministry else codes_pb2.CHANNEL_PROVINCE_PORTAL,
            channel_application_id=channel_id, form=make_form(resident_id(serial), ministry),
            office_region_code="230102"), timeout=TIMEOUT).application

    def reject(self, app_id, request_id, code, detail=""):
        return self.registration.ReviewApplication(reg.ReviewApplicationRequest(
            application_id=app_id, request_id=request_id, outcome=codes_pb2.REVIEW_OUTCOME_REJECTED,
            rejection_reason=code, reason=detail, reviewer="审核员李四"), timeout=TIMEOUT)

    def last_sequence(self):
        # The feed head: replay from the start up to the end of the feed (after a restart of
        # registration the channel's old connection may answer UNAVAILABLE once: retried).
        for attempt in range(20):
            try:
                last = 0
                for reply in self.registration.StreamEvents(
                        reg.StreamEventsRequest(after_sequence=0, stop_at_end=True),
                        timeout=TIMEOUT, wait_for_ready=True):
                    last = reply.event.sequence
                return last
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.UNAVAILABLE or attempt == 19:
                    raise
                time.sleep(0.1)

    def statistics_caught_up(self):
        head = self.last_sequence()

        def caught_up():
            status = self.statistics.GetFeedStatus(st.GetFeedStatusRequest(), timeout=TIMEOUT)
            return any(c.last_applied_sequence >= head for c in status.cursors)
        wait_for(caught_up, f"statistics to apply the feed up to {head}")

    def test_1_rejection_codes_and_breakdown(self):
        app = self.create("230102P0100", 100)
        # An old client sending only the text: refused, naming the code field.
        with self.assertRaises(grpc.RpcError) as refused:
            self.reject(app.id, "rv-old", codes_pb2.REJECTION_REASON_UNSPECIFIED, "材料不全")
        self.assertEqual(refused.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(violations(refused.exception), {"rejection_reason": "REQUIRED"})
        with self.assertRaises(grpc.RpcError) as other:
            self.reject(app.id, "rv-other", codes_pb2.REJECTION_REASON_OTHER)
        self.assertEqual(violations(other.exception), {"reason": "OTHER_TEXT_REQUIRED"})
        self.assertEqual(self.registration.GetApplication(
            reg.GetApplicationRequest(application_id=app.id), timeout=TIMEOUT).application.state,
            codes_pb2.APPLICATION_STATE_AWAITING_REVIEW)

        decided = {}
        for serial, code in enumerate(sorted(LABELS), start=1):
            if serial == 1:
                a = app
            elif code == MINISTRY_CODE:
                a = self.create("2026122800000001", 100 + serial, ministry=True)
            else:
                a = self.create(f"230102P01{serial:02d}", 100 + serial)
            detail = "申请人已迁往外省" if code == codes_pb2.REJECTION_REASON_OTHER else ""
            answer = self.reject(a.id, f"rv-{a.id}", code, detail)
            self.assertEqual(answer.application.decision.rejection_reason, code)
            self.assertEqual(answer.application.state, codes_pb2.APPLICATION_STATE_REJECTED)
            decided[code] = (a, detail)
        self.assertEqual(len(decided), 10)

        for code, (a, detail) in decided.items():
            stored = self.registration.GetApplication(
                reg.GetApplicationRequest(application_id=a.id), timeout=TIMEOUT).application
            self.assertEqual(stored.decision.rejection_reason, code)
            self.assertEqual(stored.decision.reason, detail)
            sms = [n for n in self.registration.ListNotifications(
                reg.ListNotificationsRequest(application_id=a.id), timeout=TIMEOUT).notifications
                if n.method == reg.NOTIFICATION_METHOD_SMS]
            self.assertEqual(len(sms), 1)
            expected = LABELS[code] + ("：" + detail if detail else "")
            self.assertEqual(sms[0].text, f"您的失业登记申请未通过审核，原因：{expected}。")

        # The ministry-forwarded rejection reaches the ministry with its code.
        ministry_app = decided[MINISTRY_CODE][0]
        db = os.path.join(self.suite.data_dir("ministry_receiver"), "ministry_receiver.db")

        def uploaded():
            with sqlite3.connect(db) as conn:
                return conn.execute("SELECT request FROM results WHERE ministry_application_id = ?",
                                    (ministry_app.channel_application_id,)).fetchall()
        rows = wait_for(uploaded, "the ministry result upload")
        upload = mfs.ReceiveReviewResultRequest.FromString(rows[0][0])
        self.assertEqual(upload.outcome, codes_pb2.REVIEW_OUTCOME_REJECTED)
        self.assertEqual(upload.rejection_reason, MINISTRY_CODE)
        self.assertEqual(upload.reason, LABELS[MINISTRY_CODE])

        # Statistics: the period's rejections by code, one each, from the registration feed.
        self.statistics_caught_up()
        flows = self.statistics.GetFlows(st.GetFlowsRequest(
            region_code="230100", period_start="2026-12-01", period_end="2026-12-28"),
            timeout=TIMEOUT)
        by_reason = {c.reason: c.count for c in flows.rejections_by_reason}
        self.assertEqual(by_reason, {code: 1 for code in LABELS})
        self.assertEqual([c.reason for c in flows.rejections_by_reason], sorted(LABELS))
        self.assertEqual(sum(c.rejected_count for c in flows.decisions_by_channel), 10)
        # Another city had none.
        other_city = self.statistics.GetFlows(st.GetFlowsRequest(
            region_code="230200", period_start="2026-12-01", period_end="2026-12-28"),
            timeout=TIMEOUT)
        self.assertEqual(len(other_city.rejections_by_reason), 0)

    def test_2_provisional_deadline_recomputed(self):
        app = self.create("230102P0200", 300)
        # 7 working days from Monday 2026-12-28 reach 2027, which has no data: weekends only.
        self.assertEqual(app.received_date, "2026-12-28")
        self.assertEqual(app.due_date, "2027-01-06")
        self.assertTrue(app.due_date_provisional)
        before = self.last_sequence()

        # The State Council's 2027 arrangement is published: a synthetic file, New Year's Day.
        with open(os.path.join(self.calendar_dir, "cn-holidays-2027.csv"), "w",
                  encoding="utf-8") as f:
            f.write("# covers: 2027\ndate,kind,name\n2027-01-01,holiday,元旦\n")
        self.suite.procs["registration"].send_signal(signal.SIGHUP)

        # The recomputation's event arrives on the feed (the stream waits for it).
        stream = self.registration.StreamEvents(
            reg.StreamEventsRequest(after_sequence=before), timeout=20)
        event = next(iter(stream)).event
        stream.cancel()
        self.assertEqual(event.WhichOneof("payload"), "application_deadline_recomputed")
        recomputed = event.application_deadline_recomputed
        self.assertEqual(recomputed.application.id, app.id)
        self.assertEqual(recomputed.previous_due_date, "2027-01-06")
        self.assertTrue(recomputed.previous_due_date_provisional)
        self.assertEqual(recomputed.application.due_date, "2027-01-07")
        self.assertFalse(recomputed.application.due_date_provisional)

        stored = self.registration.GetApplication(
            reg.GetApplicationRequest(application_id=app.id), timeout=TIMEOUT).application
        self.assertEqual(stored.due_date, "2027-01-07")
        self.assertFalse(stored.due_date_provisional)
        # Decided applications keep their date (test 1's rejections were provisional too).
        self.assertEqual(self.last_sequence(), event.sequence)

        # One log line for the change, with the application id and dates, no personal data.
        lines = wait_for(lambda: [line for line in self.suite.logs["registration"]
                                  if "event=deadline_recomputed" in line],
                         "the deadline_recomputed log line")
        self.assertEqual(len(lines), 1)
        self.assertIn(f"application_id={app.id}", lines[0])
        self.assertIn("previous_due_date=2027-01-06", lines[0])
        self.assertIn("due_date=2027-01-07", lines[0])
        self.assertNotIn(resident_id(300), lines[0])
        self.assertNotIn("13800138000", lines[0])

        # A restart (start-up recomputation) changes nothing more: idempotent.
        self.suite.kill("registration")
        self.suite.start("registration", *self.registration_args,
                         listen=self.registration_addr)
        self.assertEqual(self.last_sequence(), event.sequence)

        # Statistics follows: restarted on 2027-01-08 (reloading its facts), the application is
        # not overdue on 2027-01-07 (it would have been with the provisional 2027-01-06).
        self.statistics_caught_up()
        self.suite.kill("statistics")
        self.start_statistics(LATER_CLOCK)
        self.statistics_caught_up()
        indicators = self.statistics.GetServiceIndicators(st.GetServiceIndicatorsRequest(
            region_code="230102", period_start="2026-12-28", period_end="2027-01-07"),
            timeout=TIMEOUT)
        self.assertEqual(indicators.overdue_undecided, 0)
        later = self.statistics.GetServiceIndicators(st.GetServiceIndicatorsRequest(
            region_code="230102", period_start="2026-12-28", period_end="2027-01-08"),
            timeout=TIMEOUT)
        self.assertEqual(later.overdue_undecided, 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
