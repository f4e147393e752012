"""Statistics by region without re-identification, and audit entries that name the person only by a
keyed hash, with real processes (issue #21, points 1 and 5): a secured registration shard and a
secured statistics service reading its event feed over mutual TLS, certificates and keys from
deploy/security/make-dev-ca.sh, the policy of data/security/policy.

Shows: a county-scoped statistician (道里区 230102) asking for another county, their city or the
province is refused with PERMISSION_DENIED, reason OUTSIDE_REGION_SCOPE; in their own county (six
women and one man registered) the man's cell (1, below the threshold of 5) is withheld and so is
the women's cell (complementary suppression: the total of 7 minus the women's 6 would give him
away), both marked `suppressed`, while a province statistician sees 6 and 1; the statistics
service's audit log holds every statistics read (the refused one included) with the region asked
for; registration's audit log holds GetActiveRegistrationByPerson with the person's keyed hash
(HMAC-SHA256 with the audit key, common/security/audit_log.h) and no ID number, and the
statistics service's event stream with an entry written when it opened (result OPENED), before
it ends.
"""

import hashlib
import hmac
import os
import sqlite3
import subprocess
import time
import unittest

import grpc

from suite import resident_id
from support import (BIN_DIR, TIMEOUT, SecuredSuiteTest, by_name, error_details, make_form,
                     read)

from unemployment.common.v1 import codes_pb2  # noqa: E402
from unemployment.common.v1 import form_pb2  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2 as reg  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2_grpc as reg_grpc  # noqa: E402
from unemployment.statistics.v1 import statistics_service_pb2 as st  # noqa: E402
from unemployment.statistics.v1 import statistics_service_pb2_grpc as st_grpc  # noqa: E402

COUNTY = "230102"  # 道里区, 哈尔滨市 230100
STATISTICS = "/unemployment.statistics.v1.StatisticsService/"
REGISTRATION = "/unemployment.registration.v1.RegistrationService/"


def person_hash(key, id_number):
    """The keyed hash audit records carry for an ID number (common/security/audit_log.h)."""
    def field(text):
        data = text.encode()
        return str(len(data)).encode() + b":" + data
    data = field("ue-audit-person-1") + field(id_number.strip().upper())
    return hmac.new(key, data, hashlib.sha256).hexdigest()[:32]


def audit_entries(path):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT subject, region, method, record, result FROM audit_log ORDER BY seq").fetchall()


class StatisticsPrivacyEndToEnd(SecuredSuiteTest):
    @classmethod
    def setUpClass(cls):
        cls.start_secured()
        cls.ca_dir = ca = cls.ca.dir

        def secure(svc):
            return cls.ca.flags(svc, "--health_listen=127.0.0.1:0")

        registration = cls.suite.start("registration", *secure("registration"))
        cls.registration_addr = by_name(registration)
        statistics = cls.suite.start("statistics",
                                     f"--registration_shards=hlj={cls.registration_addr}",
                                     "--disclosure_threshold=5", *secure("statistics"))
        cls.statistics_addr = by_name(statistics)
        cls.audit_key = bytes.fromhex(read(f"{ca}/audit.key").decode().strip())
        cls.id_numbers = []
        cls.register_people()

    @classmethod
    def bearer(cls, system, role, region):
        return cls.ca.bearer(system, role, region, subject=f"{role}-{region}")

    @classmethod
    def register_people(cls):
        """Six women and one man registered in 道里区: created as the gateway would (its
        certificate), accepted by the county's reviewer."""
        intake = reg_grpc.RegistrationServiceStub(cls.channel(cls.registration_addr,
                                                              "client/svc-gateway"))
        staff = reg_grpc.RegistrationServiceStub(cls.channel(cls.registration_addr,
                                                             "client/staff-client"))
        reviewer = cls.bearer("staff-client", "reviewer", COUNTY)
        for i in range(7):
            male = i == 6
            # Odd sequence: a man's ID number; even: a woman's.
            id_number = resident_id("230102", f"19850{(i % 9) + 1}15", 11 if male else 12 + 2 * i)
            cls.id_numbers.append(id_number)
            form = make_form(id_number, COUNTY, "230100", name=f"测试{i}")
            form.sex = codes_pb2.SEX_MALE if male else codes_pb2.SEX_FEMALE
            app = intake.CreateApplication(reg.CreateApplicationRequest(
                channel=codes_pb2.CHANNEL_PROVINCE_PORTAL, channel_application_id=f"230102P{i:04d}",
                form=form, office_region_code=COUNTY), timeout=TIMEOUT).application
            staff.ReviewApplication(reg.ReviewApplicationRequest(
                application_id=app.id, request_id=f"rv-{app.id}",
                outcome=codes_pb2.REVIEW_OUTCOME_ACCEPTED, residence_urban_rural_class="111"),
                metadata=reviewer, timeout=TIMEOUT)

    def statistics(self):
        return st_grpc.StatisticsServiceStub(self.channel(self.statistics_addr, "client/staff-client"))

    def breakdown(self, scope, region):
        return self.statistics().GetBreakdown(
            st.GetBreakdownRequest(region_code=region, dimensions=[st.BREAKDOWN_DIMENSION_SEX]),
            metadata=self.bearer("staff-client", "statistician", scope), timeout=TIMEOUT)

    def wait_for_feed(self):
        deadline = time.monotonic() + 30
        while True:
            total = self.breakdown("*", COUNTY).total
            if total == 7:
                return
            if time.monotonic() > deadline:
                self.fail(f"statistics saw {total} of 7 registrations")
            time.sleep(0.2)

    def test_1_scope_suppression_and_audit_of_statistics(self):
        self.wait_for_feed()
        # Another county, the own city and the province: refused like registration refuses a
        # record outside the scope.
        for other in ("230103", "230100", "230000"):
            with self.assertRaises(grpc.RpcError) as caught:
                self.breakdown(COUNTY, other)
            self.assertEqual(caught.exception.code(), grpc.StatusCode.PERMISSION_DENIED, other)
            self.assertEqual(error_details(caught.exception)[0], "OUTSIDE_REGION_SCOPE")
        with self.assertRaises(grpc.RpcError) as caught:
            self.statistics().GetUrbanRegisteredUnemployed(
                st.GetUrbanRegisteredUnemployedRequest(region_code="230103"),
                metadata=self.bearer("staff-client", "statistician", COUNTY), timeout=TIMEOUT)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.PERMISSION_DENIED)

        def sex_rows(response):
            (breakdown,) = response.breakdowns
            return {row.key: (row.count, row.suppressed) for row in breakdown.rows}

        # The county's statistician: the lone man withheld, and the women with him.
        own = self.breakdown(COUNTY, COUNTY)
        self.assertEqual(own.total, 7)
        rows = sex_rows(own)
        self.assertEqual(rows["SEX_MALE"], (0, True))
        self.assertEqual(rows["SEX_FEMALE"], (0, True))
        # The province's statistician: exact.
        rows = sex_rows(self.breakdown("*", COUNTY))
        self.assertEqual(rows["SEX_MALE"], (1, False))
        self.assertEqual(rows["SEX_FEMALE"], (6, False))

        # Every statistics read is in the statistics service's audit log, refusals included.
        entries = audit_entries(os.path.join(self.suite.data_dir("statistics"), "audit.db"))
        breakdowns = [e for e in entries if e[2] == STATISTICS + "GetBreakdown"]
        self.assertIn(("statistician-230102", "230102", STATISTICS + "GetBreakdown",
                       "region_code=230103", "PERMISSION_DENIED"), breakdowns)
        self.assertIn(("statistician-230102", "230102", STATISTICS + "GetBreakdown",
                       "region_code=230102", "OK"), breakdowns)
        self.assertIn(("statistician-230102", "230102", STATISTICS + "GetUrbanRegisteredUnemployed",
                       "region_code=230103", "PERMISSION_DENIED"), entries)
        self.assertIn(("statistician-*", "*", STATISTICS + "GetBreakdown",
                       "region_code=230102", "OK"), breakdowns)

    def test_2_audit_records_the_person_by_keyed_hash_and_streams_when_they_open(self):
        id_number = self.id_numbers[0]
        staff = reg_grpc.RegistrationServiceStub(self.channel(self.registration_addr,
                                                              "client/staff-client"))
        found = staff.GetActiveRegistrationByPerson(reg.GetActiveRegistrationByPersonRequest(
            person_id=form_pb2.PersonId(id_type=codes_pb2.ID_TYPE_RESIDENT_ID_CARD,
                                        id_number=id_number)),
            metadata=self.bearer("staff-client", "reviewer", "*"), timeout=TIMEOUT)
        self.assertEqual(found.registration.office_region_code, COUNTY)
        entries = audit_entries(os.path.join(self.suite.data_dir("registration"), "audit.db"))
        by_person = [e for e in entries if e[2] == REGISTRATION + "GetActiveRegistrationByPerson"]
        self.assertEqual(by_person, [("reviewer-*", "*",
                                      REGISTRATION + "GetActiveRegistrationByPerson",
                                      f"person_id.id_number#={person_hash(self.audit_key, id_number)}",
                                      "OK")])
        for entry in entries:
            for number in self.id_numbers:
                self.assertNotIn(number[6:14], entry[3], entry)  # no ID number, not even its birth date
        # The statistics service's event stream is still open (it follows the feed), and its
        # entry is there already.
        streams = [e for e in entries if e[2] == REGISTRATION + "StreamEvents"]
        self.assertIn(("svc-statistics", "*", REGISTRATION + "StreamEvents", "", "OPENED"), streams)
        # Auditors compute the same hash with the operator tool.
        tool = subprocess.run([f"{BIN_DIR}/ops/ue_audit_verify", f"--person_hash={id_number}",
                               f"{self.ca_dir}/audit.key"], capture_output=True, text=True)
        self.assertEqual(tool.returncode, 0, tool.stderr)
        self.assertEqual(tool.stdout.strip(), person_hash(self.audit_key, id_number))
        # The log's chain is intact.
        verify = subprocess.run([f"{BIN_DIR}/ops/ue_audit_verify",
                                 os.path.join(self.suite.data_dir("registration"), "audit.db"),
                                 f"{self.ca_dir}/audit.key"], capture_output=True, text=True)
        self.assertEqual(verify.returncode, 0, verify.stderr)


if __name__ == "__main__":
    unittest.main()
