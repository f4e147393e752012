"""Duty reviewers, silent offices, 附件3 contact reports and 附件2 public service information end to
end with real processes, secured like production (mutual TLS, signed tokens, data/security/policy):
a registration shard, the person index, the gateway and statistics.

Shows: a city's reviewer names the duty reviewers of a district's two queues (the actor is the
token's subject) and a district's reviewer cannot name another district's; statistics lists the
offices without duty reviewers from the registration feed; with the shard's clock on Thursday
2025-10-09 two applications arrive, the shard restarts on Monday 2025-10-13 and decides one of
them, and statistics (its clock on Tuesday 2025-10-14) lists the other office as silent on the
last working day 2025-10-13 with its duty reviewer; Harbin reports its 附件3 contacts by RPC while
a report for Qiqihar is refused; the gateway answers Harbin's report and Qiqihar's shipped
placeholder (flagged); statistics lists the cities that have not reported; the portal reads the
public service information of a district without personal data.
"""

import unittest

import grpc

from support import TIMEOUT, SecuredSuiteTest, by_name, error_details, make_form, poll

from unemployment.common.v1 import codes_pb2  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2 as gw  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2_grpc as gw_grpc  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2 as reg  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2_grpc as reg_grpc  # noqa: E402
from unemployment.statistics.v1 import statistics_service_pb2 as st  # noqa: E402
from unemployment.statistics.v1 import statistics_service_pb2_grpc as st_grpc  # noqa: E402

# Registration's business day: Thursday after the National Day week, then the next Monday.
THURSDAY = "2025-10-09T09:00:00+08:00"
MONDAY = "2025-10-13T09:00:00+08:00"
# Statistics' business day: Tuesday 14 October; the last working day before it is Monday 13.
TUESDAY = "2025-10-14T10:00:00+08:00"


class DutyEndToEnd(SecuredSuiteTest):
    @classmethod
    def setUpClass(cls):
        cls.start_secured()
        cls.registration = cls.start_registration(THURSDAY)
        index = cls.suite.start_person_index(f"hlj={cls.registration}", *cls.secure("person-index"))
        gateway = cls.suite.start("gateway", f"--registration_addr={cls.registration}",
                                  f"--person_index_addr={index}", *cls.secure("gateway"))
        statistics = cls.suite.start("statistics", f"--registration_addr={cls.registration}",
                                     f"--clock_start={TUESDAY}", *cls.secure("statistics"))
        # Dial by name: the server certificates carry localhost.
        cls.gateway_addr = by_name(gateway)
        cls.statistics_addr = by_name(statistics)

    @classmethod
    def secure(cls, svc):
        return cls.ca.flags(svc)

    @classmethod
    def start_registration(cls, clock_start, listen="127.0.0.1:0"):
        return cls.suite.start("registration", f"--clock_start={clock_start}",
                               *cls.secure("registration"), listen=listen)

    def registration_stub(self):
        return reg_grpc.RegistrationServiceStub(
            self.channel(by_name(self.registration)))

    def statistics_stub(self):
        return st_grpc.StatisticsServiceStub(self.channel(self.statistics_addr))

    def statistician(self):
        return self.bearer("staff-client", "statistician")

    def assert_refused(self, call, code, reason):
        with self.assertRaises(grpc.RpcError) as caught:
            call()
        self.assertEqual(caught.exception.code(), code, caught.exception.details())
        self.assertEqual(error_details(caught.exception)[0], reason)

    def test_1_duty_reviewers_and_offices_without_them(self):
        registration = self.registration_stub()
        city = self.bearer("staff-client", "reviewer", "2301", subject="harbin-head")
        for kind, reviewer in ((reg.REVIEW_QUEUE_KIND_MINISTRY_FORWARDED, "daoli-reviewer-1"),
                               (reg.REVIEW_QUEUE_KIND_PROVINCE, "daoli-reviewer-2")):
            roster = registration.SetDutyReviewers(reg.SetDutyReviewersRequest(
                office_region_code="230102", queue_kind=kind, reviewer_ids=[reviewer],
                request_id=f"duty-{kind}"), metadata=city, timeout=TIMEOUT).roster
            self.assertEqual(list(roster.reviewer_ids), [reviewer])
            self.assertEqual(roster.actor, "harbin-head")
        # A district's reviewer cannot name another district's duty reviewers.
        nangang = self.bearer("staff-client", "reviewer", "230103")
        self.assert_refused(lambda: registration.SetDutyReviewers(reg.SetDutyReviewersRequest(
            office_region_code="230102", queue_kind=reg.REVIEW_QUEUE_KIND_PROVINCE,
            reviewer_ids=["x"], request_id="duty-x"), metadata=nangang, timeout=TIMEOUT),
            grpc.StatusCode.PERMISSION_DENIED, "OUTSIDE_REGION_SCOPE")
        listed = registration.ListDutyReviewers(reg.ListDutyReviewersRequest(region_code="230100"),
                                                metadata=city, timeout=TIMEOUT)
        self.assertEqual([(r.office_region_code, r.queue_kind) for r in listed.rosters],
                         [("230102", 1), ("230102", 2)])

        stats = self.statistics_stub()

        def without():
            answer = stats.ListOfficesWithoutDutyReviewer(
                st.ListOfficesWithoutDutyReviewerRequest(region_code="230100", page_size=500),
                metadata=self.statistician(), timeout=TIMEOUT)
            offices = {(o.office_region_code, o.queue) for o in answer.offices}
            return offices if ("230102", 1) not in offices and ("230102", 2) not in offices else None
        offices = poll(without)
        self.assertIsNotNone(offices, "statistics never learnt the duty rosters")
        self.assertIn(("230103", st.REVIEW_QUEUE_PROVINCE), offices)
        self.assertIn(("230103", st.REVIEW_QUEUE_MINISTRY_FORWARDED), offices)
        self.assertTrue(all(code.startswith("2301") for code, _ in offices))

    def test_2_silent_offices(self):
        portal = self.bearer("province-portal", "province-portal")
        gateway = gw_grpc.GatewayServiceStub(self.channel(self.gateway_addr, "client/province-portal"))
        for serial, (id_number, county) in enumerate((("34052419800101001X", "230102"),
                                                      ("410326199507103197", "230103"))):
            application = gateway.SubmitApplication(gw.SubmitApplicationRequest(
                portal_application_id=f"{county}D000{serial}",
                form=make_form(id_number, county, "230100", name="赵六")),
                metadata=portal, timeout=TIMEOUT).application
            self.assertEqual(application.office_region_code, county)

        # The shard restarts on Monday 13 October (same address, same data) and 南岗区 decides
        # its application; 道里区 does nothing that day.
        address = self.registration
        self.suite.kill("registration")
        self.start_registration(MONDAY, listen=address)
        registration = self.registration_stub()
        city = self.bearer("staff-client", "reviewer", "2301")
        queue = poll(lambda: registration.ListReviewQueue(reg.ListReviewQueueRequest(
            office_region_code="230103", page_size=10), metadata=city, timeout=TIMEOUT).entries)
        self.assertEqual(len(queue), 1)
        decided = registration.ReviewApplication(reg.ReviewApplicationRequest(
            application_id=queue[0].application.id, request_id="rv-nangang",
            outcome=codes_pb2.REVIEW_OUTCOME_REJECTED,
            rejection_reason=codes_pb2.REJECTION_REASON_EMPLOYED, reason="已参加社会保险"),
            metadata=city, timeout=TIMEOUT).application
        self.assertEqual(decided.decision.decided_on, "2025-10-13")

        stats = self.statistics_stub()

        def silent():
            answer = stats.ListSilentOffices(st.ListSilentOfficesRequest(region_code="230000"),
                                             metadata=self.statistician(), timeout=TIMEOUT)
            codes = [o.office.office_region_code for o in answer.offices]
            return answer if codes == ["230102"] else None
        answer = poll(silent)
        self.assertIsNotNone(answer, "statistics never listed 道里区 alone as silent")
        self.assertEqual(answer.last_working_day, "2025-10-13")
        office = answer.offices[0]
        self.assertEqual(office.office.office_name, "道里区")
        self.assertEqual(office.office.queue, st.REVIEW_QUEUE_PROVINCE)
        self.assertEqual(office.waiting, 1)
        self.assertEqual(office.oldest_received_date, "2025-10-09")
        self.assertEqual(list(office.duty_reviewer_ids), ["daoli-reviewer-2"])
        # The day asked about must not lie in statistics' future.
        self.assert_refused(lambda: stats.ListSilentOffices(st.ListSilentOfficesRequest(
            region_code="230000", as_of="2025-10-20"), metadata=self.statistician(),
            timeout=TIMEOUT), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")

    def test_3_contacts_reported_by_rpc(self):
        registration = self.registration_stub()
        harbin = self.bearer("staff-client", "reviewer", "2301", subject="harbin-office")

        def report(region):
            return reg.ReportRegionContactRequest(
                region_code=region, request_id=f"contact-{region}",
                business=reg.ReportedDepartment(
                    unit="哈尔滨市就业服务中心", responsible_person=reg.ReportedPerson(
                        name="周七", title="主任", phone="0451-84661234")),
                technical=reg.ReportedDepartment(
                    unit="哈尔滨市人社信息中心", responsible_person=reg.ReportedPerson(
                        name="吴八", phone="13945012345")))
        stored = registration.ReportRegionContact(report("230100"), metadata=harbin,
                                                  timeout=TIMEOUT).contact
        self.assertEqual(stored.region_name, "哈尔滨市")
        self.assertEqual(stored.reporter, "harbin-office")
        self.assertEqual(stored.reported_date, "2025-10-13")
        # Harbin's staff cannot report for Qiqihar.
        self.assert_refused(lambda: registration.ReportRegionContact(
            report("230200"), metadata=harbin, timeout=TIMEOUT),
            grpc.StatusCode.PERMISSION_DENIED, "OUTSIDE_REGION_SCOPE")

        # The gateway (stateless) answers from the owning shard, placeholders flagged.
        portal = self.bearer("province-portal", "province-portal")
        gateway = gw_grpc.GatewayServiceStub(self.channel(self.gateway_addr, "client/province-portal"))
        contact = gateway.GetRegionContact(gw.GetRegionContactRequest(region_code="230100"),
                                           metadata=portal, timeout=TIMEOUT).region_contact
        self.assertFalse(contact.placeholder)
        self.assertEqual(contact.business.responsible_person.name, "周七")
        self.assertEqual(contact.updated_date, "2025-10-13")
        qiqihar = gateway.GetRegionContact(gw.GetRegionContactRequest(region_code="230200"),
                                           metadata=portal, timeout=TIMEOUT).region_contact
        self.assertTrue(qiqihar.placeholder)
        listed = gateway.ListRegionContacts(gw.ListRegionContactsRequest(page_size=100),
                                            metadata=portal, timeout=TIMEOUT).region_contacts
        flags = {c.region_code: c.placeholder for c in listed}
        self.assertEqual(flags["230000"], False)
        self.assertEqual(flags["230100"], False)
        self.assertEqual(sum(flags.values()), 12)

        stats = self.statistics_stub()

        def unreported():
            answer = stats.ListRegionsWithoutContactReport(
                st.ListRegionsWithoutContactReportRequest(region_code="230000"),
                metadata=self.statistician(), timeout=TIMEOUT)
            return answer if answer.total_size == 12 else None
        answer = poll(unreported)
        self.assertIsNotNone(answer, "statistics never learnt Harbin's report")
        codes = [r.region_code for r in answer.regions]
        self.assertNotIn("230100", codes)
        self.assertEqual(codes[0], "230200")

    def test_4_public_service_information(self):
        portal = self.bearer("province-portal", "province-portal")
        gateway = gw_grpc.GatewayServiceStub(self.channel(self.gateway_addr, "client/province-portal"))
        info = gateway.GetPublicServiceInfo(gw.GetPublicServiceInfoRequest(region_code="230102"),
                                            metadata=portal, timeout=TIMEOUT).info
        self.assertEqual(info.region_code, "230102")
        self.assertIn("http://www.renshenet.org.cn", [c.location for c in info.online_channels])
        self.assertIn("http://12333.gov.cn", [c.location for c in info.online_channels])
        self.assertEqual(info.hotlines[0].number, "12333")
        self.assertGreaterEqual(len(info.workflow_steps), 5)
        self.assertEqual(info.service_points[0].region_code, "230100")
        self.assertTrue(info.service_points[0].sample)
        self.assertTrue(info.contains_sample)
        self.assert_refused(lambda: gateway.GetPublicServiceInfo(
            gw.GetPublicServiceInfoRequest(region_code="2301"), metadata=portal, timeout=TIMEOUT),
            grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")


if __name__ == "__main__":
    unittest.main(verbosity=2)
