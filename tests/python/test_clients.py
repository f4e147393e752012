"""A Python client generated from proto/ talks to every service of a running suite.

Run by CTest with UE_BIN_DIR (the build's services folder) and UE_SOURCE_DIR set.
"""

import os
import subprocess
import unittest

import grpc
from google.protobuf import descriptor_pb2

from suite import Suite, generate_client

SOURCE_DIR = os.environ["UE_SOURCE_DIR"]
BIN_DIR = os.environ["UE_BIN_DIR"]

generate_client(SOURCE_DIR)

from grpc_health_v1 import health_pb2, health_pb2_grpc  # noqa: E402
from grpc_reflection_v1alpha import reflection_pb2, reflection_pb2_grpc  # noqa: E402

EXPECTED_SERVICE = {
    "gateway": "unemployment.gateway.v1.GatewayService",
    "registration": "unemployment.registration.v1.RegistrationService",
    "verification": "unemployment.verification.v1.VerificationService",
    "tiering": "unemployment.tiering.v1.TieringService",
    "followup": "unemployment.followup.v1.FollowupService",
    "statistics": "unemployment.statistics.v1.StatisticsService",
    "person_index": "unemployment.personindex.v1.PersonIndexService",
}


class SuiteClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(BIN_DIR, SOURCE_DIR).start_all()

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()

    def test_every_service_is_serving(self):
        for name, address in self.suite.addresses.items():
            with grpc.insecure_channel(address) as channel:
                stub = health_pb2_grpc.HealthStub(channel)
                reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=10)
                self.assertEqual(reply.status, health_pb2.HealthCheckResponse.SERVING, name)

    def test_reflection_lists_each_service(self):
        for name, address in self.suite.addresses.items():
            with grpc.insecure_channel(address) as channel:
                stub = reflection_pb2_grpc.ServerReflectionStub(channel)
                request = reflection_pb2.ServerReflectionRequest(list_services="")
                replies = list(stub.ServerReflectionInfo(iter([request]), timeout=10))
                names = {s.name for s in replies[0].list_services_response.service}
                self.assertIn(EXPECTED_SERVICE[name], names, name)
                self.assertIn("grpc.health.v1.Health", names, name)
                self.assertIn("grpc.reflection.v1.ServerReflection", names, name)
                # The file of the service, with every file it imports, each once per stream; an
                # unknown symbol is an error answer, and the stream goes on.
                requests = [
                    reflection_pb2.ServerReflectionRequest(
                        file_containing_symbol=EXPECTED_SERVICE[name]),
                    reflection_pb2.ServerReflectionRequest(file_containing_symbol="no.such.Symbol"),
                    reflection_pb2.ServerReflectionRequest(
                        file_containing_symbol=EXPECTED_SERVICE[name])]
                replies = list(stub.ServerReflectionInfo(iter(requests), timeout=10))
                files = [descriptor_pb2.FileDescriptorProto.FromString(raw)
                         for raw in replies[0].file_descriptor_response.file_descriptor_proto]
                short = EXPECTED_SERVICE[name].rsplit(".", 1)[1]
                self.assertIn(short, [svc.name for svc in files[0].service], name)
                self.assertEqual(len({f.name for f in files}), len(files), name)
                imported = {dep for f in files for dep in f.dependency}
                self.assertTrue(imported <= {f.name for f in files}, name)
                self.assertEqual(replies[1].error_response.error_code,
                                 grpc.StatusCode.NOT_FOUND.value[0], name)
                # Its imports were sent already on this stream: only the service's own file again.
                self.assertEqual(len(replies[2].file_descriptor_response.file_descriptor_proto), 1,
                                 name)


class BadSettingsTest(unittest.TestCase):
    """A bad setting ends the process with one clear line and a non-zero exit code."""

    def run_server(self, name, *args):
        binary = os.path.join(BIN_DIR, name, f"{name}_server")
        return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)

    def test_malformed_listen_address(self):
        for name in EXPECTED_SERVICE:
            result = self.run_server(name, "--listen=nonsense", "--data_dir=/tmp/ue-unused")
            self.assertEqual(result.returncode, 2, name)
            lines = result.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, result.stderr)
            self.assertTrue(lines[0].startswith(f"{name}: error: listen address 'nonsense'"),
                            lines[0])

    def test_unusable_data_folder(self):
        for name in EXPECTED_SERVICE:
            result = self.run_server(name, "--listen=127.0.0.1:0", "--data_dir=/proc/ue-no-such")
            self.assertEqual(result.returncode, 1, name)
            lines = result.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, result.stderr)
            self.assertIn("data folder '/proc/ue-no-such'", lines[0])

    def test_unknown_flag(self):
        result = self.run_server("gateway", "--no_such_flag=1")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr.strip(),
                         "gateway: error: unknown flag --no_such_flag (see --help)")


if __name__ == "__main__":
    unittest.main(verbosity=2)
