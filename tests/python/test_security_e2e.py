"""Security end to end with real processes: a gateway and a registration shard with mutual TLS,
signed caller tokens, the policy of data/security/policy and audit logs, certificates from
deploy/security/make-dev-ca.sh. Shows: a certificate from another CA is refused; the portal's
token cannot call the ministry's method; a district reviewer listing another district's queue
gets PERMISSION_DENIED and no data while their own district's queue works (and the same for
follow-up staff and the due list); district follow-up staff use an id-based follow-up method
(ListFollowUps) and tiering method (GetLevel) on a registration of their county, while another
county's registration and an unknown id both get PERMISSION_DENIED OUTSIDE_REGION_SCOPE (the
same answer); health answers on the
plaintext probe port; an auditor reading an application gets the ID number, mobile and address
masked while a reviewer gets them clear; an edited audit row is detected by ue_audit_verify.
Every refusal of the security layer (certificate, token, deadline, role, region scope, rate)
arrives with its google.rpc.ErrorInfo reason in the details trailer, and the method does not run.
Registration's id-based methods (GetApplication, ReviewApplication, GetRegistration) answer a
district reviewer an unknown id exactly as another district's id (same code, reason, message).
The audit anchor detects removed newest entries (ue_audit_verify --anchor).
"""

import base64
import hashlib
import hmac
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import unittest

import grpc
from cryptography.hazmat.primitives import serialization  # python3-cryptography
from cryptography.hazmat.primitives.asymmetric import ed25519

from support import (BIN_DIR, TIMEOUT, SecuredSuiteTest, bearer, by_name, error_details,
                     make_form, read)

from unemployment.common.v1 import codes_pb2  # noqa: E402
from unemployment.followup.v1 import followup_service_pb2 as fu  # noqa: E402
from unemployment.followup.v1 import followup_service_pb2_grpc as fu_grpc  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2 as gw  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2_grpc as gw_grpc  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2 as reg  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2_grpc as reg_grpc  # noqa: E402
from unemployment.tiering.v1 import tiering_service_pb2 as tie  # noqa: E402
from unemployment.tiering.v1 import tiering_service_pb2_grpc as tie_grpc  # noqa: E402



class SecurityEndToEnd(SecuredSuiteTest):
    @classmethod
    def setUpClass(cls):
        cls.start_secured()
        cls.ca_dir = cls.ca.dir

        def secure(svc):
            return cls.ca.flags(svc, "--audit_anchor_every=2", "--health_listen=127.0.0.1:0")

        registration = cls.suite.start("registration", *secure("registration"))
        index = cls.suite.start_person_index(f"hlj={registration}", *secure("person-index"))
        gateway = cls.suite.start("gateway", f"--registration_addr={registration}",
                                  f"--person_index_addr={index}", *secure("gateway"))
        followup = cls.suite.start("followup", f"--registration_addr={registration}",
                                   *secure("followup"))
        tiering = cls.suite.start("tiering", f"--registration_addr={registration}",
                                  *secure("tiering"))
        # Dial by name: the server certificates carry localhost (and 127.0.0.1).
        cls.followup_addr = by_name(followup)
        cls.tiering_addr = by_name(tiering)
        cls.registration_addr = by_name(registration)
        cls.gateway_addr = by_name(gateway)

    def channel(self, address, client, key_dir=None):
        return self.ca.channel(address, client, key_dir)

    def token(self, system, role, region="*", subject=None):
        return self.ca.token(system, role, region, subject)

    def crafted_token(self, system, role, expires, key=None, not_before=None):
        """A token made here (format ue2 of common/security/token.cc), e.g. already expired.
        `key` is an Ed25519 private key (default: the dev CA's signing key)."""
        if key is None:
            key = serialization.load_pem_private_key(read(f"{self.ca_dir}/token-signing.key"), None)
        raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw)
        kid = hashlib.sha256(raw).hexdigest()[:16]
        if not_before is None:
            not_before = min(time.time(), expires - 60)

        def b64(data):
            return base64.urlsafe_b64encode(data).decode().rstrip("=")
        claims = f"{kid}|{system}|{system}-tester|{role}|*|{int(not_before)}|{int(expires)}"
        signed = "ue2." + b64(claims.encode())
        return signed + "." + b64(key.sign(signed.encode()))

    def retired_token(self, system, role):
        """A token of the retired format ue1 (HMAC-SHA256, no key id)."""
        def b64(data):
            return base64.urlsafe_b64encode(data).decode().rstrip("=")
        signed = "ue1." + b64(f"{system}|{system}-tester|{role}|*|{int(time.time()) + 3600}".encode())
        return signed + "." + b64(hmac.new(b"k" * 32, signed.encode(), hashlib.sha256).digest())

    def assert_refused(self, call, code, reason, msg=None):
        with self.assertRaises(grpc.RpcError) as caught:
            call()
        error = caught.exception
        self.assertEqual(error.code(), code, msg or reason)
        self.assertEqual(error_details(error)[0], reason, f"{msg or reason}: {error.details()}")
        return error

    def bearer(self, token):
        return bearer(token)

    def test_1_wrong_certificate_is_refused(self):
        stub = gw_grpc.GatewayServiceStub(self.channel(self.gateway_addr, "client", f"{self.ca_dir}/rogue"))
        with self.assertRaises(grpc.RpcError) as caught:
            stub.ListRegionContacts(gw.ListRegionContactsRequest(),
                                    metadata=self.bearer(self.token("province-portal", "province-portal")),
                                    timeout=TIMEOUT)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.UNAVAILABLE)
        # The right certificate without a token is unauthenticated.
        stub = gw_grpc.GatewayServiceStub(self.channel(self.gateway_addr, "client/province-portal"))
        with self.assertRaises(grpc.RpcError) as caught:
            stub.ListRegionContacts(gw.ListRegionContactsRequest(), timeout=TIMEOUT)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(error_details(caught.exception)[0], "TOKEN_MISSING")

    def test_2_portal_token_cannot_call_the_ministry_method(self):
        stub = gw_grpc.GatewayServiceStub(self.channel(self.gateway_addr, "client/province-portal"))
        portal = self.bearer(self.token("province-portal", "province-portal"))
        form = make_form("34052419800101001X", "230102", "230100")
        with self.assertRaises(grpc.RpcError) as caught:
            stub.ForwardApplication(gw.ForwardApplicationRequest(
                ministry_application_id="MZ2025000001", form=form), metadata=portal, timeout=TIMEOUT)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        self.assertEqual(error_details(caught.exception)[0], "ROLE_NOT_ALLOWED")
        # Its own method works, through the gateway to registration over mutual TLS.
        try:
            app = stub.SubmitApplication(gw.SubmitApplicationRequest(
                portal_application_id="230102P0001", form=form), metadata=portal,
                timeout=TIMEOUT).application
        except grpc.RpcError as error:
            self.fail(f"portal submission refused: {error.code()} {error.details()} "
                      f"{error_details(error)}")
        self.assertEqual(app.office_region_code, "230102")
        # Another district's application for the reviewer test.
        stub.SubmitApplication(gw.SubmitApplicationRequest(
            portal_application_id="230103P0001",
            form=make_form("410326199507103197", "230103", "230100", name="王五")),
            metadata=portal, timeout=TIMEOUT)

    def test_3_district_reviewer_sees_only_their_district(self):
        stub = reg_grpc.RegistrationServiceStub(self.channel(self.registration_addr, "client/staff-client"))
        nangang = self.bearer(self.token("staff-client", "reviewer", "230103"))
        with self.assertRaises(grpc.RpcError) as caught:
            stub.ListReviewQueue(reg.ListReviewQueueRequest(
                office_region_code="230102", kind=reg.REVIEW_QUEUE_KIND_PROVINCE, page_size=10),
                metadata=nangang, timeout=TIMEOUT)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        self.assertEqual(error_details(caught.exception)[0], "OUTSIDE_REGION_SCOPE")
        self.assertNotIn("230102P0001", caught.exception.details())
        own = stub.ListReviewQueue(reg.ListReviewQueueRequest(
            office_region_code="230103", kind=reg.REVIEW_QUEUE_KIND_PROVINCE, page_size=10),
            metadata=nangang, timeout=TIMEOUT)
        self.assertEqual([e.application.office_region_code for e in own.entries], ["230103"])
        # Nor can they read or decide the other district's application by id.
        other = stub.ListReviewQueue(reg.ListReviewQueueRequest(
            office_region_code="230102", kind=reg.REVIEW_QUEUE_KIND_PROVINCE, page_size=10),
            metadata=self.bearer(self.token("staff-client", "reviewer", "2301")), timeout=TIMEOUT)
        self.assertEqual(len(other.entries), 1)
        other_id = other.entries[0].application.id
        for call in (lambda: stub.GetApplication(reg.GetApplicationRequest(application_id=other_id),
                                                 metadata=nangang, timeout=TIMEOUT),
                     lambda: stub.ReviewApplication(reg.ReviewApplicationRequest(
                         application_id=other_id, request_id="rv-1",
                         outcome=codes_pb2.REVIEW_OUTCOME_REJECTED, reason="test",
                         rejection_reason=codes_pb2.REJECTION_REASON_OTHER),
                         metadata=nangang, timeout=TIMEOUT)):
            with self.assertRaises(grpc.RpcError) as caught:
                call()
            self.assertEqual(caught.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        # The portal's token cannot reach registration at all.
        portal_stub = reg_grpc.RegistrationServiceStub(
            self.channel(self.registration_addr, "client/province-portal"))
        with self.assertRaises(grpc.RpcError) as caught:
            portal_stub.ListReviewQueue(reg.ListReviewQueueRequest(
                office_region_code="230103", kind=reg.REVIEW_QUEUE_KIND_PROVINCE, page_size=10),
                metadata=self.bearer(self.token("province-portal", "province-portal")), timeout=TIMEOUT)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        self.assertEqual(error_details(caught.exception)[0], "ROLE_NOT_ALLOWED")

    def test_3b_district_followup_staff_list_only_their_district(self):
        stub = fu_grpc.FollowupServiceStub(self.channel(self.followup_addr, "client/staff-client"))
        nangang = self.bearer(self.token("staff-client", "followup-staff", "230103"))
        for region in ("230102", "230100"):  # another district; the whole city
            with self.assertRaises(grpc.RpcError) as caught:
                stub.ListDueFollowUps(fu.ListDueFollowUpsRequest(region_code=region, month="2025-06"),
                                      metadata=nangang, timeout=TIMEOUT)
            self.assertEqual(caught.exception.code(), grpc.StatusCode.PERMISSION_DENIED, region)
        own = stub.ListDueFollowUps(fu.ListDueFollowUpsRequest(region_code="230103", month="2025-06"),
                                    metadata=nangang, timeout=TIMEOUT)
        self.assertIsNotNone(own)
        # A statistician may not list people at all.
        with self.assertRaises(grpc.RpcError) as caught:
            stub.ListDueFollowUps(fu.ListDueFollowUpsRequest(region_code="230103", month="2025-06"),
                                  metadata=self.bearer(self.token("staff-client", "statistician")),
                                  timeout=TIMEOUT)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.PERMISSION_DENIED)

    def test_3c_auditor_gets_personal_data_masked(self):
        stub = reg_grpc.RegistrationServiceStub(self.channel(self.registration_addr, "client/staff-client"))
        reviewer = self.bearer(self.token("staff-client", "reviewer", "2301"))
        queue = stub.ListReviewQueue(reg.ListReviewQueueRequest(
            office_region_code="230102", kind=reg.REVIEW_QUEUE_KIND_PROVINCE, page_size=10),
            metadata=reviewer, timeout=TIMEOUT)
        self.assertEqual(queue.entries[0].application.form.person_id.id_number, "34052419800101001X")
        app_id = queue.entries[0].application.id
        clear = stub.GetApplication(reg.GetApplicationRequest(application_id=app_id),
                                    metadata=reviewer, timeout=TIMEOUT).application.form
        self.assertEqual(clear.person_id.id_number, "34052419800101001X")
        self.assertEqual(clear.contact.mobile, "13800138000")
        self.assertEqual(clear.residence_address.detail, "某街道1号")
        auditor = self.bearer(self.token("staff-client", "auditor", "2301"))
        for masked in (stub.GetApplication(reg.GetApplicationRequest(application_id=app_id),
                                           metadata=auditor, timeout=TIMEOUT).application.form,
                       stub.ListReviewQueue(reg.ListReviewQueueRequest(
                           office_region_code="230102", kind=reg.REVIEW_QUEUE_KIND_PROVINCE,
                           page_size=10), metadata=auditor, timeout=TIMEOUT).entries[0].application.form):
            self.assertEqual(masked.person_id.id_number, "340524**********1X")
            self.assertEqual(masked.contact.mobile, "138****8000")
            self.assertEqual(masked.residence_address.detail, "****")
            self.assertEqual(masked.residence_address.county_code, clear.residence_address.county_code)
            self.assertEqual(masked.name, "张*")

    def test_3d_district_followup_staff_use_id_based_methods_on_their_county_only(self):
        # test_2 submitted one application in 道里区 (230102) and one in 南岗区 (230103); the
        # city's reviewer accepts both.
        registration = reg_grpc.RegistrationServiceStub(
            self.channel(self.registration_addr, "client/staff-client"))
        city_reviewer = self.bearer(self.token("staff-client", "reviewer", "2301"))
        ids = {}
        for county in ("230102", "230103"):
            queue = registration.ListReviewQueue(reg.ListReviewQueueRequest(
                office_region_code=county, kind=reg.REVIEW_QUEUE_KIND_PROVINCE, page_size=10),
                metadata=city_reviewer, timeout=TIMEOUT)
            self.assertEqual(len(queue.entries), 1, county)
            request = reg.ReviewApplicationRequest(
                application_id=queue.entries[0].application.id, request_id=f"rv-accept-{county}",
                outcome=codes_pb2.REVIEW_OUTCOME_ACCEPTED, reviewer="审核员")
            # The reviewer is the token's subject: a request naming anyone else is refused ...
            with self.assertRaises(grpc.RpcError) as caught:
                registration.ReviewApplication(request, metadata=city_reviewer, timeout=TIMEOUT)
            self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
            self.assertIn("reviewer", caught.exception.details())
            # ... and without a name, the subject is recorded.
            request.ClearField("reviewer")
            accepted = registration.ReviewApplication(request, metadata=city_reviewer,
                                                      timeout=TIMEOUT)
            self.assertEqual(accepted.registration.office_region_code, county)
            self.assertEqual(accepted.application.decision.reviewer, "staff-client-tester")
            self.assertEqual(accepted.application.state_history[-1].actor, "staff-client-tester")
            ids[county] = accepted.registration.id
        type(self).registration_ids = dict(ids)
        own, other, unknown = ids["230103"], ids["230102"], "hlj-r-999999"
        self.assertNotIn(unknown, ids.values())

        followup = fu_grpc.FollowupServiceStub(self.channel(self.followup_addr, "client/staff-client"))
        tiering = tie_grpc.TieringServiceStub(self.channel(self.tiering_addr, "client/staff-client"))
        list_follow_ups = lambda rid, token: followup.ListFollowUps(  # noqa: E731
            fu.ListFollowUpsRequest(registration_id=rid), metadata=token, timeout=TIMEOUT)
        get_level = lambda rid, token: tiering.GetLevel(  # noqa: E731
            tie.GetLevelRequest(registration_id=rid), metadata=token, timeout=TIMEOUT)

        # Both services learn the registrations from registration's feed: a province-wide caller
        # gets NOT_FOUND until then.
        province = self.bearer(self.token("staff-client", "followup-staff", "*"))
        deadline = time.monotonic() + 30
        for call in (list_follow_ups, get_level):
            for rid in (own, other):
                while True:
                    try:
                        call(rid, province)
                        break
                    except grpc.RpcError as error:
                        if error.code() != grpc.StatusCode.NOT_FOUND or time.monotonic() > deadline:
                            raise
                    time.sleep(0.1)
        with self.assertRaises(grpc.RpcError) as caught:
            get_level(unknown, province)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.NOT_FOUND)

        nangang = self.bearer(self.token("staff-client", "followup-staff", "230103"))
        self.assertEqual(list(list_follow_ups(own, nangang).follow_ups), [])
        level = get_level(own, nangang)
        self.assertEqual(level.level, codes_pb2.UNEMPLOYMENT_LEVEL_SHORT_TERM)
        for call in (list_follow_ups, get_level):
            answers = []
            for rid in (other, unknown):
                with self.assertRaises(grpc.RpcError) as caught:
                    call(rid, nangang)
                error = caught.exception
                self.assertEqual(error.code(), grpc.StatusCode.PERMISSION_DENIED, rid)
                self.assertEqual(error_details(error)[0], "OUTSIDE_REGION_SCOPE", rid)
                self.assertNotIn(rid, error.details())
                answers.append(error.details())
            # Another county's registration and an unknown id cannot be told apart.
            self.assertEqual(answers[0], answers[1])

    def test_3e_registration_answers_an_unknown_id_as_another_districts(self):
        # test_3d accepted one application in 道里区 (230102) and one in 南岗区 (230103).
        stub = reg_grpc.RegistrationServiceStub(self.channel(self.registration_addr, "client/staff-client"))
        city = self.bearer(self.token("staff-client", "reviewer", "2301"))
        nangang = self.bearer(self.token("staff-client", "reviewer", "230103"))
        apps, regs = {}, {}
        for county, rid in self.registration_ids.items():
            registration = stub.GetRegistration(reg.GetRegistrationRequest(registration_id=rid),
                                                metadata=city, timeout=TIMEOUT).registration
            regs[county] = rid
            apps[county] = registration.application_id
        self.assertTrue(all(apps.values()), apps)
        # Their own district's records answer.
        stub.GetRegistration(reg.GetRegistrationRequest(registration_id=regs["230103"]),
                             metadata=nangang, timeout=TIMEOUT)
        stub.GetApplication(reg.GetApplicationRequest(application_id=apps["230103"]),
                            metadata=nangang, timeout=TIMEOUT)
        methods = {
            "GetApplication": lambda rid: stub.GetApplication(
                reg.GetApplicationRequest(application_id=rid), metadata=nangang, timeout=TIMEOUT),
            "ReviewApplication": lambda rid: stub.ReviewApplication(reg.ReviewApplicationRequest(
                application_id=rid, request_id="rv-scope", outcome=codes_pb2.REVIEW_OUTCOME_REJECTED,
                reason="test", rejection_reason=codes_pb2.REJECTION_REASON_OTHER,
                reviewer="李四"), metadata=nangang, timeout=TIMEOUT),
            "GetRegistration": lambda rid: stub.GetRegistration(
                reg.GetRegistrationRequest(registration_id=rid), metadata=nangang, timeout=TIMEOUT),
        }
        ids = {"GetApplication": (apps["230102"], "hlj-app-999999"),
               "ReviewApplication": (apps["230102"], "hlj-app-999999"),
               "GetRegistration": (regs["230102"], "hlj-r-999999")}
        for name, call in methods.items():
            answers = []
            for rid in ids[name]:
                error = self.assert_refused(lambda: call(rid), grpc.StatusCode.PERMISSION_DENIED,
                                            "OUTSIDE_REGION_SCOPE", f"{name} {rid}")
                self.assertNotIn(rid, error.details())
                self.assertNotIn("230102", error.details())
                answers.append((error.code(), error_details(error)[0], error.details()))
            # Another district's id and an unknown id cannot be told apart.
            self.assertEqual(answers[0], answers[1], name)

    def test_3f_every_refusal_carries_its_reason(self):
        gateway = lambda client: gw_grpc.GatewayServiceStub(  # noqa: E731
            self.channel(self.gateway_addr, client))
        portal = gateway("client/province-portal")

        def contacts(stub, metadata=(), timeout=TIMEOUT):
            return lambda: stub.ListRegionContacts(gw.ListRegionContactsRequest(),
                                                   metadata=metadata, timeout=timeout)
        UNAUTH = grpc.StatusCode.UNAUTHENTICATED
        self.assert_refused(contacts(portal), UNAUTH, "TOKEN_MISSING")
        self.assert_refused(contacts(portal, (("authorization", "Bearer nonsense"),)), UNAUTH,
                            "TOKEN_MALFORMED")
        # Expiry and not-before with the 60 s clock-skew leeway: 30 s past expiry still passes,
        # 120 s does not; a not-before 120 s ahead is refused.
        contacts(portal, self.bearer(self.crafted_token(
            "province-portal", "province-portal", time.time() - 30)))()
        self.assert_refused(contacts(portal, self.bearer(self.crafted_token(
            "province-portal", "province-portal", time.time() - 120))), UNAUTH, "TOKEN_EXPIRED")
        self.assert_refused(contacts(portal, self.bearer(self.crafted_token(
            "province-portal", "province-portal", time.time() + 3600,
            not_before=time.time() + 120))), UNAUTH, "TOKEN_NOT_YET_VALID")
        # Signed by a key the services do not hold (its key id is unknown).
        self.assert_refused(contacts(portal, self.bearer(self.crafted_token(
            "province-portal", "province-portal", time.time() + 3600,
            key=ed25519.Ed25519PrivateKey.generate()))), UNAUTH, "TOKEN_KEY_UNKNOWN")
        # The dev CA's key id with another key's signature.
        good = self.crafted_token("province-portal", "province-portal", time.time() + 3600)
        other = self.crafted_token("province-portal", "province-portal", time.time() + 3600,
                                   key=ed25519.Ed25519PrivateKey.generate())
        self.assert_refused(contacts(portal, self.bearer(
            good[:good.rindex(".")] + other[other.rindex("."):])), UNAUTH, "TOKEN_BAD_SIGNATURE")
        # The retired symmetric format is refused with its own reason.
        self.assert_refused(contacts(portal, self.bearer(self.retired_token(
            "province-portal", "province-portal"))), UNAUTH, "TOKEN_FORMAT_RETIRED")
        self.assert_refused(contacts(portal, self.bearer(self.token("ministry-platform", "ministry"))),
                            UNAUTH, "TOKEN_SYSTEM_MISMATCH")
        self.assert_refused(contacts(portal, self.bearer(self.token("province-portal", "ministry"))),
                            UNAUTH, "TOKEN_ROLE_UNKNOWN")
        # A certificate of the CA whose system the policy does not name... every client certificate
        # of the dev CA is named, so a service's certificate calls as the service: it has no token
        # but is certificate-only, and its role may not call the portal's method.
        svc = gateway("client/svc-statistics")
        self.assert_refused(lambda: svc.SubmitApplication(gw.SubmitApplicationRequest(
            portal_application_id="230102P0999", form=make_form("34052419800101001X", "230102",
                                                                "230100")), timeout=TIMEOUT),
            grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
        # One role per calling service: statistics only reads feeds, so its certificate may not
        # deregister anyone or look a person up by ID number; follow-up may deregister (the call
        # passes the policy and reaches the handler, which does not know the id).
        as_statistics = reg_grpc.RegistrationServiceStub(
            self.channel(self.registration_addr, "client/svc-statistics"))
        refused = self.assert_refused(lambda: as_statistics.Deregister(reg.DeregisterRequest(
            registration_id="R-unknown"), timeout=TIMEOUT),
            grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
        self.assertIn("svc-statistics", refused.details())
        self.assert_refused(lambda: as_statistics.GetActiveRegistrationByPerson(
            reg.GetActiveRegistrationByPersonRequest(), timeout=TIMEOUT),
            grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
        as_followup = reg_grpc.RegistrationServiceStub(
            self.channel(self.registration_addr, "client/svc-followup"))
        with self.assertRaises(grpc.RpcError) as caught:
            as_followup.Deregister(reg.DeregisterRequest(registration_id="R-unknown"),
                                   timeout=TIMEOUT)
        self.assertNotEqual(caught.exception.code(), grpc.StatusCode.PERMISSION_DENIED,
                            caught.exception.details())
        # A service that calls no other has no calling identity at all.
        self.assert_refused(lambda: reg_grpc.RegistrationServiceStub(
            self.channel(self.registration_addr, "client/svc-verification")).StreamEvents(
                reg.StreamEventsRequest(), timeout=TIMEOUT).next(),
            UNAUTH, "CERTIFICATE_UNKNOWN")
        token = self.bearer(self.token("province-portal", "province-portal"))
        self.assert_refused(contacts(portal, token, timeout=None), grpc.StatusCode.INVALID_ARGUMENT,
                            "DEADLINE_REQUIRED")
        self.assert_refused(contacts(portal, token, timeout=3600), grpc.StatusCode.INVALID_ARGUMENT,
                            "DEADLINE_REQUIRED")
        self.assert_refused(lambda: portal.ForwardApplication(gw.ForwardApplicationRequest(
            ministry_application_id="MZ2025000009", form=make_form("34052419800101001X", "230102",
                                                                   "230100")),
            metadata=token, timeout=TIMEOUT), grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
        # A province-wide method with a district's scope.
        registration = reg_grpc.RegistrationServiceStub(
            self.channel(self.registration_addr, "client/staff-client"))
        self.assert_refused(lambda: registration.ListNotifications(
            reg.ListNotificationsRequest(page_size=10),
            metadata=self.bearer(self.token("staff-client", "auditor", "230103")), timeout=TIMEOUT),
            grpc.StatusCode.PERMISSION_DENIED, "REGION_SCOPE_TOO_NARROW")
        # A region outside the caller's scope.
        self.assert_refused(lambda: registration.ListReviewQueue(reg.ListReviewQueueRequest(
            office_region_code="230102", kind=reg.REVIEW_QUEUE_KIND_PROVINCE, page_size=10),
            metadata=self.bearer(self.token("staff-client", "reviewer", "230103")), timeout=TIMEOUT),
            grpc.StatusCode.PERMISSION_DENIED, "OUTSIDE_REGION_SCOPE")
        # Paths that are not the suite's own methods: server reflection (both versions, served and
        # guarded like any service) and a method no service has; raw bytes, any message will do.
        def raw(path, metadata):
            call = self.channel(self.gateway_addr, "client/province-portal").stream_stream(
                path, request_serializer=lambda b: b, response_deserializer=lambda b: b)
            return lambda: list(call(iter([b""]), metadata=metadata, timeout=TIMEOUT))
        for version in ("v1", "v1alpha"):
            reflection = f"/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo"
            self.assert_refused(raw(reflection, ()), UNAUTH, "TOKEN_MISSING", reflection)
            self.assert_refused(raw(reflection, token), grpc.StatusCode.PERMISSION_DENIED,
                                "ROLE_NOT_ALLOWED", reflection)
        unknown = "/unemployment.gateway.v1.GatewayService/NoSuchMethod"
        self.assert_refused(raw(unknown, ()), UNAUTH, "TOKEN_MISSING", unknown)
        self.assert_refused(raw(unknown, token), grpc.StatusCode.UNIMPLEMENTED, "METHOD_NOT_SERVED",
                            unknown)
        # The rate limit (100 calls/s, bursts of 200, per system and subject): one subject of its
        # own calls as fast as it can until refused.
        hasty = self.bearer(self.token("province-portal", "province-portal", subject="hasty"))
        refused = None
        for _ in range(3000):
            try:
                portal.ListRegionContacts(gw.ListRegionContactsRequest(), metadata=hasty,
                                          timeout=TIMEOUT)
            except grpc.RpcError as error:
                refused = error
                break
        self.assertIsNotNone(refused, "3000 calls were not rate limited")
        self.assertEqual(refused.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertEqual(error_details(refused)[0], "RATE_LIMITED")
        # Others are not limited by it.
        portal.ListRegionContacts(gw.ListRegionContactsRequest(), metadata=token, timeout=TIMEOUT)

    def test_4_health_on_the_probe_port(self):
        out = subprocess.run([f"{BIN_DIR}/ops/ue_health_probe", "--timeout=5s",
                              self.health_address("registration")],
                             capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)

    def health_address(self, name):
        return self.suite.health[name]

    def test_5_edited_audit_row_is_detected(self):
        audit_db = os.path.join(self.suite.data_dir("registration"), "audit.db")
        verify = [f"{BIN_DIR}/ops/ue_audit_verify", audit_db, f"{self.ca_dir}/audit.key"]
        intact = subprocess.run(verify, capture_output=True, text=True)
        self.assertEqual(intact.returncode, 0, intact.stderr)
        self.assertIn("intact", intact.stdout)
        # The anchor (checkpoints of the head, every 2 entries here): a copy of the log without
        # its newest entries is intact as a chain, but not against the anchor.
        anchor = os.path.join(self.suite.data_dir("registration"), "audit.anchor")
        anchored = subprocess.run([*verify[:1], f"--anchor={anchor}", *verify[1:]],
                                  capture_output=True, text=True)
        self.assertEqual(anchored.returncode, 0, anchored.stderr)
        self.assertIn("anchor checkpoint", anchored.stdout)
        copy_dir = tempfile.mkdtemp(prefix="ue-audit-copy-")
        copy = os.path.join(copy_dir, "audit.db")
        source = sqlite3.connect(audit_db)
        target = sqlite3.connect(copy)
        source.backup(target)
        source.close()
        head = target.execute("SELECT MAX(seq) FROM audit_log").fetchone()[0]
        target.execute("DROP TRIGGER audit_log_no_delete")
        target.execute("DELETE FROM audit_log WHERE seq > ?", (head - 3,))
        target.commit()
        target.close()
        shortened = subprocess.run([verify[0], copy, verify[2]], capture_output=True, text=True)
        self.assertEqual(shortened.returncode, 0, shortened.stderr)
        shortened = subprocess.run([verify[0], f"--anchor={anchor}", copy, verify[2]],
                                   capture_output=True, text=True)
        self.assertEqual(shortened.returncode, 1, shortened.stdout)
        self.assertIn("newest entries were removed", shortened.stderr)
        shutil.rmtree(copy_dir)
        db = sqlite3.connect(audit_db)
        rows = db.execute("SELECT seq, system, role, region, method, result FROM audit_log "
                          "ORDER BY seq").fetchall()
        self.assertIn(("staff-client", "reviewer", "230103",
                       "/unemployment.registration.v1.RegistrationService/ListReviewQueue",
                       "PERMISSION_DENIED"), [r[1:] for r in rows])
        denied_seq = next(r[0] for r in rows if r[5] == "PERMISSION_DENIED")
        db.execute("DROP TRIGGER audit_log_no_update")
        db.execute("UPDATE audit_log SET result = 'OK' WHERE seq = ?", (denied_seq,))
        db.commit()
        db.close()
        edited = subprocess.run(verify, capture_output=True, text=True)
        self.assertEqual(edited.returncode, 1, edited.stdout)
        self.assertIn(f"entry {denied_seq}", edited.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
