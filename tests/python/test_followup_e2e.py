"""Follow-up end to end with real processes and a Python client generated from proto/.

Registration (no ministry receiver, no verification wiring), the gateway, verification and
follow-up run as separate servers. Five people apply through the gateway and are accepted by
registration; verification gets a population snapshot (one person deceased) and a
social-insurance snapshot (one person employed). Covers: the monthly information comparison
finding both, a re-run of the month adding nothing, a month with partial coverage and the exact
list of people still due, staff accepting the employed person's candidate (deregistration through
registration, reason 11, notification created, registration ended), the deceased person's
(reason 26, no notification), follow-up's own event feed (replay, then a live commit), and, after
both date-keeping services restart on 2026-05-06, six months without contact giving reason 32 (no
notice) and a February fraud report due on the 28th and submitted late.

Dates are chosen, never waited for: registration and follow-up run with --clock_start on
2025-10-20 (China), so people are registered that day and every month/as_of below is explicit. The
only waiting is for follow-up's read model to learn the registrations from registration's feed,
polled with a deadline.
"""

import time
import unittest

import grpc

import suite
from suite import Suite, credit_code
from support import (BIN_DIR, SOURCE_DIR, TIMEOUT, address, error_reason, import_snapshot,
                     registration_form, submit_and_accept)

from unemployment.common.v1 import codes_pb2, form_pb2  # noqa: E402
from unemployment.followup.v1 import followup_service_pb2 as fu  # noqa: E402
from unemployment.followup.v1 import followup_service_pb2_grpc as fu_grpc  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2_grpc as gw_grpc  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2 as reg  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2_grpc as reg_grpc  # noqa: E402
from unemployment.verification.v1 import verification_service_pb2 as ver  # noqa: E402
from unemployment.verification.v1 import verification_service_pb2_grpc as ver_grpc  # noqa: E402

COUNTY = "230102"  # 道里区, 哈尔滨市
CITY = "230100"
STAFF = "staff-e2e"
# The business day of the processes that keep dates (registration, follow-up).
CLOCK_START = "2025-10-20T10:00:00+08:00"
MONTH = "2025-10"
AS_OF = "2025-10-20"


def resident_id(birth, sequence):
    """A GB 11643 resident ID number born in COUNTY on `birth` (YYYYMMDD); odd sequence = male."""
    return suite.resident_id(COUNTY, birth, sequence)


# name, birth date, sequence (odd: male)
PEOPLE = {
    "employed": ("赵一", "19880312", 11),
    "still_due_a": ("钱二", "19900520", 23),
    "phoned": ("孙三", "19920708", 35),
    "deceased": ("李四", "19870101", 47),
    "still_due_b": ("周五", "19950915", 59),
}
EMPLOYER_CODE = credit_code("91230102MA1C2D3E4")
EMPLOYER = "哈尔滨松花江软件有限公司"


def make_form(name, id_number):
    return registration_form(id_number, name, residence=address(COUNTY, CITY),
                             mobile="13900139000")


class FollowupEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(BIN_DIR, SOURCE_DIR)
        try:
            registration = cls.suite.start("registration", "--ministry_feedback_addr=",
                                           f"--clock_start={CLOCK_START}")
            index = cls.suite.start_person_index(f"hlj={registration}")
            gateway = cls.suite.start("gateway", f"--registration_addr={registration}",
                                      f"--person_index_addr={index}")
            verification = cls.suite.start("verification")
            followup = cls.suite.start("followup", f"--registration_addr={registration}",
                                       f"--verification_addr={verification}",
                                       f"--clock_start={CLOCK_START}")
        except Exception:
            cls.suite.stop()
            raise
        cls.registration = reg_grpc.RegistrationServiceStub(grpc.insecure_channel(registration))
        cls.gateway = gw_grpc.GatewayServiceStub(grpc.insecure_channel(gateway))
        cls.verification = ver_grpc.VerificationServiceStub(grpc.insecure_channel(verification))
        cls.followup = fu_grpc.FollowupServiceStub(grpc.insecure_channel(followup))
        cls.month, cls.as_of = MONTH, AS_OF
        cls.people = {}  # key -> dict(id_number, application_id, registration_id)
        cls.register_everyone()
        cls.load_snapshots()
        cls.wait_until_followup_knows_everyone()

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()

    # --- set-up through the real services ---

    @classmethod
    def register_everyone(cls):
        for key, (name, birth, sequence) in PEOPLE.items():
            id_number = resident_id(birth, sequence)
            app, registration = submit_and_accept(cls.gateway, cls.registration,
                                                  f"{COUNTY}FU{sequence:04d}",
                                                  make_form(name, id_number))
            assert registration.registered_date == AS_OF, registration
            cls.people[key] = {"name": name, "birth": birth, "sequence": sequence,
                               "id_number": id_number, "application_id": app.application_id,
                               "registration_id": registration.id}

    @classmethod
    def import_snapshot(cls, source, version, lines):
        return import_snapshot(cls.verification, source, version, cls.as_of, lines)

    @classmethod
    def load_snapshots(cls):
        population = ["id_type,id_number,name,sex,birth_date,status,death_date,"
                      "household_region_code"]
        for key, person in cls.people.items():
            birth = person["birth"]
            birth_date = f"{birth[:4]}-{birth[4:6]}-{birth[6:]}"
            sex = codes_pb2.SEX_MALE if person["sequence"] % 2 else codes_pb2.SEX_FEMALE
            if key == "deceased":
                status, death = "DECEASED", cls.as_of
            else:
                status, death = "ALIVE", ""
            population.append(f"{codes_pb2.ID_TYPE_RESIDENT_ID_CARD},{person['id_number']},"
                              f"{person['name']},{sex},{birth_date},{status},{death},{COUNTY}")
        snapshot = cls.import_snapshot(ver.SOURCE_POPULATION, "gongan-e2e-1", population)
        assert snapshot.row_count == 5, snapshot
        employed = cls.people["employed"]
        insurance = [
            "id_type,id_number,name,kind,employer_code,employer_name,start_date,end_date",
            f"{codes_pb2.ID_TYPE_RESIDENT_ID_CARD},{employed['id_number']},{employed['name']},"
            f"EMPLOYEE,{EMPLOYER_CODE},{EMPLOYER},{cls.as_of},",
        ]
        snapshot = cls.import_snapshot(ver.SOURCE_SOCIAL_INSURANCE, "shebao-e2e-1", insurance)
        assert snapshot.row_count == 1, snapshot

    @classmethod
    def wait_until_followup_knows_everyone(cls):
        deadline = time.monotonic() + 30
        while True:
            coverage = cls.coverage()
            if coverage.active_count == len(PEOPLE):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"follow-up learnt {coverage.active_count} registrations")
            time.sleep(0.1)

    # --- helpers ---

    @classmethod
    def coverage(cls):
        return cls.followup.GetFollowUpCoverage(fu.GetFollowUpCoverageRequest(
            region_code=CITY, month=cls.month, as_of=cls.as_of), timeout=TIMEOUT)

    def due_names(self):
        names, token = [], ""
        while True:
            page = self.followup.ListDueFollowUps(fu.ListDueFollowUpsRequest(
                region_code=CITY, month=self.month, as_of=self.as_of, page_size=1,
                page_token=token), timeout=TIMEOUT)
            names += [d.name for d in page.due]
            token = page.next_page_token
            if not token:
                return names

    def expected_due(self, keys):
        """The names of `keys` in the listing's order: registered date (all today), then id."""
        return [self.people[k]["name"]
                for k in sorted(keys, key=lambda k: self.people[k]["registration_id"])]

    def run_comparison(self):
        return self.followup.RunMonthlyComparison(fu.RunMonthlyComparisonRequest(
            month=self.month, as_of=self.as_of, staff_id=STAFF), timeout=60).run

    def candidates(self, state=fu.CANDIDATE_STATE_PENDING):
        return list(self.followup.ListDeregistrationCandidates(
            fu.ListDeregistrationCandidatesRequest(region_code=CITY, state=state,
                                                   month=self.month),
            timeout=TIMEOUT).candidates)

    def candidate_of(self, key):
        wanted = self.people[key]["registration_id"]
        found = [c for c in self.candidates() if c.registration_id == wanted]
        self.assertEqual(len(found), 1, found)
        return found[0]

    def accept(self, key):
        candidate = self.candidate_of(key)
        return self.followup.DecideDeregistrationCandidate(fu.DecideDeregistrationCandidateRequest(
            request_id=f"accept-{candidate.candidate_id}", candidate_id=candidate.candidate_id,
            decision=fu.CANDIDATE_DECISION_ACCEPT, effective_date=self.as_of, staff_id=STAFF),
            timeout=TIMEOUT).candidate

    def deregistration_notices(self, key):
        notices = self.registration.ListNotifications(reg.ListNotificationsRequest(
            application_id=self.people[key]["application_id"]), timeout=TIMEOUT).notifications
        return [n for n in notices if n.kind == reg.NOTIFICATION_KIND_REGISTRATION_DEREGISTERED]

    def registration_of(self, key):
        return self.registration.GetRegistration(reg.GetRegistrationRequest(
            registration_id=self.people[key]["registration_id"]), timeout=TIMEOUT).registration

    # --- the story, in order ---

    def test_1_comparison_finds_the_employed_and_the_deceased(self):
        # A phone survey before the run: one person is covered by staff.
        phoned = self.followup.RecordFollowUp(fu.RecordFollowUpRequest(
            request_id="phone-1", follow_up=fu.FollowUp(
                registration_id=self.people["phoned"]["registration_id"],
                method=fu.FOLLOW_UP_METHOD_PHONE_SURVEY, contact_date=self.as_of, staff_id=STAFF,
                outcome=fu.FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED)), timeout=TIMEOUT)
        self.assertFalse(phoned.HasField("candidate"))

        run = self.run_comparison()
        self.assertEqual((run.month, run.as_of), (self.month, self.as_of))
        self.assertEqual(run.compared_count, 5)
        self.assertEqual(run.hit_count, 2)
        self.assertEqual(run.new_follow_up_count, 2)
        self.assertEqual(run.new_candidate_count, 2)

        employed = self.candidate_of("employed")
        self.assertEqual(employed.source, fu.CANDIDATE_SOURCE_MONTHLY_COMPARISON)
        self.assertEqual(employed.proposed_reason, codes_pb2.DEREGISTRATION_REASON_HIRED)
        self.assertEqual([(e.source, e.organisation_name) for e in employed.evidence],
                         [("SOCIAL_INSURANCE", EMPLOYER)])
        deceased = self.candidate_of("deceased")
        self.assertEqual(deceased.proposed_reason, codes_pb2.DEREGISTRATION_REASON_DECEASED)
        self.assertEqual([e.source for e in deceased.evidence], ["POPULATION"])

        follow_ups = self.followup.ListFollowUps(fu.ListFollowUpsRequest(
            registration_id=self.people["employed"]["registration_id"], month=self.month),
            timeout=TIMEOUT).follow_ups
        self.assertEqual(len(follow_ups), 1)
        self.assertEqual(follow_ups[0].method, fu.FOLLOW_UP_METHOD_INFORMATION_COMPARISON)
        self.assertEqual(follow_ups[0].outcome, fu.FOLLOW_UP_OUTCOME_EMPLOYED)
        self.assertEqual(follow_ups[0].employer_name, EMPLOYER)
        self.assertEqual(follow_ups[0].employer_code, EMPLOYER_CODE)
        self.assertEqual(follow_ups[0].comparison_run_id, run.run_id)
        type(self).first_run_id = run.run_id

    def test_2_rerun_of_the_month_adds_nothing(self):
        run = self.run_comparison()
        self.assertNotEqual(run.run_id, self.first_run_id)
        self.assertEqual((run.compared_count, run.hit_count), (5, 2))
        self.assertEqual((run.new_follow_up_count, run.new_candidate_count), (0, 0))
        self.assertEqual(len(self.candidates()), 2)
        for key in ("employed", "deceased"):
            follow_ups = self.followup.ListFollowUps(fu.ListFollowUpsRequest(
                registration_id=self.people[key]["registration_id"]), timeout=TIMEOUT).follow_ups
            self.assertEqual(len(follow_ups), 1, key)

    def test_3_partial_coverage_and_exactly_who_is_due(self):
        coverage = self.coverage()
        self.assertEqual((coverage.active_count, coverage.covered_count), (5, 3))
        by_method = {m.method: m.registration_count for m in coverage.by_method}
        self.assertEqual(by_method, {fu.FOLLOW_UP_METHOD_INFORMATION_COMPARISON: 2,
                                     fu.FOLLOW_UP_METHOD_PHONE_SURVEY: 1})
        self.assertEqual(self.due_names(), self.expected_due(["still_due_a", "still_due_b"]))

    def test_4_staff_accept_the_employed_person(self):
        self.assertEqual(self.deregistration_notices("employed"), [])
        candidate = self.accept("employed")
        self.assertEqual(candidate.state, fu.CANDIDATE_STATE_ACCEPTED)
        self.assertEqual(candidate.decided_by, STAFF)
        deregistration = candidate.deregistration
        self.assertEqual(deregistration.reason, codes_pb2.DEREGISTRATION_REASON_HIRED)
        self.assertEqual(deregistration.effective_date, self.as_of)
        self.assertTrue(deregistration.person_notified)

        # Registration shows the registration ended, and the notice to the person.
        registration = self.registration_of("employed")
        self.assertEqual(registration.state, reg.REGISTRATION_STATE_DEREGISTERED)
        self.assertEqual(registration.deregistration.reason,
                         codes_pb2.DEREGISTRATION_REASON_HIRED)
        self.assertEqual(registration.deregistration.effective_date, self.as_of)
        self.assertEqual(registration.deregistration.actor, STAFF)
        self.assertTrue(registration.deregistration.person_notified)
        notices = self.deregistration_notices("employed")
        self.assertEqual(len(notices), 1)
        self.assertEqual(notices[0].registration_id, self.people["employed"]["registration_id"])

        # Deciding the same candidate again is refused.
        with self.assertRaises(grpc.RpcError) as caught:
            self.followup.DecideDeregistrationCandidate(fu.DecideDeregistrationCandidateRequest(
                request_id="accept-again", candidate_id=candidate.candidate_id,
                decision=fu.CANDIDATE_DECISION_ACCEPT, effective_date=self.as_of,
                staff_id=STAFF), timeout=TIMEOUT)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
        self.assertEqual(error_reason(caught.exception), "CANDIDATE_NOT_PENDING")

    def test_5_the_deceased_person_is_deregistered_without_a_notice(self):
        candidate = self.accept("deceased")
        self.assertEqual(candidate.deregistration.reason, codes_pb2.DEREGISTRATION_REASON_DECEASED)
        self.assertFalse(candidate.deregistration.person_notified)
        registration = self.registration_of("deceased")
        self.assertEqual(registration.state, reg.REGISTRATION_STATE_DEREGISTERED)
        self.assertEqual(registration.deregistration.reason,
                         codes_pb2.DEREGISTRATION_REASON_DECEASED)
        self.assertFalse(registration.deregistration.person_notified)
        self.assertEqual(self.deregistration_notices("deceased"), [])
        self.assertEqual(self.candidates(), [])
        self.assertEqual(len(self.candidates(fu.CANDIDATE_STATE_ACCEPTED)), 2)

        # Both ended on the day evaluated: the month now counts three, one covered, two due.
        coverage = self.coverage()
        self.assertEqual((coverage.active_count, coverage.covered_count), (3, 1))
        self.assertEqual(self.due_names(), self.expected_due(["still_due_a", "still_due_b"]))
        # A third run of the month sends only the three still active and finds nothing new.
        run = self.run_comparison()
        self.assertEqual((run.compared_count, run.hit_count, run.new_follow_up_count), (3, 0, 0))

    def test_6_followup_event_feed(self):
        replies = self.followup.StreamEvents(fu.StreamEventsRequest(stop_at_end=True),
                                             timeout=TIMEOUT)
        events = [r.event for r in replies]
        self.assertEqual([e.sequence for e in events], [1, 2, 3])
        recorded = [e.follow_up_recorded for e in events]
        self.assertEqual([r.method for r in recorded],
                         [fu.FOLLOW_UP_METHOD_PHONE_SURVEY,
                          fu.FOLLOW_UP_METHOD_INFORMATION_COMPARISON,
                          fu.FOLLOW_UP_METHOD_INFORMATION_COMPARISON])
        self.assertEqual({r.registration_id for r in recorded[1:]},
                         {self.people["employed"]["registration_id"],
                          self.people["deceased"]["registration_id"]})

        with self.assertRaises(grpc.RpcError) as caught:
            list(self.followup.StreamEvents(fu.StreamEventsRequest(after_sequence=99,
                                                                   stop_at_end=True),
                                            timeout=TIMEOUT))
        self.assertEqual(caught.exception.code(), grpc.StatusCode.OUT_OF_RANGE)
        self.assertEqual(error_reason(caught.exception), "CURSOR_AHEAD_OF_FEED")

        # A live stream after the last event receives the next commit.
        live = self.followup.StreamEvents(fu.StreamEventsRequest(after_sequence=3),
                                          timeout=TIMEOUT)
        self.followup.RecordFollowUp(fu.RecordFollowUpRequest(
            request_id="visit-1", follow_up=fu.FollowUp(
                registration_id=self.people["still_due_a"]["registration_id"],
                method=fu.FOLLOW_UP_METHOD_FIELD_VISIT, contact_date=self.as_of, staff_id=STAFF,
                outcome=fu.FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED)), timeout=TIMEOUT)
        event = next(live).event
        live.cancel()
        self.assertEqual(event.sequence, 4)
        self.assertEqual(event.follow_up_recorded.method, fu.FOLLOW_UP_METHOD_FIELD_VISIT)
        self.assertEqual(self.due_names(), self.expected_due(["still_due_b"]))

    def test_7_six_months_without_contact_and_a_late_february_report(self):
        # Half a year later: registration and follow-up restart (a crash: SIGKILL) on 2026-05-06
        # with the same data. The two people due in October were never contacted, so on 2026-04-30
        # (more than six months after 2025-10-20) the sweep deregisters them with reason 32; the
        # person reached by phone again on 2026-03-02 is kept.
        later = "2026-05-06T10:00:00+08:00"
        self.suite.kill("followup")
        self.suite.kill("registration")
        registration = self.suite.start("registration", "--ministry_feedback_addr=",
                                        f"--clock_start={later}")
        followup = self.suite.start("followup", f"--registration_addr={registration}",
                                    f"--verification_addr={self.suite.addresses['verification']}",
                                    f"--clock_start={later}")
        type(self).registration = reg_grpc.RegistrationServiceStub(
            grpc.insecure_channel(registration))
        type(self).followup = fu_grpc.FollowupServiceStub(grpc.insecure_channel(followup))
        self.followup.RecordFollowUp(fu.RecordFollowUpRequest(
            request_id="phone-2", follow_up=fu.FollowUp(
                registration_id=self.people["phoned"]["registration_id"],
                method=fu.FOLLOW_UP_METHOD_PHONE_SURVEY, contact_date="2026-03-02",
                staff_id=STAFF, outcome=fu.FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED)), timeout=TIMEOUT)

        swept = self.followup.RunNoContactSweep(fu.RunNoContactSweepRequest(
            as_of="2026-04-30", region_code=COUNTY, staff_id=STAFF), timeout=TIMEOUT)
        swept_ids = sorted(d.registration_id for d in swept.deregistrations)
        expected = sorted(self.people[k]["registration_id"] for k in ("still_due_a", "still_due_b"))
        self.assertEqual(swept_ids, expected)
        for d in swept.deregistrations:
            self.assertEqual(d.reason, codes_pb2.DEREGISTRATION_REASON_NO_CONTACT)
        for key in ("still_due_a", "still_due_b"):
            self.assertEqual(self.registration_of(key).state, reg.REGISTRATION_STATE_DEREGISTERED)
            self.assertEqual(self.deregistration_notices(key), [])  # unreachable: no notice
        # The person reached by phone in March is not swept.
        self.assertEqual(self.registration_of("phoned").state, reg.REGISTRATION_STATE_ACTIVE)

        # A confirmed fraud case of February 2026; Harbin's report for that month was due on the
        # last day of February (the 28th in 2026) and is submitted on 2026-05-06: late.
        person = self.people["phoned"]
        opened = self.followup.OpenFraudCase(fu.OpenFraudCaseRequest(
            request_id="fraud-1", person_id=form_pb2.PersonId(
                id_type=codes_pb2.ID_TYPE_RESIDENT_ID_CARD, id_number=person["id_number"]),
            name=PEOPLE["phoned"][0], registration_id=person["registration_id"], city_code=CITY,
            office_region_code=COUNTY, benefit=fu.FRAUD_BENEFIT_UNEMPLOYMENT_INSURANCE,
            description="隐瞒就业事实领取失业保险金", opened_on="2026-02-02", staff_id=STAFF,
            evidence=[fu.FraudEvidence(description="参保记录", reference="E-1",
                                       collected_on="2026-02-02")]),
            timeout=TIMEOUT).fraud_case
        self.followup.RecordFraudInvestigation(fu.RecordFraudInvestigationRequest(
            request_id="fraud-1-inv", case_id=opened.case_id, investigated_on="2026-02-05",
            investigator_id=STAFF, findings="用人单位证实其已就业"), timeout=TIMEOUT)
        self.followup.ConcludeFraudCase(fu.ConcludeFraudCaseRequest(
            request_id="fraud-1-end", case_id=opened.case_id,
            conclusion=fu.FRAUD_CONCLUSION_CONFIRMED, concluded_on="2026-02-10",
            decision="责令退还", amount_involved_fen=360000, staff_id=STAFF), timeout=TIMEOUT)
        report = self.followup.SubmitMonthlyFraudReport(fu.SubmitMonthlyFraudReportRequest(
            request_id="report-2026-02", city_code=CITY, month="2026-02", staff_id=STAFF),
            timeout=TIMEOUT).report
        self.assertEqual(report.due_on, "2026-02-28")
        self.assertEqual(report.state, fu.REPORT_SUBMISSION_STATE_LATE)
        self.assertEqual(list(report.case_ids), [opened.case_id])
        # The province's list: this city's report late, every other city's missing (overdue).
        compliance = self.followup.GetFraudReportCompliance(fu.GetFraudReportComplianceRequest(
            province_code="230000", month="2026-02", include_all=True), timeout=TIMEOUT)
        states = {c.city_code: c.state for c in compliance.cities}
        self.assertEqual(states[CITY], fu.REPORT_SUBMISSION_STATE_LATE)
        self.assertGreater(compliance.city_count, 1)
        self.assertEqual(compliance.late_count, 1)
        self.assertEqual(compliance.overdue_count, compliance.city_count - 1)
        self.assertTrue(all(state == fu.REPORT_SUBMISSION_STATE_OVERDUE
                            for city, state in states.items() if city != CITY), states)


if __name__ == "__main__":
    unittest.main(verbosity=2)
