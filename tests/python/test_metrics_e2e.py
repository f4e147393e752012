"""Metrics and request ids with real processes (issue 19).

The six services run with --metrics_listen on loopback port 0 (tests/python/suite.py), a real
Prometheus server (Debian's `prometheus`) is started on a free loopback port with a temporary
data folder and the project's rules (deploy/prometheus/rules.yml), and scrapes every service
each second. After a few applications through the gateway the test asks Prometheus' HTTP API for
the request counters, the review-queue gauge, feed cursors and lag, and process metrics of every
service, and checks their values. It also follows one request id from the caller through the
gateway's and registration's log lines, and the verification call of that application into
verification's log.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

import grpc

import suite
from suite import SERVICES, Suite
from support import BIN_DIR, SOURCE_DIR, TIMEOUT, free_port, registration_form

from unemployment.gateway.v1 import gateway_service_pb2 as gw  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2_grpc as gw_grpc  # noqa: E402

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
APPLICATIONS = 5
# Everything the test waits for (targets up, scrapes with the new values) must happen within this.
WAIT_SECONDS = 60


def id_number(serial):
    """A valid GB 11643 number of someone born 1980-01-01 in Harbin (230102); odd serials are men."""
    return suite.resident_id("230102", "19800101", serial)


def make_form(number):
    return registration_form(number)


class MetricsEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(PROMETHEUS, os.X_OK):
            raise unittest.SkipTest("prometheus is not installed: run deploy/install-deps.sh")
        metrics = ["--metrics_listen=127.0.0.1:0"]
        cls.suite = Suite(BIN_DIR, SOURCE_DIR, extra_args={name: metrics for name in SERVICES})
        # Like Suite.start_all, but registration verifies every application (the path
        # gateway -> registration -> verification that the request-id check follows).
        verification = cls.suite.start("verification")
        registration = cls.suite.start("registration", f"--verification_addr={verification}")
        for name in ("person_index", "gateway", "tiering", "followup", "statistics"):
            args = [f"--registration_addr={registration}"]
            if name == "gateway":  # reservations and person claims live in the person index
                args.append(f"--person_index_addr={cls.suite.addresses['person_index']}")
            if name == "statistics":
                args += [f"--tiering_addr={cls.suite.addresses['tiering']}",
                         f"--followup_addr={cls.suite.addresses['followup']}"]
            cls.suite.start(name, *args)
        cls.gateway = gw_grpc.GatewayServiceStub(
            grpc.insecure_channel(cls.suite.addresses["gateway"]))
        cls.prometheus_dir = tempfile.TemporaryDirectory(prefix="ue-prometheus-")
        cls.prometheus_port = free_port()
        targets = [cls.suite.metrics[name] for name in SERVICES]
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [os.path.join(SOURCE_DIR, "deploy/prometheus/rules.yml")],
            "scrape_configs": [{"job_name": "unemployment",
                                "static_configs": [{"targets": targets}]}],
        }
        config_path = os.path.join(cls.prometheus_dir.name, "prometheus.yml")
        with open(config_path, "w") as f:
            json.dump(config, f)  # JSON is YAML
        cls.prometheus_log = open(os.path.join(cls.prometheus_dir.name, "prometheus.log"), "w")
        cls.prometheus = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config_path}",
             f"--storage.tsdb.path={cls.prometheus_dir.name}/data",
             f"--web.listen-address=127.0.0.1:{cls.prometheus_port}"],
            stdout=cls.prometheus_log, stderr=subprocess.STDOUT)

    @classmethod
    def tearDownClass(cls):
        cls.prometheus.terminate()
        try:
            cls.prometheus.wait(timeout=20)
        except subprocess.TimeoutExpired:
            cls.prometheus.kill()
            cls.prometheus.wait()
        cls.prometheus_log.close()
        cls.prometheus_dir.cleanup()
        cls.suite.stop()

    def api(self, path, **params):
        url = f"http://127.0.0.1:{self.prometheus_port}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=5) as reply:
            body = json.load(reply)
        self.assertEqual(body["status"], "success", body)
        return body["data"]

    def query(self, expr):
        """{tuple of sorted label items: value} of an instant query."""
        data = self.api("query", query=expr)
        return {tuple(sorted(r["metric"].items())): float(r["value"][1]) for r in data["result"]}

    def wait_for(self, what, check):
        """Polls `check` (returns a truthy value when satisfied) until WAIT_SECONDS passed."""
        deadline = time.monotonic() + WAIT_SECONDS
        last = None
        while time.monotonic() < deadline:
            try:
                last = check()
                if last:
                    return last
            except (OSError, ValueError, KeyError) as error:  # Prometheus still starting
                last = error
            time.sleep(0.5)
        self.fail(f"{what}: not seen within {WAIT_SECONDS} s (last: {last})")

    def by_service(self, expr):
        return {dict(labels).get("service"): value for labels, value in self.query(expr).items()}

    def test_metrics_request_ids(self):
        # Prometheus sees every service.
        self.wait_for("every target up",
                      lambda: len(self.query('up{job="unemployment"} == 1')) == len(SERVICES))

        # A few applications; the first carries the caller's request id.
        caller_id = "metrics-e2e-0001"
        application_ids = []
        for i in range(APPLICATIONS):
            metadata = [("x-channel-id", "province-portal")]
            if i == 0:
                metadata.append(("x-request-id", caller_id))
            reply, call = self.gateway.SubmitApplication.with_call(
                gw.SubmitApplicationRequest(portal_application_id=f"230102P{9000 + i:04d}",
                                            form=make_form(id_number(2 * i + 1))),
                metadata=metadata, timeout=TIMEOUT)
            application_ids.append(reply.application.application_id)
            echoed = dict(call.initial_metadata()).get("x-request-id")
            if i == 0:
                self.assertEqual(echoed, caller_id)
            else:
                self.assertRegex(echoed or "", r"^[0-9a-f]{16}$")

        # Request counters of the gateway and registration, per method and code.
        submitted = self.wait_for("gateway SubmitApplication OK counter", lambda: self.query(
            'grpc_server_handled_total{service="gateway",grpc_method="SubmitApplication",'
            f'grpc_code="OK"}} >= {APPLICATIONS}'))
        self.assertEqual(list(submitted.values()), [APPLICATIONS])
        created = self.wait_for("registration CreateApplication OK counter", lambda: self.query(
            'grpc_server_handled_total{service="registration",grpc_method="CreateApplication",'
            f'grpc_code="OK"}} >= {APPLICATIONS}'))
        self.assertEqual(list(created.values()), [APPLICATIONS])
        # Latency histograms: every call is counted and took under 10 s.
        count = self.query('grpc_server_handling_seconds_count{service="gateway",'
                           'grpc_method="SubmitApplication"}')
        slow = self.query('grpc_server_handling_seconds_bucket{service="gateway",'
                          'grpc_method="SubmitApplication",le="10"}')
        self.assertEqual(list(count.values()), [APPLICATIONS])
        self.assertEqual(list(slow.values()), [APPLICATIONS])
        # Every service answers calls and counts them (health checks of the harness included).
        handled = self.by_service("sum by (service) (grpc_server_handled_total)")
        for name in ("gateway", "registration"):
            self.assertGreaterEqual(handled.get(name, 0), APPLICATIONS, handled)

        # The review queue: the Harbin office (city 2301), province queue, none overdue.
        waiting = self.wait_for("review-queue gauge", lambda: self.query(
            f'ue_review_queue_waiting{{city="2301",queue="province"}} == {APPLICATIONS}'))
        self.assertEqual(list(waiting.values()), [APPLICATIONS])
        overdue = self.query('ue_review_queue_overdue{city="2301",queue="province"}')
        self.assertEqual(list(overdue.values()), [0])
        outbox = self.by_service('ue_outbox_pending{method="ministry_result_upload"}')
        self.assertEqual(outbox, {"registration": 0})

        # Feeds: registration's head, and each consumer's cursor catching up with it (the
        # verification results add events after the applications'). The person index consumes
        # registration's feed too.
        consumers = {"tiering", "followup", "statistics", "person_index"}

        def caught_up():
            head = self.query('ue_feed_head_sequence{feed="registration/hlj"}')
            cursors = self.by_service('ue_feed_consumer_cursor{feed="registration/hlj"}')
            head_value = list(head.values())[0] if head else 0
            if head_value >= APPLICATIONS and set(cursors) == consumers and all(
                    v == head_value for v in cursors.values()):
                return head_value
            return None
        self.wait_for("every consumer's cursor at the registration feed's head", caught_up)
        lag = self.wait_for("lag recorded by the rule", lambda: (
            lambda r: r if set(r) == consumers else None)(
            self.by_service('ue:feed_consumer_lag_events{feed="registration/hlj"}')))
        for name, value in lag.items():
            self.assertGreaterEqual(value, 0, lag)
        self.wait_for("lag 0 once caught up", lambda: all(
            v == 0 for v in self.by_service(
                'ue:feed_consumer_lag_events{feed="registration/hlj"}').values()))
        connected = self.by_service('ue_feed_consumer_connected{feed="registration/hlj"}')
        self.assertEqual(connected, {name: 1 for name in consumers})
        halted = self.by_service('ue_feed_consumer_halted{feed="registration/hlj"}')
        self.assertEqual(halted, {name: 0 for name in consumers})
        # Statistics also reads tiering's and follow-up's feeds.
        other = self.by_service('ue:feed_consumer_lag_events{feed=~"tiering|followup"}')
        self.assertEqual(set(other), {"statistics"})

        # Group commit and process metrics of every service.
        commits = self.by_service("sum by (service) (ue_store_commit_seconds_count)")
        self.assertGreaterEqual(commits.get("registration", 0), APPLICATIONS, commits)
        # The gateway keeps no store; its reservations commit in the person index.
        self.assertGreaterEqual(commits.get("person_index", 0), APPLICATIONS, commits)
        rss = self.by_service("process_resident_memory_bytes")
        fds = self.by_service("process_open_fds")
        cpu = self.by_service("process_cpu_seconds_total")
        volume = self.by_service("ue_data_volume_free_bytes")
        for name in ("gateway", "registration"):
            self.assertGreater(cpu.get(name, 0), 0, (name, cpu))
        for name in SERVICES:
            self.assertGreater(rss.get(name, 0), 1 << 20, (name, rss))
            self.assertLess(rss.get(name, 0), 4 << 30, (name, rss))
            self.assertGreater(fds.get(name, 0), 3, (name, fds))
            # CPU time is counted in 10 ms ticks: an idle service may still show 0.
            self.assertGreaterEqual(cpu.get(name, -1), 0, (name, cpu))
            self.assertGreater(volume.get(name, 0), 0, (name, volume))

        # No label value names a person, an application or a registration.
        series = self.api("series", **{"match[]": '{job="unemployment"}'})
        for labels in series:
            for value in labels.values():
                for application_id in application_ids:
                    self.assertNotIn(application_id, value)
                self.assertIsNone(re.search(r"\d{17}[\dX]", value), labels)

        # One request id through gateway -> registration (the caller's), and the verification
        # call of that application (the worker's own id) into verification.
        def lines(name, needle):
            return [line for line in list(self.suite.logs[name]) if needle in line]
        gateway_lines = self.wait_for("gateway log line", lambda: lines(
            "gateway", f"request_id={caller_id}"))
        self.assertTrue(any("method=SubmitApplication" in line for line in gateway_lines),
                        gateway_lines)
        registration_lines = self.wait_for("registration log line", lambda: lines(
            "registration", f"request_id={caller_id}"))
        self.assertTrue(any("method=CreateApplication" in line for line in registration_lines),
                        registration_lines)
        call_lines = self.wait_for("verification call of the application", lambda: lines(
            "registration", "event=verification_call request_id="))
        call_line = next((line for line in call_lines
                          if f"application_id={application_ids[0]}" in line), None)
        self.assertIsNotNone(call_line, call_lines)
        verification_id = re.search(r"request_id=(\S+)", call_line).group(1)
        verification_lines = self.wait_for("verification log line", lambda: lines(
            "verification", f"request_id={verification_id}"))
        self.assertTrue(any("method=VerifyApplicant" in line for line in verification_lines),
                        verification_lines)


if __name__ == "__main__":
    unittest.main(verbosity=2)
