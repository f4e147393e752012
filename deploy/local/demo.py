"""Shows a running suite at work: two applications through the gateway, one from each channel,
reach the review queue of their office; the reviewer accepts one and rejects the other; the
registration and the event feed show the result. Personal data printed here is masked.

    /usr/bin/python3 deploy/local/demo.py GATEWAY_ADDR REGISTRATION_ADDR  (client from proto/)
"""

import os
import random
import subprocess
import sys
import time

import grpc

from unemployment.common.v1 import codes_pb2, form_pb2
from unemployment.gateway.v1 import gateway_service_pb2 as gw
from unemployment.gateway.v1 import gateway_service_pb2_grpc as gw_grpc
from unemployment.registration.v1 import registration_service_pb2 as reg
from unemployment.registration.v1 import registration_service_pb2_grpc as reg_grpc

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def resident_id(region, birth, serial):
    """A GB 11643 number with a correct ISO 7064 MOD 11-2 check character."""
    body = f"{region}{birth}{serial:03d}"
    return body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]


def mask(id_number):
    return id_number[:6] + "*" * 10 + id_number[-2:]


def form(id_number, name, county, city):
    residence = form_pb2.Address(province_code="230000", city_code=city, county_code=county,
                                 detail="（演示地址）", urban_rural_class="111")
    return form_pb2.RegistrationForm(
        name=name, sex=codes_pb2.SEX_MALE if int(id_number[16]) % 2 else codes_pb2.SEX_FEMALE,
        ethnic_group="01", political_status="13", education=codes_pb2.EDUCATION_BACHELOR,
        health_status=codes_pb2.HEALTH_STATUS_HEALTHY, unemployed_date="2025-06-30",
        person_id=form_pb2.PersonId(id_type=codes_pb2.ID_TYPE_RESIDENT_ID_CARD,
                                    id_number=id_number),
        household_address=residence, residence_address=residence,
        contact=form_pb2.ContactInfo(mobile="13800138000"),
        registration_location=codes_pb2.REGISTRATION_LOCATION_RESIDENCE,
        unemployment_cause=codes_pb2.UNEMPLOYMENT_CAUSE_RESIGNED,
        applying_for_insurance_benefit=False, job_intentions=["会计"],
        commitment=form_pb2.Commitment(agreed=True, signature=name, signed_date="2025-07-01"))


class Callers:
    """Channels and call metadata of the demo's callers. With UE_DEMO_CA (the development CA of
    deploy/security/make-dev-ca.sh) each caller presents its system's client certificate and a
    token from ue_issue_token; without it, plaintext with the x-channel-id header."""

    def __init__(self):
        self.ca = os.environ.get("UE_DEMO_CA")
        self.bin = os.environ.get("UE_BIN_DIR", "")

    def channel(self, address, system):
        if not self.ca:
            return grpc.insecure_channel(address)
        read = lambda p: open(os.path.join(self.ca, p), "rb").read()  # noqa: E731
        return grpc.secure_channel(address, grpc.ssl_channel_credentials(
            read("ca.pem"), read(f"client/{system}.key"), read(f"client/{system}.pem")))

    def metadata(self, system, role, channel_header=None):
        if not self.ca:
            return (("x-channel-id", channel_header),) if channel_header else ()
        token = subprocess.run([os.path.join(self.bin, "ops/ue_issue_token"),
                                os.path.join(self.ca, "token-signing.key"), system, f"demo-{role}", role,
                                "*", "10m"], check=True, capture_output=True, text=True).stdout
        return (("authorization", f"Bearer {token.strip()}"),)


def main(gateway_addr, registration_addr):
    callers = Callers()
    portal_gateway = gw_grpc.GatewayServiceStub(callers.channel(gateway_addr, "province-portal"))
    ministry_gateway = gw_grpc.GatewayServiceStub(callers.channel(gateway_addr, "ministry-platform"))
    registration = reg_grpc.RegistrationServiceStub(callers.channel(registration_addr, "staff-client"))
    # The event feed is for services; the demo reads it with the statistics service's certificate.
    feed = reg_grpc.RegistrationServiceStub(callers.channel(registration_addr, "svc-statistics"))
    portal_md = callers.metadata("province-portal", "province-portal", "province-portal")
    ministry_md = callers.metadata("ministry-platform", "ministry", "ministry")
    reviewer_md = callers.metadata("staff-client", "reviewer")
    run = f"{int(time.time()) % 10**8:08d}"
    rng = random.Random()
    people = [(resident_id("230102", "19860315", rng.randrange(1000)), "演示甲"),
              (resident_id("230103", "19920708", rng.randrange(1000)), "演示乙")]

    portal = portal_gateway.SubmitApplication(gw.SubmitApplicationRequest(
        portal_application_id=f"230102D{run}", form=form(people[0][0], people[0][1], "230102",
                                                          "230100")),
        metadata=portal_md, timeout=10).application
    print(f"portal application {portal.application_id} for {mask(people[0][0])}: "
          f"office {portal.office_region_code}, due {portal.due_date}")
    ministry = ministry_gateway.ForwardApplication(gw.ForwardApplicationRequest(
        ministry_application_id=f"MZD{run}", form=form(people[1][0], people[1][1], "230103",
                                                       "230100")),
        metadata=ministry_md, timeout=10).application
    print(f"ministry application {ministry.application_id} for {mask(people[1][0])}: "
          f"office {ministry.office_region_code}, due {ministry.due_date}")

    for office, kind, label in (("230102", reg.REVIEW_QUEUE_KIND_PROVINCE, "失业登记审核"),
                                ("230103", reg.REVIEW_QUEUE_KIND_MINISTRY_FORWARDED,
                                 "部转失业人员审核")):
        queue = registration.ListReviewQueue(reg.ListReviewQueueRequest(
            office_region_code=office, kind=kind, page_size=5), metadata=reviewer_md, timeout=10)
        print(f"review queue {office} {label}: {queue.total_size} waiting")

    accepted = registration.ReviewApplication(reg.ReviewApplicationRequest(
        application_id=portal.application_id, request_id=f"demo-{run}-1",
        outcome=codes_pb2.REVIEW_OUTCOME_ACCEPTED, reviewer="demo-reviewer"), metadata=reviewer_md,
        timeout=10)
    print(f"accepted: registration {accepted.registration.id} "
          f"registered on {accepted.registration.registered_date}")
    rejected = registration.ReviewApplication(reg.ReviewApplicationRequest(
        application_id=ministry.application_id, request_id=f"demo-{run}-2",
        outcome=codes_pb2.REVIEW_OUTCOME_REJECTED,
        rejection_reason=codes_pb2.REJECTION_REASON_INCOMPLETE_NOT_COMPLETED, reason="演示",
        reviewer="demo-reviewer"), metadata=reviewer_md, timeout=10)
    print(f"rejected: {rejected.application.id} "
          f"({codes_pb2.ApplicationState.Name(rejected.application.state)}); the result is queued "
          "for the ministry platform")

    events = list(feed.StreamEvents(reg.StreamEventsRequest(after_sequence=0,
                                                                    stop_at_end=True), timeout=10))
    kinds = {}
    for reply in events:
        kind = reply.event.WhichOneof("payload")
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"event feed: {len(events)} events so far {kinds}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
