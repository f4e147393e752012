"""Bad-input catalogue, secured: hostile values inside otherwise valid requests, and stream abuse.

The services run as in production: mutual TLS with certificates from deploy/security/make-dev-ca.sh,
signed caller tokens, the policy of data/security/policy and audit logs (as test_security_e2e.py).
Every call carries the identity its method needs, so what is judged is the request itself.

1. Hostile values in VALID requests. Each base request (gateway SubmitApplication,
   ForwardApplication, BatchForwardApplications, registration CreateApplication) is first shown to
   be accepted as it is; then one string at a time, at every depth of the message (top level,
   form.*, form.residence_address.*, form.person_id.*, form.commitment.*, repeated entries such as
   form.job_intentions[1] and requests[1].form.residence_address.detail), is replaced by a hostile
   value: 1 MB text, SQL, invalid UTF-8, control characters, bidirectional overrides, 10,000 CJK
   characters. Because the rest of the request is valid, no REQUIRED error elsewhere can hide the
   value: the answer must be INVALID_ARGUMENT with a field violation naming exactly that field (or
   its repeated entry), or OK when the value is acceptable text (SQL or bidi in free text), or,
   for invalid UTF-8, gRPC's own refusal before any service code runs. Nested enums get
   out-of-range numbers. Repeated hostile values: every string of a form hostile at once (every
   field named), 1,000 hostile job intentions, a batch of 50 items each with a hostile nested value
   (each item refused, the call OK). No half-written record: the registration shard's application
   count grows by exactly the number of accepted single writes.
2. Stream abuse, with the resident set size (VmRSS) of the abused process sampled throughout and
   other callers served meanwhile (a health check and a real read answered within 3 s each):
   - a never-ending client stream: VerificationService.ImportSnapshot fed valid rows for 8 s
     without a trailer, then abandoned; nothing of it becomes a snapshot;
   - a slow reader: RegistrationService.StreamEvents opened and never read while 150 applications
     are written (events pile up on the server side);
   - many concurrent streams: 200 StreamEvents subscriptions over 4 connections, none read.
   The bound: RSS stays below BASELINE + RSS_HEADROOM_MB (stated below), and the service still
   serves after the streams are gone.

Run by CTest (python_bad_input_secured) with UE_BIN_DIR and UE_SOURCE_DIR set; prints FIGURES
lines (cases, answers, RSS peaks).
"""

import collections
import datetime
import os
import re
import sys
import threading
import time
import unittest

import grpc

from suite import Suite, resident_id
from support import (BAD_UTF8, BIN_DIR, CONTROL, HUGE, SOURCE_DIR, SQL, DevCa, address, by_name,
                     error_details, household_in_anhui, identity, length_delimited,
                     registration_form, varint)

from google.protobuf import descriptor as pbd  # noqa: E402
from grpc_health_v1 import health_pb2, health_pb2_grpc  # noqa: E402
from unemployment.common.v1 import codes_pb2  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2 as gw  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2 as reg  # noqa: E402
from unemployment.verification.v1 import verification_service_pb2 as ver  # noqa: E402

C = grpc.StatusCode
TIMEOUT = 20
# The stated memory bound of stream abuse: the abused process's RSS may grow by at most this much
# over its RSS before the abuse (MB).
RSS_HEADROOM_MB = 256

HOSTILE = {
    "huge": HUGE,
    "sql": SQL,
    "invalid_utf8": BAD_UTF8,
    "control": CONTROL,
    "bidi": "\u202e\u2066abc\u2069\u200b".encode(),
    "cjk_10k": ("张" * 10000).encode(),
}
# Kinds that may be accepted in free text (the value is then stored as sent).
MAY_ACCEPT = {"sql", "bidi"}
STRING = pbd.FieldDescriptor.TYPE_STRING
ENUM = pbd.FieldDescriptor.TYPE_ENUM
MESSAGE = pbd.FieldDescriptor.TYPE_MESSAGE
REPEATED = pbd.FieldDescriptor.LABEL_REPEATED


def encode_with(message, path, raw_leaf):
    """`message` encoded with the field at `path` (list of (field name, index or None)) replaced:
    `raw_leaf(field)` gives the encoded replacement field. Protobuf accepts fields in any order, so
    the message minus the field is followed by the field re-encoded."""
    (name, index), rest = path[0], path[1:]
    field = message.DESCRIPTOR.fields_by_name[name]
    copy = type(message)()
    copy.CopyFrom(message)
    copy.ClearField(name)
    out = copy.SerializeToString()
    if field.label == REPEATED:
        values = list(getattr(message, name))
        if index >= len(values):
            values += [values[-1] if values else ""] * (index + 1 - len(values))
        for i, value in enumerate(values):
            if i != index:
                out += length_delimited(field.number,
                                        value.SerializeToString() if field.type == MESSAGE
                                        else value.encode())
            elif rest:
                out += length_delimited(field.number, encode_with(value, rest, raw_leaf))
            else:
                out += raw_leaf(field)
        return out
    if rest:
        return out + length_delimited(field.number,
                                      encode_with(getattr(message, name), rest, raw_leaf))
    return out + raw_leaf(field)


def leaves(message, prefix=()):
    """Every string and enum leaf that is set in `message`, as paths; repeated fields contribute
    each entry."""
    out = []
    for field, value in message.ListFields():
        if field.label == REPEATED:
            for i, item in enumerate(value):
                step = prefix + ((field.name, i),)
                if field.type == MESSAGE:
                    out += leaves(item, step)
                elif field.type in (STRING, ENUM):
                    out.append((step, field.type))
        elif field.type == MESSAGE:
            if not field.message_type.full_name.startswith("google."):
                out += leaves(value, prefix + ((field.name, None),))
        elif field.type in (STRING, ENUM):
            out.append((prefix + ((field.name, None),), field.type))
    return out


def path_name(path):
    return ".".join(n + (f"[{i}]" if i is not None else "") for n, i in path)


def make_form(id_number, county="230103", ministry=False, name="张三"):
    residence = address(county, detail="西大直街92号", urban_rural_class="" if ministry else "111")
    return registration_form(id_number, name, residence=residence, household=household_in_anhui(),
                             job_intentions=("软件开发", "电工"))


def describe(error):
    """(code, ErrorInfo reason, field violations) of an RpcError."""
    return (error.code(), *error_details(error))


def names(field, violation):
    """True when `violation` (a BadRequest field path) names `field` or its repeated entry."""
    bare = re.sub(r"\[\d+\]", "", field)
    return (violation in (field, bare) or violation.startswith(field + ".") or
            violation.startswith(field + "[") or field.startswith(violation + "["))


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class RssSampler:
    """Samples a process's RSS every 100 ms in a thread; `peak` after stop()."""

    def __init__(self, pid):
        self.pid, self.peak, self.running = pid, rss_mb(pid), True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.1)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.peak


class SecuredBadInput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ca = DevCa()

        def secure(svc):
            return cls.ca.flags(svc, "--health_listen=127.0.0.1:0",
                                # The catalogue sends hundreds of calls a second as one caller; it
                                # judges the requests, not the rate (the per-caller limit has its
                                # own case in test_security_e2e.py), so the limit is off here.
                                "--rate_limit=0")

        cls.suite = Suite(BIN_DIR, SOURCE_DIR)
        registration = cls.suite.start("registration", *secure("registration"))
        index = cls.suite.start_person_index(f"hlj={registration}", *secure("person-index"))
        gateway = cls.suite.start("gateway", f"--registration_addr={registration}",
                                  f"--person_index_addr={index}", *secure("gateway"))
        verification = cls.suite.start("verification", *secure("verification"))
        cls.addr = {"registration": by_name(registration), "gateway": by_name(gateway),
                    "verification": by_name(verification)}
        cls.channels = {}
        cls.serial = 100
        cls.figures = collections.Counter()

    @classmethod
    def tearDownClass(cls):
        for channel in cls.channels.values():
            channel.close()
        cls.suite.stop()
        cls.ca.cleanup()

    # --- identities ---------------------------------------------------------------------------

    def channel(self, service, client, fresh=False):
        key = (service, client)
        if fresh or key not in self.channels:
            channel = self.ca.channel(self.addr[service], f"client/{client}", options=[
                ("grpc.max_send_message_length", 64 << 20)])
            if fresh:
                return channel
            self.channels[key] = channel
        return self.channels[key]

    _tokens = {}

    def token(self, system, role):
        if (system, role) not in self._tokens:
            self._tokens[(system, role)] = self.ca.token(system, role, subject=f"{system}-t")
        return (("authorization", f"Bearer {self._tokens[(system, role)]}"),)

    def caller(self, method):
        """(service, client certificate, metadata) of the caller each method needs."""
        if method in ("SubmitApplication", "GetApplicationStatus"):
            return "gateway", "province-portal", self.token("province-portal", "province-portal")
        if method in ("ForwardApplication", "BatchForwardApplications"):
            return "gateway", "ministry-platform", self.token("ministry-platform", "ministry")
        if method in ("ImportSnapshot", "ListSnapshots"):
            return "verification", "operator-console", self.token("operator-console", "operator")
        return "registration", "svc-gateway", None  # certificate-only service caller

    def unary(self, service_name, method, payload, timeout=TIMEOUT):
        """Raw unary call; returns (code, reason, violations, response bytes)."""
        service, client, metadata = self.caller(method)
        path = f"/unemployment.{service_name}/{method}"
        try:
            response = self.channel(service, client).unary_unary(path, identity, identity)(
                payload, timeout=timeout, metadata=metadata)
        except grpc.RpcError as error:
            code, reason, fields = describe(error)
            return code, reason, fields, b""
        return C.OK, None, [], response

    # --- the base requests --------------------------------------------------------------------

    def next_id(self):
        """A fresh valid resident ID number (a new person each time: the person index refuses a
        second open application of one person)."""
        type(self).serial += 1
        birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=self.serial)
        return resident_id("230103", birth.strftime("%Y%m%d"), (self.serial % 450) * 2 + 1)  # odd: male

    def bases(self):
        """method -> (gRPC service name, function making a fresh valid request)."""
        def submit():
            n = self.next_id()
            return gw.SubmitApplicationRequest(portal_application_id=f"230103P{self.serial:06d}",
                                               form=make_form(n))

        def forward():
            n = self.next_id()
            return gw.ForwardApplicationRequest(ministry_application_id=f"MZ{self.serial:08d}",
                                                form=make_form(n, ministry=True))

        def batch():
            return gw.BatchForwardApplicationsRequest(requests=[forward(), forward()])

        def create():
            n = self.next_id()
            return reg.CreateApplicationRequest(
                channel=codes_pb2.CHANNEL_PROVINCE_PORTAL,
                channel_application_id=f"230103R{self.serial:06d}", form=make_form(n),
                office_region_code="230103")
        gateway = "gateway.v1.GatewayService"
        return {"SubmitApplication": (gateway, submit), "ForwardApplication": (gateway, forward),
                "BatchForwardApplications": (gateway, batch),
                "CreateApplication": ("registration.v1.RegistrationService", create)}

    def application_count(self):
        import sqlite3
        path = os.path.join(self.suite.data_dir("registration"), "registration.db")
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return db.execute("SELECT count(*) FROM applications").fetchone()[0]
        finally:
            db.close()

    def batch_results(self, response):
        return gw.BatchForwardApplicationsResponse.FromString(response).results

    # --- 1: hostile values in valid requests --------------------------------------------------

    def test_1_hostile_values_in_valid_requests(self):
        failures, answers = [], collections.Counter()
        accepted_writes = 0
        before = self.application_count()
        for method, (service_name, make) in self.bases().items():
            # The base request as it is: accepted (so nothing else in it can hide a value).
            code, reason, fields, response = self.unary(service_name, method,
                                                        make().SerializeToString())
            if code != C.OK or (method == "BatchForwardApplications" and any(
                    r.WhichOneof("result") != "application"
                    for r in self.batch_results(response))):
                failures.append(f"{method}: the valid base request was refused: {code} {reason} "
                                f"{fields}")
                continue
            accepted_writes += 2 if method == "BatchForwardApplications" else 1
            template = make()
            for path, kind_of_field in leaves(template):
                field = path_name(path)
                depth = len(path)
                if kind_of_field == ENUM:
                    hostile = {"enum_out_of_range": 9999, "enum_negative": -7}
                else:
                    hostile = HOSTILE
                for kind, value in hostile.items():
                    request = make()
                    if kind_of_field == ENUM:
                        payload = encode_with(request, path, lambda f, v=value: varint(
                            f.number << 3) + varint(v))
                    else:
                        payload = encode_with(request, path,
                                              lambda f, v=value: length_delimited(f.number, v))
                    code, reason, fields, response = self.unary(service_name, method, payload)
                    answers[code.name] += 1
                    self.figures[f"depth{min(depth, 4)}"] += 1
                    case = f"{method} [{field}:{kind}]"
                    if method == "BatchForwardApplications" and code == C.OK:
                        results = self.batch_results(response)
                        item = path[0][1] if path[0][0] == "requests" else None
                        for r in results:
                            refused = (r.WhichOneof("result") == "error" and
                                       r.error.code == C.INVALID_ARGUMENT.value[0])
                            if r.index == item and not refused and kind not in MAY_ACCEPT:
                                failures.append(f"{case}: the item was not refused "
                                                f"({r.WhichOneof('result')})")
                            if r.WhichOneof("result") == "application":
                                accepted_writes += 1
                            elif r.index != item:
                                failures.append(f"{case}: the valid item {r.index} was refused")
                        continue
                    if kind == "invalid_utf8" and kind_of_field == STRING:
                        # gRPC's protobuf parser refuses it before the service runs.
                        if code not in (C.UNIMPLEMENTED, C.INTERNAL, C.INVALID_ARGUMENT):
                            failures.append(f"{case}: {code.name}")
                        continue
                    if code == C.OK:
                        accepted_writes += 1
                        if kind not in MAY_ACCEPT:
                            failures.append(f"{case}: accepted")
                        continue
                    if code != C.INVALID_ARGUMENT:
                        failures.append(f"{case}: {code.name} {reason}, expected INVALID_ARGUMENT")
                    elif not any(names(field, v) for v in fields):
                        failures.append(f"{case}: INVALID_ARGUMENT without a violation of "
                                        f"{field} (got {fields})")
        # Repeated hostile values: every string of one form at once.
        service_name, make = self.bases()["SubmitApplication"]
        request = make()
        payload = request.SerializeToString()
        string_paths = [p for p, t in leaves(request) if t == STRING
                        and p[-1][0] not in ("portal_application_id",)]
        for path in string_paths:
            payload = encode_with(gw.SubmitApplicationRequest.FromString(payload), path,
                                  lambda f: length_delimited(f.number, HOSTILE["control"]))
        code, reason, fields, _ = self.unary(service_name, "SubmitApplication", payload)
        unnamed = [path_name(p) for p in string_paths
                   if not any(names(path_name(p), v) for v in fields)]
        if code != C.INVALID_ARGUMENT or len(unnamed) > len(string_paths) // 2:
            failures.append(f"SubmitApplication [every string hostile]: {code.name}, "
                            f"{len(fields)} violations, not named: {unnamed}")
        self.figures["all_strings_hostile_violations"] = len(fields)
        # 1,000 hostile job intentions.
        request = make()
        del request.form.job_intentions[:]
        request.form.job_intentions.extend(["'; DROP TABLE x; --\u202e"] * 1000)
        code, reason, fields, _ = self.unary(service_name, "SubmitApplication",
                                             request.SerializeToString())
        if code != C.INVALID_ARGUMENT or not any(v.startswith("form.job_intentions")
                                                 for v in fields):
            failures.append(f"SubmitApplication [1000 job intentions]: {code.name} {fields[:3]}")
        # A batch of 50 items, each with a hostile nested value.
        _, make_forward = self.bases()["ForwardApplication"]
        batch = gw.BatchForwardApplicationsRequest(requests=[make_forward() for _ in range(50)])
        payload = batch.SerializeToString()
        for i in range(50):
            payload = encode_with(gw.BatchForwardApplicationsRequest.FromString(payload),
                                  [("requests", i), ("form", None), ("residence_address", None),
                                   ("county_code", None)],
                                  lambda f: length_delimited(f.number, HOSTILE["sql"]))
        code, reason, fields, response = self.unary("gateway.v1.GatewayService",
                                                    "BatchForwardApplications", payload)
        if code != C.OK:
            failures.append(f"BatchForwardApplications [50 hostile items]: {code.name} {reason}")
        else:
            results = self.batch_results(response)
            refused = sum(1 for r in results if r.WhichOneof("result") == "error" and
                          r.error.code == C.INVALID_ARGUMENT.value[0])
            if refused != 50:
                failures.append(f"BatchForwardApplications [50 hostile items]: {refused} refused")
        after = self.application_count()
        if after - before != accepted_writes:
            failures.append(f"applications stored: {after - before}, accepted writes: "
                            f"{accepted_writes} (a refused write left a record, or an accepted "
                            "one none)")
        for name, proc in self.suite.procs.items():
            self.assertIsNone(proc.poll(), f"{name} exited")
        total = sum(answers.values())
        print(f"FIGURES secured catalogue: {total} hostile-value cases in valid requests "
              f"(by depth: {dict(sorted((k, v) for k, v in self.figures.items() if k.startswith('depth')))}); "
              f"answers {dict(answers)}; every-string-hostile request named "
              f"{self.figures['all_strings_hostile_violations']} violations; "
              f"applications stored {after - before} = accepted writes {accepted_writes}")
        for failure in failures:
            print("UNEXPECTED", failure)
        sys.stdout.flush()
        self.assertGreaterEqual(self.figures["depth3"], 20)
        self.assertEqual(failures, [])

    # --- 2: stream abuse ----------------------------------------------------------------------

    def served_meanwhile(self, label):
        """Other callers are served: a health check and a real read within 3 s each."""
        started = time.monotonic()
        with grpc.insecure_channel(self.suite.health["registration"]) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(),
                                                              timeout=3)
            self.assertEqual(reply.status, health_pb2.HealthCheckResponse.SERVING, label)
        request = reg.GetApplicationByChannelIdRequest(
            channel=codes_pb2.CHANNEL_PROVINCE_PORTAL, channel_application_id="230103X0000")
        code, reason, _, _ = self.unary("registration.v1.RegistrationService",
                                        "GetApplicationByChannelId",
                                        request.SerializeToString(), timeout=3)
        self.assertEqual(code, C.NOT_FOUND, f"{label}: a read was not served ({reason})")
        code, _, _, _ = self.unary("verification.v1.VerificationService", "ListSnapshots",
                                   ver.ListSnapshotsRequest().SerializeToString(), timeout=3)
        self.assertEqual(code, C.OK, f"{label}: verification's ListSnapshots was not served")
        return time.monotonic() - started

    def test_2_never_ending_client_stream(self):
        proc = self.suite.procs["verification"]
        baseline = rss_mb(proc.pid)
        sampler = RssSampler(proc.pid)
        header = ver.SnapshotHeader(source=ver.SOURCE_POPULATION, snapshot_version="endless-1",
                                    data_as_of="2025-09-01")
        row_number = [0]

        def rows(n):
            out = []
            for _ in range(n):
                row_number[0] += 1
                out.append(f"{codes_pb2.ID_TYPE_RESIDENT_ID_CARD},"
                           f"{resident_id('230102', '19600101', row_number[0] % 1000)},赵某,"
                           f"{codes_pb2.SEX_MALE},1960-01-01,ALIVE,,230102\n")
            return "".join(out).encode()
        stop = threading.Event()
        sent = [0]

        def endless():
            yield ver.ImportSnapshotRequest(header=header)
            yield ver.ImportSnapshotRequest(content=(
                "id_type,id_number,name,sex,birth_date,status,death_date,"
                "household_region_code\n").encode())
            while not stop.is_set():
                piece = rows(2000)
                sent[0] += len(piece)
                yield ver.ImportSnapshotRequest(content=piece)
        service, client, metadata = self.caller("ImportSnapshot")
        call = self.channel(service, client, fresh=True).stream_unary(
            "/unemployment.verification.v1.VerificationService/ImportSnapshot",
            lambda m: m.SerializeToString(), identity)
        future = call.future(endless(), timeout=60, metadata=metadata)
        slowest = 0.0
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and not future.done():
            time.sleep(1)
            slowest = max(slowest, self.served_meanwhile("never-ending client stream"))
        stop.set()
        future.cancel()
        time.sleep(1)
        peak = sampler.stop()
        code, _, _, response = self.unary("verification.v1.VerificationService", "ListSnapshots",
                                          ver.ListSnapshotsRequest().SerializeToString())
        self.assertEqual(code, C.OK)
        versions = [s.snapshot_version for s in ver.ListSnapshotsResponse.FromString(
            response).snapshots]
        print(f"FIGURES never-ending ImportSnapshot: {sent[0] / 1e6:.1f} MB sent in 8 s without "
              f"a trailer; verification RSS {baseline:.0f} MB -> peak {peak:.0f} MB (bound "
              f"{baseline + RSS_HEADROOM_MB:.0f}); slowest other call {slowest * 1000:.0f} ms")
        sys.stdout.flush()
        self.assertNotIn("endless-1", versions, "an abandoned import became a snapshot")
        self.assertLess(peak, baseline + RSS_HEADROOM_MB)
        self.assertIsNone(proc.poll())
        self.served_meanwhile("after the endless stream")

    def open_unread_streams(self, count, connections):
        """`count` StreamEvents subscriptions from sequence 0 over `connections` channels, never
        read; returns (calls, channels)."""
        channels = [self.channel("registration", "svc-followup", fresh=True)
                    for _ in range(connections)]
        calls = []
        request = reg.StreamEventsRequest(after_sequence=0).SerializeToString()
        for i in range(count):
            method = channels[i % connections].unary_stream(
                "/unemployment.registration.v1.RegistrationService/StreamEvents", identity,
                identity)
            calls.append(method(request, timeout=120))
        return calls, channels

    def write_applications(self, n):
        _, make = self.bases()["SubmitApplication"]
        accepted = 0
        for _ in range(n):
            code, reason, fields, _ = self.unary("gateway.v1.GatewayService", "SubmitApplication",
                                                 make().SerializeToString())
            accepted += code == C.OK
        return accepted

    def test_3_slow_reader_and_many_streams(self):
        proc = self.suite.procs["registration"]
        baseline = rss_mb(proc.pid)
        sampler = RssSampler(proc.pid)
        # A slow reader: one subscription, read one message, then not at all while 150
        # applications are written.
        slow, slow_channels = self.open_unread_streams(1, 1)
        started = time.monotonic()
        accepted = self.write_applications(150)
        write_seconds = time.monotonic() - started
        slowest = self.served_meanwhile("slow reader")
        first = next(iter(slow[0]), None)
        self.assertIsNotNone(first, "the slow reader's stream delivered nothing")
        slow[0].cancel()
        # Many concurrent streams.
        calls, channels = self.open_unread_streams(200, 4)
        time.sleep(2)
        accepted += self.write_applications(20)
        slowest = max(slowest, self.served_meanwhile("200 concurrent streams"))
        alive = sum(1 for c in calls if not c.done())
        for c in calls:
            c.cancel()
        for channel in channels + slow_channels:
            channel.close()
        time.sleep(1)
        peak = sampler.stop()
        print(f"FIGURES stream abuse on registration: slow reader while {accepted} applications "
              f"were written ({write_seconds:.1f} s for the first 150); 200 concurrent unread "
              f"StreamEvents ({alive} open); RSS {baseline:.0f} MB -> peak {peak:.0f} MB (bound "
              f"{baseline + RSS_HEADROOM_MB:.0f}); slowest other call {slowest * 1000:.0f} ms")
        sys.stdout.flush()
        self.assertGreaterEqual(accepted, 150)
        self.assertLess(peak, baseline + RSS_HEADROOM_MB)
        self.assertIsNone(proc.poll())
        self.served_meanwhile("after the streams")


if __name__ == "__main__":
    unittest.main(verbosity=2)
