"""Two rules of notice 黑人社函〔2020〕87号 三, end to end with real processes.

1. Follow-up by information comparison (通过信息比对...每月至少进行1次跟踪调查). Registration, the
   person index, the gateway, verification (all four sources loaded), follow-up and statistics run
   as separate servers. Five people register; one is employed according to social insurance, one
   is not in the population data (verification cannot check that registration), three are
   clean. The monthly comparison records a follow-up INFORMATION_COMPARISON for the hit and for
   each clean registration, none for the unchecked one: coverage counts four of five, the due
   list holds exactly the unchecked person, statistics' monthly coverage (from follow-up's feed)
   says 4/5, and a second run of the month changes nothing.
2. Credit hand-over with acknowledgement (失信行为记录移交). Follow-up is wired to the reference
   credit platform (inside notification_receiver_server), whose port is chosen first and which is
   started only later. A confirmed fraud case stays PENDING while the receiver is down (attempts
   counted, last error kept, listed as undelivered with its age), is delivered exactly once when
   it comes up and only then DELIVERED. Follow-up refuses to start without the receiver unless
   --credit_delivery=off, which shows in its health details and log.

Dates are chosen, never waited for: registration, follow-up and statistics run with
--clock_start on 2025-10-20 (China). The only waiting is for the feeds and the outbox, polled
with deadlines. Runtime about 20 s.
"""

import os
import sqlite3
import subprocess
import unittest

import grpc

import suite
from suite import Suite, credit_code
from support import (BIN_DIR, SOURCE_DIR, TIMEOUT, address, end_server, free_port,
                     import_snapshot, registration_form, start_server, submit_and_accept,
                     wait_for)

from grpc_health_v1 import health_pb2, health_pb2_grpc  # noqa: E402
from unemployment.common.v1 import codes_pb2, form_pb2  # noqa: E402
from unemployment.followup.v1 import followup_service_pb2 as fu  # noqa: E402
from unemployment.followup.v1 import followup_service_pb2_grpc as fu_grpc  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2_grpc as gw_grpc  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2_grpc as reg_grpc  # noqa: E402
from unemployment.statistics.v1 import statistics_service_pb2 as st  # noqa: E402
from unemployment.statistics.v1 import statistics_service_pb2_grpc as st_grpc  # noqa: E402
from unemployment.verification.v1 import verification_service_pb2 as ver  # noqa: E402
from unemployment.verification.v1 import verification_service_pb2_grpc as ver_grpc  # noqa: E402

COUNTY = "230102"  # 道里区, 哈尔滨市
CITY = "230100"
STAFF = "staff-cov"
CLOCK_START = "2025-10-20T10:00:00+08:00"
MONTH = "2025-10"
AS_OF = "2025-10-20"
RESIDENT = codes_pb2.ID_TYPE_RESIDENT_ID_CARD


def resident_id(birth, sequence):
    """A GB 11643 resident ID number born in COUNTY on `birth` (YYYYMMDD); odd sequence = male."""
    return suite.resident_id(COUNTY, birth, sequence)


# name, birth date, sequence (odd: male)
PEOPLE = {
    "employed": ("赵一", "19880312", 11),
    "clean_a": ("钱二", "19900520", 23),
    "clean_b": ("孙三", "19920708", 35),
    "clean_c": ("李四", "19870101", 47),
    "unknown": ("周五", "19950915", 59),  # not in the population data: cannot be checked
}
OUTSIDER = resident_id("19700101", 71)  # in the status sources, not registered
EMPLOYER_CODE = credit_code("91230102MA1C2D3E4")
EMPLOYER = "哈尔滨松花江软件有限公司"


def make_form(name, id_number):
    return registration_form(id_number, name, residence=address(COUNTY, CITY),
                             mobile="13900139000")


class CoverageAndCreditEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(BIN_DIR, SOURCE_DIR)
        cls.credit_port = free_port()
        try:
            registration = cls.suite.start("registration", f"--clock_start={CLOCK_START}")
            index = cls.suite.start_person_index(f"hlj={registration}")
            gateway = cls.suite.start("gateway", f"--registration_addr={registration}",
                                      f"--person_index_addr={index}")
            verification = cls.suite.start("verification")
            followup = cls.suite.start("followup", f"--registration_addr={registration}",
                                       f"--verification_addr={verification}",
                                       f"--credit_receiver_addr=127.0.0.1:{cls.credit_port}",
                                       f"--clock_start={CLOCK_START}")
            statistics = cls.suite.start("statistics", f"--registration_addr={registration}",
                                         "--tiering_addr=", f"--followup_addr={followup}",
                                         f"--clock_start={CLOCK_START}")
        except Exception:
            cls.suite.stop()
            raise
        cls.followup_addr = followup
        cls.registration = reg_grpc.RegistrationServiceStub(grpc.insecure_channel(registration))
        cls.gateway = gw_grpc.GatewayServiceStub(grpc.insecure_channel(gateway))
        cls.verification = ver_grpc.VerificationServiceStub(grpc.insecure_channel(verification))
        cls.followup = fu_grpc.FollowupServiceStub(grpc.insecure_channel(followup))
        cls.statistics = st_grpc.StatisticsServiceStub(grpc.insecure_channel(statistics))
        cls.people = {}
        cls.register_everyone()
        cls.load_snapshots()
        wait_for(lambda: cls.coverage().active_count == len(PEOPLE), seconds=30, interval=0.2,
                 what="follow-up to learn every registration")

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()

    @classmethod
    def register_everyone(cls):
        for key, (name, birth, sequence) in PEOPLE.items():
            id_number = resident_id(birth, sequence)
            _, registration = submit_and_accept(cls.gateway, cls.registration,
                                                f"{COUNTY}CV{sequence:04d}",
                                                make_form(name, id_number))
            cls.people[key] = {"name": name, "birth": birth, "sequence": sequence,
                               "id_number": id_number, "registration_id": registration.id}

    @classmethod
    def import_snapshot(cls, source, version, lines):
        return import_snapshot(cls.verification, source, version, AS_OF, lines)

    @classmethod
    def load_snapshots(cls):
        population = ["id_type,id_number,name,sex,birth_date,status,death_date,"
                      "household_region_code"]
        for key, person in cls.people.items():
            if key == "unknown":
                continue
            b = person["birth"]
            population.append(f"{RESIDENT},{person['id_number']},{person['name']},"
                              f"{codes_pb2.SEX_MALE},{b[:4]}-{b[4:6]}-{b[6:]},ALIVE,,{COUNTY}")
        population.append(f"{RESIDENT},{OUTSIDER},吴六,{codes_pb2.SEX_MALE},1970-01-01,ALIVE,,"
                          f"{COUNTY}")
        assert cls.import_snapshot(ver.SOURCE_POPULATION, "pop-cov", population).row_count == 5
        employed = cls.people["employed"]
        insurance = [
            "id_type,id_number,name,kind,employer_code,employer_name,start_date,end_date",
            f"{RESIDENT},{employed['id_number']},{employed['name']},EMPLOYEE,{EMPLOYER_CODE},"
            f"{EMPLOYER},{AS_OF},",
        ]
        assert cls.import_snapshot(ver.SOURCE_SOCIAL_INSURANCE, "si-cov", insurance).row_count == 1
        filing = ["id_type,id_number,name,employer_code,employer_name,hired_on,terminated_on",
                  f"{RESIDENT},{OUTSIDER},吴六,{EMPLOYER_CODE},{EMPLOYER},2020-01-01,"]
        assert cls.import_snapshot(ver.SOURCE_EMPLOYMENT_FILING, "ef-cov", filing).row_count == 1
        business = ["id_type,id_number,name,role,business_code,business_name,licence_status,"
                    "established_on,closed_on",
                    f"{RESIDENT},{OUTSIDER},吴六,OWNER,{credit_code('92230102MA1C2D3E5')},"
                    f"吴六小吃店,ACTIVE,2019-01-01,"]
        assert cls.import_snapshot(ver.SOURCE_BUSINESS_REGISTRATION, "br-cov",
                                   business).row_count == 1

    # --- helpers ---

    @classmethod
    def coverage(cls):
        return cls.followup.GetFollowUpCoverage(fu.GetFollowUpCoverageRequest(
            region_code=CITY, month=MONTH, as_of=AS_OF), timeout=TIMEOUT)

    def due_ids(self):
        page = self.followup.ListDueFollowUps(fu.ListDueFollowUpsRequest(
            region_code=CITY, month=MONTH, as_of=AS_OF), timeout=TIMEOUT)
        return [d.registration_id for d in page.due]

    def run_comparison(self):
        return self.followup.RunMonthlyComparison(fu.RunMonthlyComparisonRequest(
            month=MONTH, as_of=AS_OF, staff_id=STAFF), timeout=60).run

    def follow_ups(self, key):
        return list(self.followup.ListFollowUps(fu.ListFollowUpsRequest(
            registration_id=self.people[key]["registration_id"]), timeout=TIMEOUT).follow_ups)

    def statistics_coverage(self):
        response = self.statistics.GetServiceIndicators(st.GetServiceIndicatorsRequest(
            region_code=CITY, period_start="2025-10-01", period_end=AS_OF), timeout=TIMEOUT)
        months = {m.month: m.coverage for m in response.follow_up_coverage}
        ratio = months.get(MONTH)
        return (ratio.numerator, ratio.denominator) if ratio is not None else None

    def undelivered(self, region=CITY):
        return self.followup.ListUndeliveredCreditRecords(
            fu.ListUndeliveredCreditRecordsRequest(region_code=region), timeout=TIMEOUT)

    def credit_records_received(self):
        db = os.path.join(self.suite.data_dir("notification_receiver"), "notification_receiver.db")
        with sqlite3.connect(db) as conn:
            return conn.execute(
                "SELECT record_id, city_code, id_number_masked FROM credit_records").fetchall()

    # --- 1. coverage by information comparison ---

    def test_1_clean_comparison_covers_the_month_unchecked_stays_due(self):
        self.assertEqual(self.coverage().covered_count, 0)
        self.assertEqual(len(self.due_ids()), 5)
        run = self.run_comparison()
        self.assertEqual(run.compared_count, 5)
        self.assertEqual(run.hit_count, 1)
        self.assertEqual(run.clean_count, 3)
        self.assertEqual(run.unchecked_count, 1)
        self.assertEqual(run.new_follow_up_count, 4)
        self.assertEqual(run.new_candidate_count, 1)

        for key in ("clean_a", "clean_b", "clean_c"):
            records = self.follow_ups(key)
            self.assertEqual(len(records), 1, key)
            record = records[0]
            self.assertEqual(record.method, fu.FOLLOW_UP_METHOD_INFORMATION_COMPARISON)
            self.assertEqual(record.outcome, fu.FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED)
            self.assertEqual(record.contact_date, AS_OF)
            self.assertEqual(record.staff_id, STAFF)  # the caller who ran the comparison
            self.assertEqual(record.comparison_run_id, run.run_id)
            self.assertTrue(record.HasField("recorded_at"))
        self.assertEqual(self.follow_ups("unknown"), [])

        coverage = self.coverage()
        self.assertEqual((coverage.active_count, coverage.covered_count), (5, 4))
        self.assertEqual({m.method: m.registration_count for m in coverage.by_method},
                         {fu.FOLLOW_UP_METHOD_INFORMATION_COMPARISON: 4})
        self.assertEqual(self.due_ids(), [self.people["unknown"]["registration_id"]])
        # Statistics builds its monthly coverage from follow-up's feed: it counts them too.
        self.assertEqual(wait_for(lambda: self.statistics_coverage() == (4, 5) and (4, 5),
                                  "statistics' monthly coverage", 30, 0.2), (4, 5))

    def feed_length(self):
        events = self.followup.StreamEvents(fu.StreamEventsRequest(stop_at_end=True),
                                            timeout=TIMEOUT)
        return sum(1 for _ in events)

    def test_2_running_the_month_again_counts_nothing_twice(self):
        events_before = self.feed_length()
        run = self.run_comparison()
        self.assertEqual((run.compared_count, run.hit_count, run.clean_count, run.unchecked_count),
                         (5, 1, 3, 1))
        self.assertEqual((run.new_follow_up_count, run.new_candidate_count), (0, 0))
        for key in ("employed", "clean_a", "clean_b", "clean_c"):
            self.assertEqual(len(self.follow_ups(key)), 1, key)
        self.assertEqual(self.coverage().covered_count, 4)
        self.assertEqual(self.due_ids(), [self.people["unknown"]["registration_id"]])
        # No second FollowUpRecorded in the feed statistics reads, so its figure stays.
        self.assertEqual(self.feed_length(), events_before)
        self.assertEqual(self.statistics_coverage(), (4, 5))

    # --- 2. credit hand-over with acknowledgement ---

    def test_3_credit_record_receiver_down_then_up_delivered_exactly_once(self):
        person = self.people["clean_a"]
        opened = self.followup.OpenFraudCase(fu.OpenFraudCaseRequest(
            request_id="fraud-cov-1", person_id=form_pb2.PersonId(
                id_type=RESIDENT, id_number=person["id_number"]),
            name=person["name"], registration_id=person["registration_id"], city_code=CITY,
            office_region_code=COUNTY, benefit=fu.FRAUD_BENEFIT_UNEMPLOYMENT_INSURANCE,
            description="隐瞒就业事实领取失业保险金", opened_on="2025-10-15", staff_id=STAFF,
            evidence=[fu.FraudEvidence(description="参保记录", reference="E-1",
                                       collected_on="2025-10-15")]),
            timeout=TIMEOUT).fraud_case
        self.followup.RecordFraudInvestigation(fu.RecordFraudInvestigationRequest(
            request_id="fraud-cov-1-inv", case_id=opened.case_id, investigated_on="2025-10-16",
            investigator_id=STAFF, findings="用人单位证实其已就业"), timeout=TIMEOUT)
        self.assertEqual(self.undelivered().total_size, 0)  # nothing queued before confirmation
        self.followup.ConcludeFraudCase(fu.ConcludeFraudCaseRequest(
            request_id="fraud-cov-1-end", case_id=opened.case_id,
            conclusion=fu.FRAUD_CONCLUSION_CONFIRMED, concluded_on="2025-10-18",
            decision="责令退还", decision_document="哈人社决〔2025〕1号",
            amount_involved_fen=360000, staff_id=STAFF), timeout=TIMEOUT)

        # The receiver is down: attempts fail and are retried with back-off (1 s, 2 s, ...).
        def retried():
            page = self.undelivered()
            return page if page.deliveries and page.deliveries[0].attempt_count >= 2 else None
        page = wait_for(retried, "two failed attempts", 15, 0.2)
        self.assertEqual(page.total_size, 1)
        delivery = page.deliveries[0]
        self.assertEqual(delivery.case_id, opened.case_id)
        self.assertEqual((delivery.city_code, delivery.office_region_code), (CITY, COUNTY))
        self.assertEqual(delivery.state, fu.CREDIT_DELIVERY_STATE_PENDING)
        self.assertTrue(delivery.last_error.startswith("UNAVAILABLE"), delivery.last_error)
        self.assertTrue(delivery.HasField("next_attempt_time"))
        self.assertGreaterEqual(delivery.age_seconds, 1)
        self.assertEqual(self.undelivered("230200").total_size, 0)  # another city sees nothing

        # The receiver comes up on the configured port: delivered once, then DELIVERED.
        self.suite.start("notification_receiver", listen=f"127.0.0.1:{self.credit_port}")
        wait_for(lambda: self.undelivered("230000").total_size == 0,
                 "the hand-over to be acknowledged", 45, 0.2)
        received = self.credit_records_received()
        self.assertEqual(received, [(opened.case_id, CITY,
                                     person["id_number"][:6] + "**********"
                                     + person["id_number"][-2:])])
        calls = [line for line in self.suite.logs["notification_receiver"]
                 if "credit_record_received" in line]
        self.assertEqual(len(calls), 1, calls)  # exactly one delivery reached the platform
        self.assertIn("status=OK", calls[0])

    # --- settings ---

    def test_4_refuses_to_start_without_the_credit_receiver_unless_off(self):
        health = health_pb2_grpc.HealthStub(grpc.insecure_channel(self.followup_addr))
        self.assertEqual(health.Check(health_pb2.HealthCheckRequest(
            service="unemployment.followup.credit_delivery"), timeout=TIMEOUT).status,
            health_pb2.HealthCheckResponse.SERVING)
        binary = os.path.join(BIN_DIR, "followup", "followup_server")
        base = [binary, "--listen=127.0.0.1:0",
                f"--data_dir={self.suite.data_dir('followup-refused')}", "--verification_addr="]
        refused = subprocess.run(base, env=self.suite.env, capture_output=True, text=True,
                                 timeout=30)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("--credit_receiver_addr is required", refused.stdout + refused.stderr)
        proc, address, log = start_server(
            [binary, "--listen=127.0.0.1:0", f"--data_dir={self.suite.data_dir('followup-dev')}",
             "--verification_addr=", "--credit_delivery=off"], self.suite.env)
        try:
            self.assertIsNotNone(address, log)
            self.assertIn("DEVELOPMENT_MODE_credit_delivery_off", log)
            dev = health_pb2_grpc.HealthStub(grpc.insecure_channel(address))
            self.assertEqual(dev.Check(health_pb2.HealthCheckRequest(), timeout=TIMEOUT).status,
                             health_pb2.HealthCheckResponse.SERVING)
            self.assertEqual(dev.Check(health_pb2.HealthCheckRequest(
                service="unemployment.followup.credit_delivery"), timeout=TIMEOUT).status,
                health_pb2.HealthCheckResponse.NOT_SERVING)
        finally:
            end_server(proc)


if __name__ == "__main__":
    unittest.main(verbosity=2)
