#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/ (run after a
contract change; the files are committed). Needs Debian's python3-protobuf, protoc and the gRPC
Python plugin (tests/python/generate_client.sh generates the messages).

    tests/fuzz/make_seeds.py

Seeds written here are named seed-*; other files in a corpus folder (hand-made seeds, reproducers
of fixed findings: crash-*, finding-*) are left alone.

Layout per target (the first byte is the selector, see each target's comment):
  fuzz_*_service          selector = method index among the service's methods that are not
                          client-streaming (descriptor order); rest = the encoded request. One empty
                          request per method, plus valid requests of the main write methods.
  fuzz_*_requests         selector = the index in the target's UE_FUZZ_REQUEST table; rest = the
                          encoded request. One empty request per index, plus valid ones.
  fuzz_policy             the policy text (data/security/policy and small variants).
  fuzz_masking            below 0x80: mask kind + value; 0x80 + i: the i-th response type
                          (registration, gateway, follow-up, tiering, declaration order) + message.
  fuzz_token              0x00 + presented token text; 0x01 + claims (system, subject, role,
                          region, seconds left, flip position and mask, one per line).
"""

import base64
import glob
import hashlib
import hmac
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
from suite import generate_client  # noqa: E402

generate_client(ROOT)

from unemployment.common.v1 import codes_pb2, form_pb2  # noqa: E402
from unemployment.followup.v1 import followup_service_pb2 as fu  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2 as gw  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2 as reg  # noqa: E402
from unemployment.statistics.v1 import statistics_service_pb2 as st  # noqa: E402
from unemployment.tiering.v1 import tiering_service_pb2 as tie  # noqa: E402
from unemployment.verification.v1 import verification_service_pb2 as ver  # noqa: E402


def form(id_number="34052419800101001X", ministry=False):
    residence = form_pb2.Address(province_code="230000", city_code="230100", county_code="230103",
                                 detail="西大直街92号",
                                 urban_rural_class="" if ministry else "111")
    household = form_pb2.Address(province_code="230000", city_code="230100",
                                 county_code="230102", detail="中央大街1号")
    return form_pb2.RegistrationForm(
        name="张三", sex=codes_pb2.SEX_MALE, ethnic_group="01",
        education=codes_pb2.EDUCATION_BACHELOR, health_status=codes_pb2.HEALTH_STATUS_HEALTHY,
        unemployed_date="2025-08-01",
        person_id=form_pb2.PersonId(id_type=codes_pb2.ID_TYPE_RESIDENT_ID_CARD,
                                    id_number=id_number),
        household_address=household, residence_address=residence,
        contact=form_pb2.ContactInfo(mobile="13912345678"),
        registration_location=codes_pb2.REGISTRATION_LOCATION_RESIDENCE,
        unemployment_cause=codes_pb2.UNEMPLOYMENT_CAUSE_RESIGNED,
        applying_for_insurance_benefit=True, job_intentions=["电工"],
        commitment=form_pb2.Commitment(agreed=True, signature="张三", signed_date="2025-09-20"))


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "seed-" + name), "wb") as f:
        f.write(data)


def clear(target):
    for path in glob.glob(os.path.join(HERE, "corpus", target, "seed-*")):
        os.remove(path)


def methods(service):
    return [m for m in service.methods if not m.client_streaming]


def service_seeds(target, service, valid):
    """Empty requests for every method and `valid` {method name: [messages]}."""
    clear(target)
    for index, method in enumerate(methods(service)):
        write(target, f"{index:02d}-{method.name}-empty", bytes([index]))
        for n, message in enumerate(valid.get(method.name, [])):
            write(target, f"{index:02d}-{method.name}-{n}",
                  bytes([index]) + message.SerializeToString())


def request_table(target):
    """index -> request type name of a fuzz_*_requests target (its UE_FUZZ_REQUEST lines)."""
    with open(os.path.join(HERE, target + ".cc"), encoding="utf-8") as f:
        text = f.read()
    return {int(i): t for i, t in re.findall(r"UE_FUZZ_REQUEST\((\d+),\s*v1::(\w+)", text)}


def request_seeds(target, module, valid):
    clear(target)
    for index, type_name in sorted(request_table(target).items()):
        write(target, f"{index:02d}-{type_name}-empty", bytes([index]))
        for n, message in enumerate(valid.get(type_name, [])):
            write(target, f"{index:02d}-{type_name}-{n}", bytes([index]) + message.SerializeToString())


def main():
    create = reg.CreateApplicationRequest(channel=codes_pb2.CHANNEL_PROVINCE_PORTAL,
                                          channel_application_id="230103-000001", form=form(),
                                          office_region_code="230103")
    create_ministry = reg.CreateApplicationRequest(
        channel=codes_pb2.CHANNEL_MINISTRY, channel_application_id="M-230103-0001",
        form=form("230103198507150016", ministry=True), office_region_code="230103")
    by_channel = reg.GetApplicationByChannelIdRequest(channel=codes_pb2.CHANNEL_PROVINCE_PORTAL,
                                                      channel_application_id="230103-000001")
    queue = reg.ListReviewQueueRequest(office_region_code="230103", page_size=10)
    stream = reg.StreamEventsRequest(after_sequence=0, stop_at_end=True)
    service_seeds("fuzz_registration_service", reg.DESCRIPTOR.services_by_name["RegistrationService"],
                  {"CreateApplication": [create, create_ministry],
                   "GetApplicationByChannelId": [by_channel], "ListReviewQueue": [queue],
                   "StreamEvents": [stream]})

    submit = gw.SubmitApplicationRequest(portal_application_id="230103P0001", form=form())
    forward = gw.ForwardApplicationRequest(ministry_application_id="M0001",
                                           form=form("230103198507150016", ministry=True))
    batch = gw.BatchForwardApplicationsRequest(requests=[
        forward, gw.ForwardApplicationRequest(ministry_application_id="M0002",
                                              form=form("230103199001010038", ministry=True))])
    status = gw.GetApplicationStatusRequest(channel=codes_pb2.CHANNEL_PROVINCE_PORTAL,
                                            channel_application_id="230103P0001")
    service_seeds("fuzz_gateway_service", gw.DESCRIPTOR.services_by_name["GatewayService"],
                  {"SubmitApplication": [submit], "ForwardApplication": [forward],
                   "BatchForwardApplications": [batch], "GetApplicationStatus": [status]})

    service_seeds("fuzz_followup_service", fu.DESCRIPTOR.services_by_name["FollowupService"],
                  {"StreamEvents": [fu.StreamEventsRequest(stop_at_end=True)]})
    service_seeds("fuzz_tiering_service", tie.DESCRIPTOR.services_by_name["TieringService"],
                  {"StreamEvents": [tie.StreamEventsRequest(stop_at_end=True)]})

    request_seeds("fuzz_registration_requests", reg, {"CreateApplicationRequest": [create, create_ministry],
                                                      "ListReviewQueueRequest": [queue]})
    request_seeds("fuzz_followup_requests", fu, {})
    request_seeds("fuzz_tiering_requests", tie, {})
    request_seeds("fuzz_verification_requests", ver, {})
    request_seeds("fuzz_statistics_requests", st, {})

    clear("fuzz_policy")
    with open(os.path.join(ROOT, "data", "security", "policy"), "rb") as f:
        policy = f.read()
    write("fuzz_policy", "data-security-policy", policy)
    write("fuzz_policy", "small", b"system portal province-portal\n"
          b"system svc service certificate-only\n"
          b"allow unemployment.gateway.v1.GatewayService/SubmitApplication personal regional "
          b"province-portal service\n"
          b"clear service\n"
          b"mask unemployment.common.v1.PersonId.id_number id-number\n")

    clear("fuzz_masking")
    values = [b"", b"34052419800101001X", b"13912345678", b"zhang.san@example.cn", b"13912345678",
              "张三丰".encode(), "黑龙江省哈尔滨市南岗区西大直街92号".encode(), b"secret",
              b"230103001001", "身份证34052419800101001X电话13912345678".encode()]
    for kind, value in enumerate(values):
        write("fuzz_masking", f"kind{kind}", bytes([kind]) + value)
    write("fuzz_masking", "region-code-multibyte", bytes([8]) + "23010区301".encode())
    responses = []
    for module in (reg, gw, fu, tie):
        responses += [d for name, d in module.DESCRIPTOR.message_types_by_name.items()
                      if name.endswith("Response")]
    full_app = reg.Application(id="hlj-1", form=form())
    for index, descriptor in enumerate(responses):
        if descriptor.full_name == "unemployment.registration.v1.GetApplicationResponse":
            write("fuzz_masking", f"response{index:03d}-GetApplication",
                  bytes([0x80 + index]) +
                  reg.GetApplicationResponse(application=full_app).SerializeToString())
        elif descriptor.full_name == "unemployment.gateway.v1.SubmitApplicationResponse":
            write("fuzz_masking", f"response{index:03d}-SubmitApplication", bytes([0x80 + index]))

    clear("fuzz_token")
    key = b"\x5a" * 32

    def b64(data):
        return base64.urlsafe_b64encode(data).decode().rstrip("=")
    signed = "ue1." + b64(b"province-portal|portal-1|province-portal|*|1758852000")
    token = signed + "." + b64(hmac.new(key, signed.encode(), hashlib.sha256).digest())
    write("fuzz_token", "valid", b"\x00" + token.encode())
    write("fuzz_token", "expired", b"\x00" + (
        "ue1." + b64(b"a|b|c|*|1000")).encode() + b".AAAA")
    write("fuzz_token", "issue", b"\x01province-portal\nportal-1\nprovince-portal\n2301\n3600\n\x07\x01")
    write("fuzz_token", "issue-expired", b"\x01staff-client\nr-1\nreviewer\n230103\n0\n")
    print("seeds written to", os.path.join(HERE, "corpus"))


if __name__ == "__main__":
    main()
