"""Amendments end to end ("one person, one record", point 3) with real processes, secured as in
production (mutual TLS, signed caller tokens, data/security/policy, audit logs; certificates from
deploy/security/make-dev-ca.sh): registration, person index, gateway, tiering, follow-up and
statistics (reading the feeds of registration, tiering and follow-up).

One person applies through the gateway on 2025-10-20 (registration's --clock_start) and a city
reviewer accepts. Tiering and follow-up run on 2025-12-01 (their --clock_start), so the November
obligations and the November follow-up month lie in the past. Shows:
- tiering: a delivery recorded as a job fair that was in fact the first interview is amended by
  district follow-up staff; the delivery keeps the original in its amendments (type, date, who,
  when, why), the plan and GetPlanFulfilment follow the amendment (the first interview counts as
  met), and the call is in tiering's audit log;
- follow-up: a November phone follow-up withdrawn as recorded in error uncovers November (the
  person is due again, coverage drops to 0), the follow-up stays listed with its amendment;
- statistics: a December follow-up counted in statistics' December coverage (1 of 1) stops
  counting once withdrawn (0 of 1);
- both: the actor recorded is the token's subject; a request naming another person as actor is
  refused (INVALID_ARGUMENT, ACTOR_NOT_CALLER) and changes nothing; another district's staff are
  refused (PERMISSION_DENIED, OUTSIDE_REGION_SCOPE).
"""

import os
import sqlite3
import time
import unittest

import grpc

from support import TIMEOUT, SecuredSuiteTest, by_name, error_details, make_form

from unemployment.common.v1 import codes_pb2  # noqa: E402
from unemployment.followup.v1 import followup_service_pb2 as fu  # noqa: E402
from unemployment.followup.v1 import followup_service_pb2_grpc as fu_grpc  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2 as gw  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2_grpc as gw_grpc  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2 as reg  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2_grpc as reg_grpc  # noqa: E402
from unemployment.tiering.v1 import tiering_service_pb2 as tie  # noqa: E402
from unemployment.tiering.v1 import tiering_service_pb2_grpc as tie_grpc  # noqa: E402
from unemployment.statistics.v1 import statistics_service_pb2 as st  # noqa: E402
from unemployment.statistics.v1 import statistics_service_pb2_grpc as st_grpc  # noqa: E402

COUNTY = "230102"  # 道里区
REGISTRATION_CLOCK = "2025-10-20T10:00:00+08:00"
SERVICE_CLOCK = "2025-12-01T10:00:00+08:00"
SUBJECT = "daoli-staff-1"


class AmendmentEndToEnd(SecuredSuiteTest):
    @classmethod
    def setUpClass(cls):
        cls.start_secured()

        def secure(svc):
            return cls.ca.flags(svc, "--health_listen=127.0.0.1:0")

        registration = cls.suite.start("registration", f"--clock_start={REGISTRATION_CLOCK}",
                                       *secure("registration"))
        index = cls.suite.start_person_index(f"hlj={registration}", *secure("person-index"))
        gateway = cls.suite.start("gateway", f"--registration_addr={registration}",
                                  f"--person_index_addr={index}", *secure("gateway"))
        followup = cls.suite.start("followup", f"--registration_addr={registration}",
                                   f"--clock_start={SERVICE_CLOCK}", *secure("followup"))
        tiering = cls.suite.start("tiering", f"--registration_addr={registration}",
                                  f"--clock_start={SERVICE_CLOCK}", *secure("tiering"))
        statistics = cls.suite.start("statistics", f"--registration_addr={registration}",
                                     f"--tiering_addr={tiering}", f"--followup_addr={followup}",
                                     f"--clock_start={SERVICE_CLOCK}", *secure("statistics"))
        # Dial by name: the server certificates carry localhost.
        cls.registration_addr = by_name(registration)
        cls.gateway_addr = by_name(gateway)
        cls.followup_addr = by_name(followup)
        cls.tiering_addr = by_name(tiering)
        cls.statistics_addr = by_name(statistics)
        cls.registration_id = cls.register_one()

    @classmethod
    def register_one(cls):
        portal = gw_grpc.GatewayServiceStub(cls.channel(cls.gateway_addr, "client/province-portal"))
        portal.SubmitApplication(gw.SubmitApplicationRequest(
            portal_application_id="230102P0001",
            form=make_form("34052419800101001X", COUNTY, "230100")),
            metadata=cls.bearer("province-portal", "province-portal"), timeout=TIMEOUT)
        registration = reg_grpc.RegistrationServiceStub(
            cls.channel(cls.registration_addr, "client/staff-client"))
        reviewer = cls.bearer("staff-client", "reviewer", "2301")
        queue = registration.ListReviewQueue(reg.ListReviewQueueRequest(
            office_region_code=COUNTY, kind=reg.REVIEW_QUEUE_KIND_PROVINCE, page_size=10),
            metadata=reviewer, timeout=TIMEOUT)
        accepted = registration.ReviewApplication(reg.ReviewApplicationRequest(
            application_id=queue.entries[0].application.id, request_id="rv-1",
            outcome=codes_pb2.REVIEW_OUTCOME_ACCEPTED), metadata=reviewer, timeout=TIMEOUT)
        rid = accepted.registration.id
        assert accepted.registration.registered_date == "2025-10-20", accepted.registration
        # Tiering and follow-up learn it from registration's feed.
        province = cls.bearer("staff-client", "followup-staff", "*")
        tiering = tie_grpc.TieringServiceStub(cls.channel(cls.tiering_addr, "client/staff-client"))
        followup = fu_grpc.FollowupServiceStub(cls.channel(cls.followup_addr, "client/staff-client"))
        calls = (lambda: tiering.GetLevel(tie.GetLevelRequest(registration_id=rid),
                                          metadata=province, timeout=TIMEOUT),
                 lambda: followup.ListFollowUps(fu.ListFollowUpsRequest(registration_id=rid),
                                                metadata=province, timeout=TIMEOUT))
        deadline = time.monotonic() + 30
        for call in calls:
            while True:
                try:
                    call()
                    break
                except grpc.RpcError as error:
                    if error.code() != grpc.StatusCode.NOT_FOUND or time.monotonic() > deadline:
                        raise
                time.sleep(0.1)
        return rid

    def staff(self, region=COUNTY, subject=SUBJECT):
        return self.bearer("staff-client", "followup-staff", region, subject)

    def assert_refused(self, call, code, reason):
        with self.assertRaises(grpc.RpcError) as caught:
            call()
        self.assertEqual(caught.exception.code(), code, caught.exception.details())
        self.assertEqual(error_details(caught.exception)[0], reason, caught.exception.details())

    def audited(self, service, method):
        db = sqlite3.connect(os.path.join(self.suite.data_dir(service), "audit.db"))
        try:
            return db.execute("SELECT subject, role, region, result FROM audit_log WHERE method = ? "
                              "ORDER BY seq", (method,)).fetchall()
        finally:
            db.close()

    def test_1_amended_delivery_keeps_the_original_and_fulfilment_follows(self):
        stub = tie_grpc.TieringServiceStub(self.channel(self.tiering_addr, "client/staff-client"))
        staff = self.staff()
        rid = self.registration_id

        def fulfilment():
            return stub.GetPlanFulfilment(tie.GetPlanFulfilmentRequest(
                region_code=COUNTY, period_start="2025-11-01", period_end="2025-11-30"),
                metadata=staff, timeout=TIMEOUT).levels[0]

        # The first interview and the three lists are due 2025-11-20: none met.
        before = fulfilment()
        self.assertEqual((before.due_count, before.met_count), (4, 0))
        recorded = stub.RecordServiceDelivery(tie.RecordServiceDeliveryRequest(
            request_id="dlv-req-1", delivery=tie.ServiceDelivery(
                registration_id=rid, type=tie.SERVICE_TYPE_JOB_FAIR, delivered_on="2025-10-25",
                provider="道里区公共就业服务中心", job_fair=tie.JobFair(fair_name="秋季招聘会"))),
            metadata=staff, timeout=TIMEOUT).delivery
        self.assertEqual(recorded.staff_id, SUBJECT)
        self.assertEqual(fulfilment().met_count, 0)

        request = tie.AmendServiceDeliveryRequest(
            request_id="amend-1", delivery_id=recorded.delivery_id,
            amendment_reason="录错服务项目：当天是首次面谈，不是招聘会",
            corrected=tie.ServiceDelivery(type=tie.SERVICE_TYPE_FIRST_INTERVIEW,
                                          delivered_on="2025-10-24",
                                          provider="道里区公共就业服务中心"))
        # Naming someone else as the actor is refused, and changes nothing.
        request.actor = "someone-else"
        self.assert_refused(lambda: stub.AmendServiceDelivery(request, metadata=staff,
                                                              timeout=TIMEOUT),
                            grpc.StatusCode.INVALID_ARGUMENT, "ACTOR_NOT_CALLER")
        request.ClearField("actor")
        # Another district's staff cannot amend it.
        self.assert_refused(lambda: stub.AmendServiceDelivery(
            request, metadata=self.staff("230103", "nangang-staff"), timeout=TIMEOUT),
            grpc.StatusCode.PERMISSION_DENIED, "OUTSIDE_REGION_SCOPE")
        listed = stub.ListServiceDeliveries(tie.ListServiceDeliveriesRequest(registration_id=rid),
                                            metadata=staff, timeout=TIMEOUT).deliveries
        self.assertEqual(len(listed), 1)
        self.assertEqual(len(listed[0].amendments), 0)

        amended = stub.AmendServiceDelivery(request, metadata=staff, timeout=TIMEOUT).delivery
        self.assertEqual(amended.delivery_id, recorded.delivery_id)
        self.assertEqual(amended.type, tie.SERVICE_TYPE_FIRST_INTERVIEW)
        self.assertEqual(amended.delivered_on, "2025-10-24")
        self.assertEqual(amended.staff_id, SUBJECT)
        self.assertEqual(amended.recorded_at, recorded.recorded_at)
        self.assertEqual(len(amended.amendments), 1)
        amendment = amended.amendments[0]
        self.assertEqual(amendment.actor, SUBJECT)  # the token's subject
        self.assertEqual(amendment.request_id, "amend-1")
        self.assertEqual(amendment.amendment_reason, "录错服务项目：当天是首次面谈，不是招聘会")
        self.assertTrue(amendment.recorded_at.ToJsonString().startswith("2025-12-01T"),
                        amendment.recorded_at.ToJsonString())  # the server's clock
        self.assertEqual(amendment.previous.type, tie.SERVICE_TYPE_JOB_FAIR)
        self.assertEqual(amendment.previous.delivered_on, "2025-10-25")
        self.assertEqual(amendment.previous.job_fair.fair_name, "秋季招聘会")
        # The same request again: the same answer.
        again = stub.AmendServiceDelivery(request, metadata=staff, timeout=TIMEOUT).delivery
        self.assertEqual(again, amended)

        # The plan and the fulfilment count follow the amendment.
        after = fulfilment()
        self.assertEqual((after.due_count, after.met_count, after.missed_count), (4, 1, 3))
        plan = stub.GetServicePlan(tie.GetServicePlanRequest(registration_id=rid, as_of="2025-11-01"),
                                   metadata=staff, timeout=TIMEOUT).plan
        interview = next(o for o in plan.obligations
                         if o.service_type == tie.SERVICE_TYPE_FIRST_INTERVIEW)
        self.assertEqual(interview.state, tie.OBLIGATION_STATE_MET)
        self.assertEqual(interview.met_on, "2025-10-24")
        self.assertEqual(list(interview.delivery_ids), [recorded.delivery_id])

        rows = self.audited("tiering",
                            "/unemployment.tiering.v1.TieringService/AmendServiceDelivery")
        self.assertIn((SUBJECT, "followup-staff", COUNTY, "OK"), rows)
        self.assertIn(("nangang-staff", "followup-staff", "230103", "PERMISSION_DENIED"), rows)

    def test_2_withdrawn_follow_up_uncovers_its_month(self):
        stub = fu_grpc.FollowupServiceStub(self.channel(self.followup_addr, "client/staff-client"))
        staff = self.staff()
        rid = self.registration_id

        def due():
            return [d.registration_id for d in stub.ListDueFollowUps(fu.ListDueFollowUpsRequest(
                region_code=COUNTY, month="2025-11"), metadata=staff, timeout=TIMEOUT).due]

        def covered():
            return stub.GetFollowUpCoverage(fu.GetFollowUpCoverageRequest(
                region_code=COUNTY, month="2025-11"), metadata=staff, timeout=TIMEOUT).covered_count

        self.assertEqual(due(), [rid])
        recorded = stub.RecordFollowUp(fu.RecordFollowUpRequest(
            request_id="fu-req-1", follow_up=fu.FollowUp(
                registration_id=rid, method=fu.FOLLOW_UP_METHOD_PHONE_SURVEY,
                contact_date="2025-11-12", outcome=fu.FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED)),
            metadata=staff, timeout=TIMEOUT).follow_up
        self.assertEqual(recorded.staff_id, SUBJECT)
        self.assertEqual(due(), [])
        self.assertEqual(covered(), 1)

        request = fu.AmendFollowUpRequest(
            request_id="fu-amend-1", follow_up_id=recorded.follow_up_id,
            amendment_reason="误录：电话打给了另一位登记人员", withdraw=True, actor="someone-else")
        self.assert_refused(lambda: stub.AmendFollowUp(request, metadata=staff, timeout=TIMEOUT),
                            grpc.StatusCode.INVALID_ARGUMENT, "ACTOR_NOT_CALLER")
        request.ClearField("actor")
        self.assert_refused(lambda: stub.AmendFollowUp(
            request, metadata=self.staff("230103", "nangang-staff"), timeout=TIMEOUT),
            grpc.StatusCode.PERMISSION_DENIED, "OUTSIDE_REGION_SCOPE")
        self.assertEqual(due(), [])  # nothing changed

        request.actor = SUBJECT  # naming oneself is accepted
        withdrawn = stub.AmendFollowUp(request, metadata=staff, timeout=TIMEOUT).follow_up
        self.assertTrue(withdrawn.withdrawn)
        self.assertEqual(len(withdrawn.amendments), 1)
        self.assertEqual(withdrawn.amendments[0].actor, SUBJECT)
        self.assertTrue(withdrawn.amendments[0].withdrawn)
        self.assertEqual(withdrawn.amendments[0].previous.contact_date, "2025-11-12")
        self.assertTrue(withdrawn.amendments[0].recorded_at.ToJsonString().startswith("2025-12-01T"))

        # November is uncovered again; the follow-up stays listed with its amendment.
        self.assertEqual(due(), [rid])
        self.assertEqual(covered(), 0)
        listed = stub.ListFollowUps(fu.ListFollowUpsRequest(registration_id=rid),
                                    metadata=staff, timeout=TIMEOUT).follow_ups
        self.assertEqual(len(listed), 1)
        self.assertTrue(listed[0].withdrawn)
        self.assertEqual(listed[0].contact_date, "2025-11-12")
        # A withdrawn follow-up is final.
        request.request_id = "fu-amend-2"
        self.assert_refused(lambda: stub.AmendFollowUp(request, metadata=staff, timeout=TIMEOUT),
                            grpc.StatusCode.FAILED_PRECONDITION, "FOLLOW_UP_WITHDRAWN")

        rows = self.audited("followup", "/unemployment.followup.v1.FollowupService/AmendFollowUp")
        self.assertIn((SUBJECT, "followup-staff", COUNTY, "OK"), rows)

    def test_3_statistics_coverage_drops_after_a_withdrawal(self):
        # Statistics reads follow-up's feed; its coverage of a month counts a contact recorded by
        # the month's evaluation day, so the month here is December (follow-up's clock day).
        stub = fu_grpc.FollowupServiceStub(self.channel(self.followup_addr, "client/staff-client"))
        stats = st_grpc.StatisticsServiceStub(
            self.channel(self.statistics_addr, "client/staff-client"))
        staff = self.staff()
        statistician = self.bearer("staff-client", "statistician", "*")

        def coverage():
            reply = stats.GetServiceIndicators(st.GetServiceIndicatorsRequest(
                region_code=COUNTY, period_start="2025-12-01", period_end="2025-12-01"),
                metadata=statistician, timeout=TIMEOUT)
            month = reply.follow_up_coverage[0]
            self.assertEqual(month.month, "2025-12")
            return (month.coverage.numerator, month.coverage.denominator)

        def wait_for_coverage(expected):
            deadline = time.monotonic() + 30
            while coverage() != expected and time.monotonic() < deadline:
                time.sleep(0.1)
            log = [line for line in self.suite.logs["statistics"] if "event=rpc " not in line]
            self.assertEqual(coverage(), expected, "statistics' log:\n" + "".join(log[-20:]))

        wait_for_coverage((0, 1))  # the registration is known, no contact in December yet
        recorded = stub.RecordFollowUp(fu.RecordFollowUpRequest(
            request_id="fu-req-dec", follow_up=fu.FollowUp(
                registration_id=self.registration_id, method=fu.FOLLOW_UP_METHOD_PHONE_SURVEY,
                contact_date="2025-12-01", outcome=fu.FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED)),
            metadata=staff, timeout=TIMEOUT).follow_up
        wait_for_coverage((1, 1))
        stub.AmendFollowUp(fu.AmendFollowUpRequest(
            request_id="fu-amend-dec", follow_up_id=recorded.follow_up_id,
            amendment_reason="误录：电话打给了另一位登记人员", withdraw=True),
            metadata=staff, timeout=TIMEOUT)
        wait_for_coverage((0, 1))


if __name__ == "__main__":
    unittest.main(verbosity=2)
