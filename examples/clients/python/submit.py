"""Submits one application through the gateway as the province portal, then reads its status:
a secured client of the suite (mutual TLS + token + deadline) in Python.

    eval "$(deploy/local/credentials.sh)"       # certificate, key, CA, token, gateway address
    examples/clients/python/run.sh              # generates the stubs, then runs this file

Reads UE_CLIENT_CA, UE_CLIENT_CERT, UE_CLIENT_KEY, UE_CLIENT_TOKEN and UE_GATEWAY.
"""

import json
import os
import pathlib
import random
import sys
import time

import grpc
from google.protobuf import json_format
from google.rpc import error_details_pb2, status_pb2

from unemployment.common.v1 import codes_pb2, form_pb2
from unemployment.gateway.v1 import gateway_service_pb2 as gateway
from unemployment.gateway.v1 import gateway_service_pb2_grpc as gateway_grpc

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(region, birth, serial):
    """A GB 11643 ID number with its ISO 7064 MOD 11-2 check character."""
    body = f"{region}{birth}{serial:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]


def explain(error):
    """The code, message and error details (google.rpc.ErrorInfo, BadRequest) of a failed call."""
    lines = [f"python: {error.code().name}: {error.details()}"]
    for key, value in error.trailing_metadata() or ():
        if key != "grpc-status-details-bin":
            continue
        for detail in status_pb2.Status.FromString(value).details:
            info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
            if detail.Unpack(info):
                lines.append(f"  reason {info.reason} ({info.domain})")
            elif detail.Unpack(bad):
                lines += [f"  {v.field}: {v.description}" for v in bad.field_violations]
    return "\n".join(lines)


def main():
    env = os.environ
    read = lambda name: pathlib.Path(env[name]).read_bytes()  # noqa: E731
    # Mutual TLS: the CA that signed the servers' certificates, and this system's certificate.
    credentials = grpc.ssl_channel_credentials(root_certificates=read("UE_CLIENT_CA"),
                                               private_key=read("UE_CLIENT_KEY"),
                                               certificate_chain=read("UE_CLIENT_CERT"))
    # Every call carries the token and a deadline (a call without one is refused).
    metadata = (("authorization", f"Bearer {env['UE_CLIENT_TOKEN']}"),)
    deadline_seconds = 10

    form_file = pathlib.Path(__file__).resolve().parents[1] / "form.json"
    form = json_format.ParseDict(json.loads(form_file.read_text(encoding="utf-8")),
                                 form_pb2.RegistrationForm())
    rng = random.Random()
    birth = f"1980{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
    # An odd serial: a man, as the form says.
    form.person_id.id_number = resident_id("340524", birth, 2 * rng.randrange(500) + 1)
    portal_id = f"230102PY{time.time_ns() // 1000000}"

    with grpc.secure_channel(env["UE_GATEWAY"], credentials) as channel:
        stub = gateway_grpc.GatewayServiceStub(channel)
        try:
            submitted = stub.SubmitApplication(
                gateway.SubmitApplicationRequest(portal_application_id=portal_id, form=form),
                metadata=metadata, timeout=deadline_seconds).application
            status = stub.GetApplicationStatus(
                gateway.GetApplicationStatusRequest(channel_application_id=portal_id),
                metadata=metadata, timeout=deadline_seconds).application
        except grpc.RpcError as error:
            print(explain(error), file=sys.stderr)
            return 1
    print(f"python: submitted {portal_id} as application {submitted.application_id}, "
          f"office {submitted.office_region_code}, due {submitted.due_date}")
    print(f"python: status {codes_pb2.ApplicationState.Name(status.state)}")
    return 0 if status.application_id == submitted.application_id else 1


if __name__ == "__main__":
    sys.exit(main())
