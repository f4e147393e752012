"""Bad-input catalogue: malformed requests to every public RPC method of the suite.

Enumerates every method of every service in proto/ from the generated descriptors and sends each a
catalogue of malformed requests built as raw wire bytes (so that invalid UTF-8 and out-of-range
enum numbers reach the server exactly as a hostile client would send them): missing fields, huge
strings (1 MB), invalid UTF-8, SQL-like text, control characters, out-of-range enums, negative and
huge numbers, hostile page tokens, impossible dates. Each case must be answered with the expected
code (INVALID_ARGUMENT with google.rpc.BadRequest field violations unless the EXPECTED table below
documents another code for that case); no server may crash (each still answers health afterwards);
nothing may be stored (the row count of every table of every service's SQLite files is unchanged).

Run by CTest with UE_BIN_DIR and UE_SOURCE_DIR set. Prints the number of cases per method.
"""

import base64
import collections
import glob
import os
import random
import sqlite3
import sys
import unittest

import grpc

from suite import Suite
from support import (BAD_UTF8, BIN_DIR, CONTROL, HUGE, SOURCE_DIR, SQL, identity,
                     length_delimited, varint_field)

from google.protobuf import descriptor as pbd  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from grpc_health_v1 import health_pb2, health_pb2_grpc  # noqa: E402
from unemployment.followup.v1 import followup_service_pb2  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2  # noqa: E402
from unemployment.personindex.v1 import person_index_service_pb2  # noqa: E402
from unemployment.registration.v1 import (ministry_feedback_service_pb2,  # noqa: E402
                                          registration_service_pb2)
from unemployment.notification.v1 import notification_receiver_service_pb2  # noqa: E402
from unemployment.statistics.v1 import statistics_service_pb2  # noqa: E402
from unemployment.tiering.v1 import tiering_service_pb2  # noqa: E402
from unemployment.verification.v1 import verification_service_pb2  # noqa: E402

# Proto service -> the suite process that serves it.
SERVERS = {
    "unemployment.gateway.v1.GatewayService": "gateway",
    "unemployment.registration.v1.RegistrationService": "registration",
    "unemployment.registration.v1.MinistryFeedbackService": "ministry_receiver",
    "unemployment.notification.v1.NotificationReceiverService": "notification_receiver",
    "unemployment.verification.v1.VerificationService": "verification",
    "unemployment.tiering.v1.TieringService": "tiering",
    "unemployment.followup.v1.FollowupService": "followup",
    "unemployment.statistics.v1.StatisticsService": "statistics",
    "unemployment.personindex.v1.PersonIndexService": "person_index",
}
MODULES = (gateway_service_pb2, registration_service_pb2, ministry_feedback_service_pb2,
           notification_receiver_service_pb2,
           verification_service_pb2, tiering_service_pb2, followup_service_pb2,
           statistics_service_pb2, person_index_service_pb2)

INVALID = grpc.StatusCode.INVALID_ARGUMENT
C = grpc.StatusCode

# Requests whose every field is optional: the empty request (and one with only an unknown field)
# is valid, not malformed. A StreamEvents subscription from sequence 0 is valid and waits for
# events (the harness's 5 s deadline ends it).
EMPTY_IS_VALID = {
    "unemployment.gateway.v1.GatewayService.ListRegionContacts": {C.OK},
    "unemployment.registration.v1.RegistrationService.ListReportedRegionContacts": {C.OK},
    "unemployment.verification.v1.VerificationService.ListSnapshots": {C.OK},
    "unemployment.tiering.v1.TieringService.ListDifficultyCriteria": {C.OK},
    "unemployment.statistics.v1.StatisticsService.GetFeedStatus": {C.OK},
    "unemployment.registration.v1.RegistrationService.StreamEvents": {C.DEADLINE_EXCEEDED},
    "unemployment.tiering.v1.TieringService.StreamEvents": {C.DEADLINE_EXCEEDED},
    "unemployment.followup.v1.FollowupService.StreamEvents": {C.DEADLINE_EXCEEDED},
}

# The gateway's channel identity (metadata x-channel-id) per method; every other case of a gateway
# method carries it, so that the request itself is what is judged.
GATEWAY_CHANNEL = {
    "SubmitApplication": "province-portal",
    "ForwardApplication": "ministry",
    "BatchForwardApplications": "ministry",
    "GetApplicationStatus": "province-portal",
}


def expected_codes(method, case):
    """The codes that are right for `case` of `method`, and why when it is not INVALID_ARGUMENT."""
    field, _, kind = case.rpartition(":")
    kind = kind or case
    if kind in ("invalid_utf8", "truncated_wire") and method.split(".")[-1] in (
            "ImportSnapshot", "CompareActiveRegistrations"):
        # In a client stream gRPC's callback API reports a message it cannot parse exactly like
        # the client's half-close (OnReadDone(false), not cancelled): ImportSnapshot then answers
        # INVALID_ARGUMENT (no header), CompareActiveRegistrations INVALID_ARGUMENT (no trailer:
        # the stream may be incomplete). Both streams end with a trailer for this reason.
        return {INVALID}
    if kind in ("invalid_utf8", "truncated_wire"):
        # Bytes that are not a valid message (proto3 strings must be UTF-8) are refused by gRPC's
        # protobuf deserializer before any service code runs; gRPC 1.51's callback API answers
        # UNIMPLEMENTED with an empty message (the synchronous API would answer INTERNAL).
        return {C.UNIMPLEMENTED, C.INTERNAL}
    if kind in ("empty", "unknown_field_only") and method in EMPTY_IS_VALID:
        return EMPTY_IS_VALID[method]
    if kind == "no_channel_identity":
        return {C.UNAUTHENTICATED}
    if kind == "wrong_channel":
        return {C.PERMISSION_DENIED}
    if field.endswith("page_size") and kind == "huge_number":
        # Page sizes above the maximum are clamped (AIP-158), not refused.
        return {C.OK, INVALID}
    if kind == "sql" and field.endswith("_id") and "." not in field and method.split(".")[-1] in (
            "GetApplication", "GetRegistration", "ListNotifications", "GetVerification",
            "GetLevel", "GetServicePlan", "GetProfile", "ListServiceDeliveries",
            "ListFollowUps", "GetFraudCase"):
        # Resource ids are opaque to callers: an id that was never issued is NOT_FOUND (the text
        # is only ever a bound SQL parameter).
        return {C.NOT_FOUND, INVALID}
    if method.endswith(".BatchForwardApplications") and field.startswith("requests."):
        # A batch answers OK with one result per item; the item's own error is checked in
        # check_batch_items().
        return {C.OK}
    if method.endswith(".StreamEvents") and field == "after_sequence" and kind == "huge_number":
        # A position after the feed's end: OUT_OF_RANGE, as AIP-193 asks.
        return {C.OUT_OF_RANGE}
    return {INVALID}


# --- the catalogue -------------------------------------------------------------------------------

random.seed(10)
RANDOM_TOKEN = base64.urlsafe_b64encode(bytes(random.randrange(256) for _ in range(48)))
TOKENS = {
    "random_base64": RANDOM_TOKEN,
    "truncated_base64": RANDOM_TOKEN[:13],
    "not_base64": b"!!!%%%***",
    "json_token": base64.urlsafe_b64encode(b'{"offset": -1, "after": "\' OR 1=1"}'),
    "huge_token": base64.urlsafe_b64encode(b"\x01" * 200000),
}
DATES = {
    "date_impossible": b"2025-02-30",
    "date_out_of_range": b"99999-01-01",
    "date_garbage": b"yesterday",
    "date_year_zero": b"0000-00-00",
}
STRING = pbd.FieldDescriptor.TYPE_STRING
ENUM = pbd.FieldDescriptor.TYPE_ENUM
MESSAGE = pbd.FieldDescriptor.TYPE_MESSAGE
INTS = (pbd.FieldDescriptor.TYPE_INT32, pbd.FieldDescriptor.TYPE_INT64,
        pbd.FieldDescriptor.TYPE_UINT32, pbd.FieldDescriptor.TYPE_UINT64,
        pbd.FieldDescriptor.TYPE_SINT32, pbd.FieldDescriptor.TYPE_SINT64)


def is_date_field(field):
    name = field.name
    return name.endswith("_date") or name in ("as_of", "month", "date") or name.endswith("_month")


def field_values(field):
    """(kind, encoded field) pairs of bad values for one field."""
    n = field.number
    if field.type == STRING:
        if field.name.endswith("page_token"):
            return [(k, length_delimited(n, v)) for k, v in TOKENS.items()]
        values = [("huge", HUGE), ("sql", SQL), ("invalid_utf8", BAD_UTF8), ("control", CONTROL)]
        if is_date_field(field):
            values += list(DATES.items())
        return [(k, length_delimited(n, v)) for k, v in values]
    if field.type == ENUM:
        return [("enum_out_of_range", varint_field(n, 9999)),
                ("enum_negative", varint_field(n, -7))]
    if field.type in INTS:
        return [("negative", varint_field(n, -1)), ("huge_number", varint_field(n, (1 << 31) - 1))]
    return []


def cases_for(request):
    """(case name, raw request bytes) for one request message type."""
    cases = [("empty", b"")]
    # An unknown field number and a truncated message.
    cases.append(("unknown_field_only", length_delimited(999, b"surprise")))
    cases.append(("truncated_wire", b"\x0a\xff\xff"))
    for field in request.fields:
        for kind, encoded in field_values(field):
            cases.append((f"{field.name}:{kind}", encoded))
        if field.type == MESSAGE and not field.message_type.full_name.startswith("google."):
            for sub in field.message_type.fields:
                for kind, encoded in field_values(sub):
                    if kind in ("huge", "control"):
                        continue  # the top-level fields already cover these
                    cases.append((f"{field.name}.{sub.name}:{kind}",
                                  length_delimited(field.number, encoded)))
    return cases


def describe_error(error):
    """(code, field violations, message) of an RpcError."""
    violations = []
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                    bad = error_details_pb2.BadRequest()
                    detail.Unpack(bad)
                    violations += [v.field for v in bad.field_violations]
    return error.code(), violations, error.details()


def call(channel, service, method, payload, metadata=None):
    """Sends `payload` as the (only) request message; returns the RpcError or None for OK. The
    response of a unary call is kept in LAST_RESPONSE."""
    path = f"/{service.full_name}/{method.name}"
    try:
        if method.client_streaming and method.server_streaming:
            responses = channel.stream_stream(path, identity, identity)(
                iter([payload]), timeout=20, metadata=metadata)
            for _ in responses:
                pass
        elif method.client_streaming:
            channel.stream_unary(path, identity, identity)(iter([payload]), timeout=20,
                                                           metadata=metadata)
        elif method.server_streaming:
            # A valid subscription would wait for events; a malformed one must end at once.
            responses = channel.unary_stream(path, identity, identity)(payload, timeout=5,
                                                                       metadata=metadata)
            next(iter(responses), None)
        else:
            LAST_RESPONSE[0] = channel.unary_unary(path, identity, identity)(
                payload, timeout=20, metadata=metadata)
    except grpc.RpcError as error:
        return error
    return None


LAST_RESPONSE = [b""]


def batch_items_refused(response_bytes):
    """True when every result of a BatchForwardApplicationsResponse is an INVALID_ARGUMENT error."""
    response = gateway_service_pb2.BatchForwardApplicationsResponse.FromString(response_bytes)
    return bool(response.results) and all(
        r.WhichOneof("result") == "error" and r.error.code == C.INVALID_ARGUMENT.value[0]
        for r in response.results)


def table_counts(data_root):
    counts = {}
    for path in sorted(glob.glob(os.path.join(data_root, "*", "*.db"))):
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                counts[(path, table)] = db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        finally:
            db.close()
    return counts


def serving(address):
    with grpc.insecure_channel(address) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(),
                                                          timeout=10)
        return reply.status == health_pb2.HealthCheckResponse.SERVING


class BadInputCatalogueTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(BIN_DIR, SOURCE_DIR).start_all()
        cls.suite.start("ministry_receiver")
        cls.suite.start("notification_receiver")

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()

    def test_catalogue(self):
        services = [s for m in MODULES for s in m.DESCRIPTOR.services_by_name.values()]
        self.assertEqual({s.full_name for s in services}, set(SERVERS),
                         "a service in proto/ has no server in this test")
        before = table_counts(self.suite.tmp.name)
        per_method = collections.OrderedDict()
        failures = []
        field_named = 0
        codes_seen = collections.Counter()
        invalid_total = 0
        for service in services:
            name = SERVERS[service.full_name]
            address = self.suite.addresses[name]
            with grpc.insecure_channel(address, options=[
                    ("grpc.max_send_message_length", 8 << 20)]) as channel:
                for method in service.methods:
                    cases = cases_for(method.input_type)
                    channel_name = GATEWAY_CHANNEL.get(method.name)
                    metadata = [("x-channel-id", channel_name)] if channel_name else None
                    if channel_name:
                        cases.append(("no_channel_identity", b""))
                        if method.name != "GetApplicationStatus":
                            cases.append(("wrong_channel", b""))
                    per_method[method.full_name] = len(cases)
                    for case, payload in cases:
                        expected = expected_codes(method.full_name, case)
                        case_metadata = metadata
                        if case == "no_channel_identity":
                            case_metadata = None
                        elif case == "wrong_channel":
                            other = "ministry" if channel_name == "province-portal" else \
                                "province-portal"
                            case_metadata = [("x-channel-id", other)]
                        error = call(channel, service, method, payload, case_metadata)
                        code = C.OK
                        violations, message = [], ""
                        if error is not None:
                            code, violations, message = describe_error(error)
                        codes_seen[code.name] += 1
                        if (code == C.OK and method.name == "BatchForwardApplications" and
                                not batch_items_refused(LAST_RESPONSE[0])):
                            failures.append(f"{method.full_name} [{case}]: a batch item was not "
                                            "refused with INVALID_ARGUMENT")
                        if code not in expected:
                            failures.append(f"{method.full_name} [{case}]: {code.name} "
                                            f"({message[:160]}), expected "
                                            f"{'/'.join(sorted(c.name for c in expected))}")
                        elif code == INVALID:
                            invalid_total += 1
                            if not violations:
                                failures.append(f"{method.full_name} [{case}]: INVALID_ARGUMENT "
                                                f"without field violations ({message[:160]})")
                            field = case.split(":")[0]
                            if any(v == field or v.startswith(field + ".") or
                                   v.startswith(field + "[") for v in violations):
                                field_named += 1
                self.assertTrue(serving(address), f"{name} stopped serving")
        for name, proc in self.suite.procs.items():
            self.assertIsNone(proc.poll(), f"{name} exited")
        after = table_counts(self.suite.tmp.name)
        changed = {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}

        width = max(len(m) for m in per_method)
        for method, count in per_method.items():
            print(f"  {method:<{width}} {count:4d}")
        total = sum(per_method.values())
        print(f"bad-input catalogue: {total} cases across {len(per_method)} methods of "
              f"{len(services)} services; {invalid_total} answered INVALID_ARGUMENT, "
              f"{field_named} of them naming the bad field; {len(failures)} unexpected")
        print("answers: " + ", ".join(f"{k} {v}" for k, v in codes_seen.most_common()))
        for failure in failures:
            print("UNEXPECTED", failure)
        sys.stdout.flush()
        self.assertFalse(changed, f"rows changed: {changed}")
        self.assertTrue(all(count > 0 for count in per_method.values()))
        self.assertGreaterEqual(total, 200)
        self.assertEqual(failures, [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
