"""Container test, the part seen from outside the pods (tests/container/run.sh calls it).

    PYTHONPATH=CLIENT /usr/bin/python3 tests/container/suite_check.py submit GATEWAY REGISTRATION STATE
    PYTHONPATH=CLIENT /usr/bin/python3 tests/container/suite_check.py absent REGISTRATION STATE
    PYTHONPATH=CLIENT /usr/bin/python3 tests/container/suite_check.py intact REGISTRATION STATE
    PYTHONPATH=CLIENT /usr/bin/python3 tests/container/suite_check.py refused GATEWAY REGISTRATION STATE
    PYTHONPATH=CLIENT /usr/bin/python3 tests/container/suite_check.py intake GATEWAY

submit: three applications through the gateway's published port reach the review queue of their
        office in registration; two are accepted (two registrations). What was made goes to the
        JSON file STATE.
absent: registration no longer knows them (its data was wiped).
intact: every application and registration in STATE is back, unchanged (after a restore).
intake: through the gateway alone (the compose test publishes nothing else): an application is
        accepted, the same portal id again answers the same application (idempotent through the
        person index), and GetApplicationStatus finds it.
refused: what security must refuse is refused: no client certificate, a certificate of another CA,
        plain text, no token, a token of another system, a reviewer outside the office's region.

Registration shards (the podman suite runs the base shard "hlj" and city shards; the gateway routes
by the office's region code):
    suite_check.py shard-intake GATEWAY SHARD OFFICE N OUT   a new person (N: 1-28, which one)
        applies at OFFICE: accepted by SHARD (the application id names it); the request goes to OUT.
    suite_check.py shard-down GATEWAY SHARD OFFICE N OUT     the same while SHARD is down:
        UNAVAILABLE with ErrorInfo SHARD_UNAVAILABLE (metadata shard=SHARD), within the deadline.
    suite_check.py shard-retry GATEWAY SHARD IN              the request of IN sent again (same
        portal id; retried while UNAVAILABLE, up to 90 s): accepted by SHARD now.
    suite_check.py held GATEWAY OFFICE STATE REASON          the person of STATE's first application
        (made at another shard) applies at OFFICE with a new portal id: FAILED_PRECONDITION with
        REASON (PENDING_APPLICATION_EXISTS, ACTIVE_REGISTRATION_EXISTS): one person, one undecided
        application or registration in the province, across shards (the person index).

The suite runs secured: UE_CHECK_CA is the folder of deploy/security/make-dev-ca.sh (the CA, the
callers' client certificates) and UE_CHECK_TOKENS a folder of tokens from ue_issue_token (portal,
reviewer, reviewer-elsewhere). Without UE_CHECK_CA the calls are plaintext (an open suite).
CLIENT is made by tests/python/generate_client.sh. Prints one line per check, exits 1 on the first
failed one.
"""

import json
import os
import sys
import time

import grpc

from unemployment.common.v1 import codes_pb2, form_pb2
from unemployment.gateway.v1 import gateway_service_pb2 as gw
from unemployment.gateway.v1 import gateway_service_pb2_grpc as gw_grpc
from unemployment.registration.v1 import registration_service_pb2 as reg
from unemployment.registration.v1 import registration_service_pb2_grpc as reg_grpc

OFFICE = "230103"  # 南岗区, Harbin
CITY = "230100"
TIMEOUT = 15


CA = os.environ.get("UE_CHECK_CA", "")
TOKENS = os.environ.get("UE_CHECK_TOKENS", "")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def channel(address, server, system=None):
    """A channel to `server` (the name its certificate carries) at address, presenting the client
    certificate of `system` (None: no client certificate)."""
    if not CA:
        return grpc.insecure_channel(address)
    # "rogue": the client certificate of make-dev-ca.sh's second, unrelated CA.
    base = f"{CA}/rogue/client" if system == "rogue" else f"{CA}/client/{system}"
    key = read(f"{base}.key") if system else None
    cert = read(f"{base}.pem") if system else None
    credentials = grpc.ssl_channel_credentials(read(f"{CA}/ca.pem"), key, cert)
    return grpc.secure_channel(address, credentials,
                               options=(("grpc.ssl_target_name_override", server),))


def token(name):
    """Call metadata carrying the token TOKENS/name (open suite: the x-channel-id header)."""
    if not CA:
        return (("x-channel-id", "province-portal"),) if name == "portal" else ()
    return (("authorization", "Bearer " + read(f"{TOKENS}/{name}").decode().strip()),)


def check(ok, what):
    print(f"{'ok' if ok else 'FAILED'}: {what}")
    if not ok:
        sys.exit(1)


def with_check_character(body17):
    """GB 11643: ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(digit) * (2 ** (17 - i) % 11) for i, digit in enumerate(body17))
    return body17 + "10X98765432"[total % 11]


def application_form(id_number, name, office=OFFICE):
    address = form_pb2.Address(province_code="230000", city_code=office[:4] + "00", county_code=office,
                               detail="容器测试地址", urban_rural_class="111")
    return form_pb2.RegistrationForm(
        name=name, sex=codes_pb2.SEX_FEMALE, ethnic_group="01", political_status="13",
        education=codes_pb2.EDUCATION_BACHELOR, health_status=codes_pb2.HEALTH_STATUS_HEALTHY,
        unemployed_date="2025-06-30",
        person_id=form_pb2.PersonId(id_type=codes_pb2.ID_TYPE_RESIDENT_ID_CARD,
                                    id_number=id_number),
        household_address=address, residence_address=address,
        contact=form_pb2.ContactInfo(mobile="13900139000"),
        registration_location=codes_pb2.REGISTRATION_LOCATION_RESIDENCE,
        unemployment_cause=codes_pb2.UNEMPLOYMENT_CAUSE_RESIGNED,
        applying_for_insurance_benefit=False, job_intentions=["仓储"],
        commitment=form_pb2.Commitment(agreed=True, signature=name, signed_date="2025-07-01"))


def queued_ids(registration):
    ids, page_token = set(), ""
    while True:
        page = registration.ListReviewQueue(
            reg.ListReviewQueueRequest(office_region_code=OFFICE, page_size=500,
                                       page_token=page_token),
            metadata=token("reviewer"), timeout=TIMEOUT)
        ids.update(entry.application.id for entry in page.entries)
        page_token = page.next_page_token
        if not page_token:
            return ids


def with_retry(call, within=90):
    """call(), sent again while it answers UNAVAILABLE (retry-safe: the same portal id). A shard's
    pod started again may come back at another address: the gateway's channel finds it once it
    resolves the name again (gRPC resolves at most every 30 s)."""
    started = time.monotonic()
    while True:
        try:
            return call()
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.UNAVAILABLE or time.monotonic() - started > within:
                raise
            print(f"    (UNAVAILABLE, sent again: {error.details()[:120]})")
            time.sleep(2)


def submit(gateway_addr, registration_addr, state_path):
    run = f"{int(time.time() * 1000) % 10**9:09d}"
    made = {"applications": [], "registrations": []}
    with channel(gateway_addr, "gateway", "province-portal") as portal:
        gateway = gw_grpc.GatewayServiceStub(portal)
        for i in range(3):
            # Even 17th digit: female, as the form says.
            # UE_CHECK_BIRTH_MONTH: a second submit run (the restore drill) uses other people.
            month = os.environ.get("UE_CHECK_BIRTH_MONTH", "01")
            id_number = with_check_character(
                f"{OFFICE}1990{month}0{i + 1}{2 * (int(run[-2:]) % 50):03d}")
            portal_id = f"{OFFICE}C{run}{i}"
            reply = with_retry(lambda: gateway.SubmitApplication(
                gw.SubmitApplicationRequest(portal_application_id=portal_id,
                                            form=application_form(id_number, f"容器测试{i + 1}")),
                metadata=token("portal"), timeout=TIMEOUT)).application
            check(reply.application_id != "" and reply.office_region_code == OFFICE,
                  f"gateway {gateway_addr} accepted {portal_id} as {reply.application_id} "
                  f"for office {reply.office_region_code}, due {reply.due_date}")
            made["applications"].append({"id": reply.application_id, "portal_id": portal_id,
                                         "id_number": id_number})
    with channel(registration_addr, "registration", "staff-client") as staff:
        registration = reg_grpc.RegistrationServiceStub(staff)
        queued = queued_ids(registration)
        check(all(a["id"] in queued for a in made["applications"]),
              f"registration {registration_addr} lists all 3 in the review queue of {OFFICE}")
        for i, application in enumerate(made["applications"][:2]):
            reply = registration.ReviewApplication(reg.ReviewApplicationRequest(
                application_id=application["id"], request_id=f"container-test-{run}-{i}",
                outcome=codes_pb2.REVIEW_OUTCOME_ACCEPTED, reviewer="container-test"),
                metadata=token("reviewer"), timeout=TIMEOUT)
            made["registrations"].append({"id": reply.registration.id,
                                          "application_id": application["id"],
                                          "registered_date": reply.registration.registered_date})
        check(len({r["id"] for r in made["registrations"]}) == 2 and
              all(r["id"] for r in made["registrations"]),
              "two applications accepted: registrations "
              + ", ".join(r["id"] for r in made["registrations"]))
    with open(state_path, "w", encoding="utf-8") as out:
        json.dump(made, out)


def intake(gateway_addr):
    run = f"{int(time.time() * 1000) % 10**9:09d}"
    id_number = with_check_character(f"{OFFICE}19850615{int(run[-3:]) % 500 * 2:03d}")
    portal_id = f"{OFFICE}K{run}"
    with channel(gateway_addr, "gateway", "province-portal") as portal:
        gateway = gw_grpc.GatewayServiceStub(portal)
        request = gw.SubmitApplicationRequest(portal_application_id=portal_id,
                                              form=application_form(id_number, "容器测试"))
        first = gateway.SubmitApplication(request, metadata=token("portal"),
                                          timeout=TIMEOUT).application
        check(first.application_id != "" and first.office_region_code == OFFICE,
              f"gateway {gateway_addr} accepted {portal_id} as {first.application_id}, "
              f"due {first.due_date}")
        again = gateway.SubmitApplication(request, metadata=token("portal"),
                                          timeout=TIMEOUT).application
        check(again.application_id == first.application_id,
              "the same portal id again answers the same application")
        status = gateway.GetApplicationStatus(
            gw.GetApplicationStatusRequest(channel_application_id=portal_id),
            metadata=token("portal"), timeout=TIMEOUT).application
        check(status.application_id == first.application_id,
              f"GetApplicationStatus({portal_id}) finds {status.application_id}")


def reason_of(error):
    """The ErrorInfo reason and metadata of a failed call (google.rpc.Status in the details)."""
    from google.rpc import error_details_pb2, status_pb2
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info.reason, dict(info.metadata)
    return "", {}


def shard_request(office, n):
    """A new person (female, born 1988-03-N) applying at office, with a new portal id."""
    run = f"{int(time.time() * 1000) % 10**9:09d}"
    id_number = with_check_character(f"{office}198803{int(n):02d}{2 * (int(run[-3:]) % 500):03d}")
    return {"office": office, "portal_id": f"{office}S{run}", "id_number": id_number}


def send(gateway, request, timeout=TIMEOUT):
    return gateway.SubmitApplication(
        gw.SubmitApplicationRequest(
            portal_application_id=request["portal_id"],
            form=application_form(request["id_number"], "容器分片", request["office"])),
        metadata=token("portal"), timeout=timeout).application


def check_accepted(reply, shard, request, what):
    check(reply.application_id.startswith(f"{shard}-") and
          reply.office_region_code == request["office"],
          f"{what}: {request['portal_id']} for office {request['office']} accepted by shard "
          f"{shard} as {reply.application_id}, due {reply.due_date}")


def shard_intake(gateway_addr, shard, office, n, out_path):
    request = shard_request(office, n)
    with channel(gateway_addr, "gateway", "province-portal") as portal:
        gateway = gw_grpc.GatewayServiceStub(portal)
        check_accepted(with_retry(lambda: send(gateway, request)), shard, request, "intake")
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump({"applications": [request]}, out)


def shard_down(gateway_addr, shard, office, n, out_path):
    request = shard_request(office, n)
    started = time.monotonic()
    with channel(gateway_addr, "gateway", "province-portal") as portal:
        try:
            reply = send(gw_grpc.GatewayServiceStub(portal), request, timeout=30)
            check(False, f"shard {shard} down: {request['portal_id']} was accepted as "
                         f"{reply.application_id}")
        except grpc.RpcError as error:
            reason, metadata = reason_of(error)
            check(error.code() == grpc.StatusCode.UNAVAILABLE and reason == "SHARD_UNAVAILABLE" and
                  metadata.get("shard") == shard,
                  f"shard {shard} down: office {office} answered {error.code().name} {reason} "
                  f"{metadata} in {time.monotonic() - started:.1f} s ({error.details()})")
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump({"applications": [request]}, out)


def shard_retry(gateway_addr, shard, in_path):
    with open(in_path, encoding="utf-8") as f:
        request = json.load(f)["applications"][0]
    started = time.monotonic()
    with channel(gateway_addr, "gateway", "province-portal") as portal:
        gateway = gw_grpc.GatewayServiceStub(portal)
        while True:
            try:
                reply = send(gateway, request)
                break
            except grpc.RpcError as error:
                if (error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
                        or time.monotonic() - started > 90):
                    raise
                time.sleep(2)
        check_accepted(reply, shard, request,
                       f"the same id again after {time.monotonic() - started:.1f} s")


def held(gateway_addr, office, state_path, expected):
    with open(state_path, encoding="utf-8") as f:
        person = json.load(f)["applications"][0]
    request = dict(shard_request(office, 1), id_number=person["id_number"])
    with channel(gateway_addr, "gateway", "province-portal") as portal:
        try:
            reply = send(gw_grpc.GatewayServiceStub(portal), request)
            check(False, f"a person already applied elsewhere applied again at {office} as "
                         f"{reply.application_id}")
        except grpc.RpcError as error:
            reason, metadata = reason_of(error)
            check(error.code() == grpc.StatusCode.FAILED_PRECONDITION and reason == expected,
                  f"the person of {person['portal_id']} applying at office {office}: "
                  f"{error.code().name} {reason} (held by shard {metadata.get('shard')})")


def absent(registration_addr, state_path):
    with open(state_path, encoding="utf-8") as f:
        made = json.load(f)
    with channel(registration_addr, "registration", "staff-client") as staff:
        registration = reg_grpc.RegistrationServiceStub(staff)
        for application in made["applications"]:
            try:
                registration.GetApplication(
                    reg.GetApplicationRequest(application_id=application["id"]),
                    metadata=token("reviewer"), timeout=TIMEOUT)
                check(False, f"{application['id']} is gone after the data was wiped")
            except grpc.RpcError as error:
                # The reviewer's scope is a city: an unknown id is answered exactly as another
                # region's, PERMISSION_DENIED (so the caller cannot tell which ids exist);
                # province-wide callers get NOT_FOUND. Both say the record is not there for it.
                if error.code() not in (grpc.StatusCode.NOT_FOUND,
                                        grpc.StatusCode.PERMISSION_DENIED):
                    raise
    check(True, "registration on a wiped volume knows none of the applications")


def intact(registration_addr, state_path):
    with open(state_path, encoding="utf-8") as f:
        made = json.load(f)
    with channel(registration_addr, "registration", "staff-client") as staff:
        registration = reg_grpc.RegistrationServiceStub(staff)
        for application in made["applications"]:
            got = registration.GetApplication(
                reg.GetApplicationRequest(application_id=application["id"]),
                metadata=token("reviewer"), timeout=TIMEOUT).application
            check(got.channel_application_id == application["portal_id"] and
                  got.form.person_id.id_number == application["id_number"],
                  f"application {application['id']} is back with its form")
        for registered in made["registrations"]:
            got = registration.GetRegistration(
                reg.GetRegistrationRequest(registration_id=registered["id"]),
                metadata=token("reviewer"), timeout=TIMEOUT).registration
            check(got.application_id == registered["application_id"] and
                  got.registered_date == registered["registered_date"],
                  f"registration {registered['id']} is back "
                  f"(application {got.application_id}, registered {got.registered_date})")
        queued = queued_ids(registration)
        check(made["applications"][2]["id"] in queued and
              not any(a["id"] in queued for a in made["applications"][:2]),
              "the review queue is as it was: the undecided application waits, the decided ones not")


def refused_with(what, expected, call):
    """call() must fail with one of the status codes `expected`."""
    try:
        call()
    except grpc.RpcError as error:
        check(error.code() in expected, f"{what}: refused with {error.code().name}")
        return
    check(False, f"{what}: refused (it was answered)")


def refused(gateway_addr, registration_addr, state_path):
    check(bool(CA), "the suite runs secured (UE_CHECK_CA is set)")
    with open(state_path, encoding="utf-8") as f:
        made = json.load(f)
    application_id = made["applications"][0]["id"]
    get = reg.GetApplicationRequest(application_id=application_id)
    handshake = (grpc.StatusCode.UNAVAILABLE,)

    def get_application(ch, metadata):
        return lambda: reg_grpc.RegistrationServiceStub(ch).GetApplication(
            get, metadata=metadata, timeout=TIMEOUT)

    with channel(registration_addr, "registration", None) as anonymous:
        refused_with("TLS without a client certificate", handshake,
                     get_application(anonymous, token("reviewer")))
    with channel(registration_addr, "registration", "rogue") as rogue:
        refused_with("a client certificate of another CA", handshake,
                     get_application(rogue, token("reviewer")))
    with grpc.insecure_channel(registration_addr) as plain:
        refused_with("plain text", handshake, get_application(plain, token("reviewer")))
    with grpc.insecure_channel(gateway_addr) as plain:
        refused_with("plain text to the gateway", handshake,
                     lambda: gw_grpc.GatewayServiceStub(plain).SubmitApplication(
                         gw.SubmitApplicationRequest(portal_application_id="x"),
                         metadata=token("portal"), timeout=TIMEOUT))
    with channel(registration_addr, "registration", "staff-client") as staff:
        refused_with("the staff client's certificate without a token",
                     (grpc.StatusCode.UNAUTHENTICATED,), get_application(staff, ()))
        refused_with("the staff client's certificate with the portal's token",
                     (grpc.StatusCode.UNAUTHENTICATED,), get_application(staff, token("portal")))
        refused_with(f"a reviewer of Qiqihar (2302) reading an application of {OFFICE}",
                     (grpc.StatusCode.PERMISSION_DENIED,),
                     get_application(staff, token("reviewer-elsewhere")))


if __name__ == "__main__":
    commands = {"submit": (submit, 3), "absent": (absent, 2), "intact": (intact, 2),
                "refused": (refused, 3), "intake": (intake, 1),
                "shard-intake": (shard_intake, 5), "shard-down": (shard_down, 5),
                "shard-retry": (shard_retry, 3), "held": (held, 4)}
    if len(sys.argv) < 2 or sys.argv[1] not in commands or len(sys.argv) != commands[sys.argv[1]][1] + 2:
        sys.exit(__doc__)
    commands[sys.argv[1]][0](*sys.argv[2:])
