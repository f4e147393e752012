"""Shared set-up of the Python end-to-end tests: the generated client, channel metadata, a valid
registration form, the details of a failed call, polling with a deadline, the development CA with
its client channels and caller tokens, and the hostile values and wire encoding of the bad-input
tests.

Importing this module generates the Python client from proto/ once (UE_SOURCE_DIR) and puts it on
sys.path; a test then imports the generated modules it needs. Processes are started with
suite.Suite.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import grpc

import suite

SOURCE_DIR = os.environ["UE_SOURCE_DIR"]
BIN_DIR = os.environ["UE_BIN_DIR"]
suite.generate_client(SOURCE_DIR)

from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from unemployment.common.v1 import codes_pb2, form_pb2  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2 as gw  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2 as reg  # noqa: E402
from unemployment.verification.v1 import verification_service_pb2 as ver  # noqa: E402

# Channel identities the gateway expects in metadata x-channel-id (insecure suites).
PORTAL = (("x-channel-id", "province-portal"),)
MINISTRY = (("x-channel-id", "ministry"),)
TIMEOUT = 15


def read(path):
    with open(path, "rb") as f:
        return f.read()


def free_port():
    """A loopback port free right now, for a server that must be reached before it starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def by_name(address):
    """`address` dialled by name: the development server certificates carry localhost."""
    return address.replace("127.0.0.1", "localhost")


def start_server(cmd, env):
    """Starts one server process outside a Suite (e.g. with settings a test checks); returns
    (process, address or None, its output up to the "listening on" line). End it with
    end_server()."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    lines, address = [], None
    for line in proc.stdout:
        lines.append(line)
        if "listening on " in line:
            address = line.split("listening on ")[1].split()[0]
            break
    return proc, address, "".join(lines)


def end_server(proc):
    proc.terminate()
    proc.wait(timeout=20)
    proc.stdout.close()


# --- waiting -------------------------------------------------------------------------------------

def poll(check, seconds=20, interval=0.1):
    """Calls `check` until it returns a true value or `seconds` have passed; returns the last
    value (false on time-out)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def wait_for(condition, what, seconds=20, interval=0.1):
    """The first true value of `condition()`; AssertionError naming `what` after `seconds`."""
    value = poll(condition, seconds, interval)
    if not value:
        raise AssertionError(f"timed out waiting for {what}")
    return value


# --- forms ---------------------------------------------------------------------------------------

def address(county="230102", city="230100", province="230000", detail="某街道1号",
            urban_rural_class="111"):
    return form_pb2.Address(province_code=province, city_code=city, county_code=county,
                            detail=detail, urban_rural_class=urban_rural_class)


def household_in_anhui():
    """A household registration outside the province (合肥市包河区)."""
    return address("340104", "340100", "340000", detail="某村2组", urban_rural_class="")


def sex_of(id_number):
    """GB 11643: the 17th digit is odd for men, even for women."""
    return codes_pb2.SEX_MALE if int(id_number[16]) % 2 else codes_pb2.SEX_FEMALE


def registration_form(id_number, name="张三", residence=None, household=None,
                      mobile="13800138000", sex=codes_pb2.SEX_MALE, unemployed_date="2025-06-30",
                      signed_date="2025-07-01", job_intentions=("软件开发",)):
    """A complete, valid form whose registration location is the residence (default 道里区,
    哈尔滨市); the household address is the residence unless given."""
    residence = residence or address()
    return form_pb2.RegistrationForm(
        name=name, sex=sex, ethnic_group="01", political_status="13",
        education=codes_pb2.EDUCATION_BACHELOR, health_status=codes_pb2.HEALTH_STATUS_HEALTHY,
        unemployed_date=unemployed_date,
        person_id=form_pb2.PersonId(id_type=codes_pb2.ID_TYPE_RESIDENT_ID_CARD,
                                    id_number=id_number),
        household_address=household or residence, residence_address=residence,
        contact=form_pb2.ContactInfo(mobile=mobile),
        registration_location=codes_pb2.REGISTRATION_LOCATION_RESIDENCE,
        unemployment_cause=codes_pb2.UNEMPLOYMENT_CAUSE_RESIGNED,
        applying_for_insurance_benefit=False, job_intentions=list(job_intentions),
        commitment=form_pb2.Commitment(agreed=True, signature=name, signed_date=signed_date))


def make_form(id_number, county, city, name="张三"):
    """A complete, valid form whose registration location is the residence in `county`; the
    household is registered in Anhui."""
    return registration_form(id_number, name, residence=address(county, city),
                             household=household_in_anhui())


def submit_and_accept(gateway, registration, portal_application_id, form):
    """Applies through the gateway's portal method and has registration accept the application
    (insecure suite); returns (application, registration record)."""
    app = gateway.SubmitApplication(
        gw.SubmitApplicationRequest(portal_application_id=portal_application_id, form=form),
        metadata=PORTAL, timeout=TIMEOUT).application
    accepted = registration.ReviewApplication(reg.ReviewApplicationRequest(
        application_id=app.application_id, request_id=f"rv-{app.application_id}",
        outcome=codes_pb2.REVIEW_OUTCOME_ACCEPTED, reviewer="审核员"), timeout=TIMEOUT)
    return app, accepted.registration


def import_snapshot(verification, source, version, as_of, lines):
    """Loads CSV `lines` (header first) as one snapshot of `source` through
    VerificationService.ImportSnapshot; returns the snapshot."""
    content = ("\n".join(lines) + "\n").encode("utf-8")
    requests = suite.snapshot_requests(ver, ver.SnapshotHeader(
        source=source, snapshot_version=version, data_as_of=as_of), content,
        row_count=len(lines) - 1)
    return verification.ImportSnapshot(iter(requests), timeout=TIMEOUT).snapshot


# --- errors --------------------------------------------------------------------------------------

def status_details(error):
    """The google.rpc.Status details (Any) of a failed call."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            return list(status_pb2.Status.FromString(value).details)
    return []


def error_info(error):
    """The google.rpc.ErrorInfo of a failed call, or None."""
    for detail in status_details(error):
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return info
    return None


def error_reason(error):
    """The ErrorInfo reason of a failed call, or None."""
    info = error_info(error)
    return info.reason if info else None


def field_violations(error):
    """The google.rpc.BadRequest field violations of a failed call."""
    out = []
    for detail in status_details(error):
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            out += bad.field_violations
    return out


def error_details(error):
    """(ErrorInfo reason, BadRequest fields) of a failed call."""
    return error_reason(error), [v.field for v in field_violations(error)]


# --- security ------------------------------------------------------------------------------------

class DevCa:
    """The development CA of deploy/security/make-dev-ca.sh in a temporary folder: server flags,
    client channels (mutual TLS) and caller tokens issued with ops/ue_issue_token."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ue-ca-")
        subprocess.run([os.path.join(SOURCE_DIR, "deploy/security/make-dev-ca.sh"), self.dir],
                       check=True, stdout=subprocess.DEVNULL)

    def flags(self, svc, *extra):
        """The flags that turn security on for service `svc`, then `extra`."""
        return [*suite.secured_flags(SOURCE_DIR, self.dir, svc), *extra]

    def credentials(self, client, key_dir=None):
        """Client credentials of certificate `client` (e.g. "client/staff-client") from
        `key_dir` (default this CA), trusting this CA."""
        key_dir = key_dir or self.dir
        return grpc.ssl_channel_credentials(
            root_certificates=read(f"{self.dir}/ca.pem"),
            private_key=read(f"{key_dir}/{client}.key"),
            certificate_chain=read(f"{key_dir}/{client}.pem"))

    def channel(self, address, client="client/staff-client", key_dir=None, options=None):
        return grpc.secure_channel(address, self.credentials(client, key_dir), options=options)

    def token(self, system, role, region="*", subject=None, lifetime="1h"):
        return subprocess.run(
            [f"{BIN_DIR}/ops/ue_issue_token", f"{self.dir}/token-signing.key", system,
             subject or f"{system}-tester", role, region, lifetime],
            check=True, capture_output=True, text=True).stdout.strip()

    def bearer(self, system, role, region="*", subject=None):
        """Call metadata carrying a fresh token."""
        return bearer(self.token(system, role, region, subject))

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def bearer(token):
    return (("authorization", f"Bearer {token}"),)


class SecuredSuiteTest(unittest.TestCase):
    """A test class over a secured suite: start_secured() in setUpClass makes cls.ca (DevCa) and
    cls.suite; both are stopped and removed after the class. channel() and bearer() call as a
    client certificate and a caller token of that CA."""

    @classmethod
    def start_secured(cls):
        cls.ca = DevCa()
        cls.suite = suite.Suite(BIN_DIR, SOURCE_DIR)

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()
        cls.ca.cleanup()

    @classmethod
    def channel(cls, address, client="client/staff-client"):
        return cls.ca.channel(address, client)

    @classmethod
    def bearer(cls, system, role, region="*", subject=None):
        return cls.ca.bearer(system, role, region, subject)


# --- hostile values and wire encoding (bad-input tests) ------------------------------------------

HUGE = b"x" * (1 << 20)
SQL = "'; DROP TABLE applications; -- \" OR 1=1 --".encode()
BAD_UTF8 = b"\xff\xfe\xc3\x28 \xed\xa0\x80"
CONTROL = b"a\x00b\x1b[2Jc"


def identity(b):
    return b


def varint(n):
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def tag(number, wire_type):
    return varint(number << 3 | wire_type)


def length_delimited(number, payload):
    return tag(number, 2) + varint(len(payload)) + payload


def varint_field(number, value):
    return tag(number, 0) + varint(value)
