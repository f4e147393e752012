"""Personal data at rest (issue 9): no database file of any service holds a plaintext ID number or
phone number.

Real processes (registration, gateway, verification, tiering, follow-up, statistics) each with its
own data folder. Three people apply through the gateway with their mobile numbers, are accepted
(registrations, notifications to their phones, events), verification imports population and
social-insurance snapshots with their ID numbers, and tiering and follow-up learn the registrations
from registration's feed. Then every file in every data folder is read raw, the SQLite databases
and their -wal and -shm files, while the services run and again after they stopped (checkpointed),
and must contain none of the ID numbers (with an upper- or lower-case check character X) nor
phone numbers. A control search for the (not personal) registration ids proves that the scan sees
the stored records. Finally the registration keyring is rotated (key 2 active), ue_data_rekey re-seals
registration.db, key 1 is removed, and the restarted registration service still returns every
registration with its ID number.
"""

import base64
import os
import subprocess
import time
import unittest

import grpc

import suite
from suite import Suite
from support import (BIN_DIR, PORTAL, SOURCE_DIR, TIMEOUT, address, field_violations,
                     import_snapshot, registration_form, sex_of)

from unemployment.common.v1 import codes_pb2  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2 as gw  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2_grpc as gw_grpc  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2 as reg  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2_grpc as reg_grpc  # noqa: E402
from unemployment.verification.v1 import verification_service_pb2 as ver  # noqa: E402
from unemployment.verification.v1 import verification_service_pb2_grpc as ver_grpc  # noqa: E402

COUNTY = "230102"
CITY = "230100"


def resident_id(birth, sequence):
    """A GB 11643 resident ID number born in COUNTY on `birth` (YYYYMMDD)."""
    return suite.resident_id(COUNTY, birth, sequence)


def first_id_with_check_x(birth):
    """A resident ID whose check character is X (the case the code might fold)."""
    for sequence in range(1, 999):
        number = resident_id(birth, sequence)
        if number.endswith("X"):
            return number
    raise AssertionError("no X check character")


def violations(error):
    """The BadRequest field violations of a failed call as (field, description) pairs."""
    return [(v.field, v.description) for v in field_violations(error)]


def make_form(name, id_number, mobile):
    return registration_form(id_number, name, sex=sex_of(id_number), mobile=mobile,
                             residence=address(COUNTY, CITY, detail="中央大街18号3单元502室"))


PEOPLE = [
    ("吴六", first_id_with_check_x("19890214"), "13712345601", "19890214"),
    ("郑七", resident_id("19910623", 31), "15812345602", "19910623"),
    ("王八", resident_id("19850111", 52), "18612345603", "19850111"),
]


def needles():
    """The byte strings that must not appear in any data file, with a description each."""
    out = []
    for name, id_number, mobile, _ in PEOPLE:
        for variant in {id_number, id_number.upper(), id_number.lower()}:
            out.append((variant.encode("ascii"), f"ID number of {name} ({variant})"))
        # The 17-digit body alone, in case the check character is stored apart.
        out.append((id_number[:17].encode("ascii"), f"ID number body of {name}"))
        out.append((mobile.encode("ascii"), f"phone of {name}"))
    return out


def data_files(root):
    for folder, _, files in os.walk(root):
        for file in files:
            if file == "data.key":
                continue  # the keyring, not data
            yield os.path.join(folder, file)


def read_all(root):
    contents = {}
    for path in data_files(root):
        with open(path, "rb") as f:
            contents[os.path.relpath(path, root)] = f.read()
    return contents


class DataAtRest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(BIN_DIR, SOURCE_DIR)
        try:
            cls.suite.start_all()
        except Exception:
            cls.suite.stop()
            raise
        channel = grpc.insecure_channel
        cls.gateway = gw_grpc.GatewayServiceStub(channel(cls.suite.addresses["gateway"]))
        cls.registration = reg_grpc.RegistrationServiceStub(
            channel(cls.suite.addresses["registration"]))
        cls.verification = ver_grpc.VerificationServiceStub(
            channel(cls.suite.addresses["verification"]))
        cls.registration_ids = []

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()

    def import_snapshot(self, source, version, lines):
        return import_snapshot(self.verification, source, version, "2025-10-01", lines)

    def assert_no_plaintext(self, contents, when):
        found = []
        # Names too, in verification's files (its snapshot rows and results are sealed).
        verification = os.path.relpath(self.suite.data_dir("verification"), self.suite.tmp.name)
        for relative, data in contents.items():
            for needle, what in needles():
                if needle in data:
                    found.append(f"{what} in {relative}")
            if relative.startswith(verification + os.sep):
                for name, _, _, _ in PEOPLE:
                    if name.encode("utf-8") in data:
                        found.append(f"name of {name} in {relative}")
        self.assertEqual(found, [], f"plaintext personal data {when}")

    def wait_for_registrations_in(self, service):
        """Polls the raw files of `service` until every registration id shows up (its feed
        consumer caught up); registration ids are not personal and stay readable."""
        deadline = time.monotonic() + 30
        while True:
            blob = b"".join(read_all(self.suite.data_dir(service)).values())
            missing = [r for r in self.registration_ids if r.encode() not in blob]
            if not missing:
                return
            if time.monotonic() > deadline:
                self.fail(f"{service} never stored registrations {missing}")
            time.sleep(0.2)

    def test_no_plaintext_id_number_or_phone_in_any_database_file(self):
        for i, (name, id_number, mobile, _) in enumerate(PEOPLE):
            try:
                app = self.gateway.SubmitApplication(
                    gw.SubmitApplicationRequest(portal_application_id=f"{COUNTY}AR{i:04d}",
                                                form=make_form(name, id_number, mobile)),
                    metadata=PORTAL, timeout=TIMEOUT).application
            except grpc.RpcError as error:
                self.fail(f"{name}: {error.details()} {violations(error)}")
            accepted = self.registration.ReviewApplication(reg.ReviewApplicationRequest(
                application_id=app.application_id, request_id=f"rv-{app.application_id}",
                outcome=codes_pb2.REVIEW_OUTCOME_ACCEPTED, reviewer="审核员"), timeout=TIMEOUT)
            self.registration_ids.append(accepted.registration.id)
        population = ["id_type,id_number,name,sex,birth_date,status,death_date,"
                      "household_region_code"]
        for name, id_number, _, birth in PEOPLE:
            population.append(f"{codes_pb2.ID_TYPE_RESIDENT_ID_CARD},{id_number},{name},"
                              f"{sex_of(id_number)},{birth[:4]}-{birth[4:6]}-{birth[6:]},"
                              f"ALIVE,,{COUNTY}")
        self.assertEqual(self.import_snapshot(ver.SOURCE_POPULATION, "gongan-ar-1",
                                              population).row_count, 3)
        name, id_number, _, _ = PEOPLE[0]
        insurance = ["id_type,id_number,name,kind,employer_code,employer_name,start_date,end_date",
                     f"{codes_pb2.ID_TYPE_RESIDENT_ID_CARD},{id_number},{name},EMPLOYEE,"
                     f"91230102MA1C2D3E4X,哈尔滨某公司,2025-09-01,"]
        try:
            self.import_snapshot(ver.SOURCE_SOCIAL_INSURANCE, "shebao-ar-1", insurance)
        except grpc.RpcError:
            pass  # a refused row (e.g. the check character of the made-up code) stores nothing
        for service in ("tiering", "followup"):
            self.wait_for_registrations_in(service)

        # While running: the databases, their write-ahead logs and shared-memory files.
        root = self.suite.tmp.name
        running = read_all(root)
        self.assertTrue(any(name.endswith("-wal") for name in running), sorted(running))
        self.assertIn(self.registration_ids[0].encode(),
                      b"".join(running.values()))  # the scan does see stored records
        self.assert_no_plaintext(running, "while the services run")

        # After a clean stop (the WAL checkpointed into the main files).
        for proc in self.suite.procs.values():
            proc.terminate()
        for proc in self.suite.procs.values():
            proc.wait(timeout=20)
        self.assert_no_plaintext(read_all(root), "after the services stopped")

        # Key rotation: a new active key, ue_data_rekey re-seals registration.db, the old key is
        # removed, and the restarted service still reads every record.
        folder = self.suite.data_dir("registration")
        key_file = os.path.join(folder, "data.key")
        database = os.path.join(folder, "registration.db")
        old_lines = open(key_file).read().replace(" active", "")
        new_key = "key 2 " + base64.b64encode(os.urandom(32)).decode() + " active\n"
        with open(key_file, "w") as f:
            f.write(old_lines + new_key)
        tool = os.path.join(BIN_DIR, "ops", "ue_data_rekey")

        def rekey(*args):
            return subprocess.run([tool, f"--data_key_file={key_file}", *args, database],
                                  capture_output=True, text=True)
        self.assertEqual(rekey("--check").returncode, 1)  # values still under key 1
        done = rekey()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(rekey("--check").returncode, 0)
        with open(key_file, "w") as f:  # retire key 1
            f.write("\n".join(line for line in old_lines.splitlines()
                              if not line.startswith("key 1")) + "\n" + new_key)
        address = self.suite.start("registration")
        stub = reg_grpc.RegistrationServiceStub(grpc.insecure_channel(address))
        for (_, id_number, mobile, _), registration_id in zip(PEOPLE, self.registration_ids):
            got = stub.GetRegistration(reg.GetRegistrationRequest(registration_id=registration_id),
                                       timeout=TIMEOUT).registration
            self.assertEqual(got.person_id.id_number, id_number)


if __name__ == "__main__":
    unittest.main(verbosity=2)
