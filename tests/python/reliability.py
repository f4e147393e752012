"""Shared parts of the reliability tests (issue #10): the whole suite as real processes that can be
killed, stopped, terminated and restarted on the same port and data folder; a load of
applications through the gateway from several client threads that retry with the same request
id; and the checks that every acknowledged application exists exactly once everywhere.

Used by test_crash.py, test_outage.py, test_graceful.py and tests/reliability/soak.py.
"""

import collections
import concurrent.futures
import datetime
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

import grpc

SOURCE_DIR = os.environ["UE_SOURCE_DIR"]
BIN_DIR = os.environ["UE_BIN_DIR"]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from suite import snapshot_requests  # noqa: E402
from support import MINISTRY, PORTAL, address, registration_form  # noqa: E402

from unemployment.common.v1 import codes_pb2  # noqa: E402
from unemployment.followup.v1 import followup_service_pb2 as fu  # noqa: E402
from unemployment.followup.v1 import followup_service_pb2_grpc as fu_grpc  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2 as gw  # noqa: E402
from unemployment.gateway.v1 import gateway_service_pb2_grpc as gw_grpc  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2 as reg  # noqa: E402
from unemployment.registration.v1 import registration_service_pb2_grpc as reg_grpc  # noqa: E402
from unemployment.statistics.v1 import statistics_service_pb2 as st  # noqa: E402
from unemployment.statistics.v1 import statistics_service_pb2_grpc as st_grpc  # noqa: E402
from unemployment.tiering.v1 import tiering_service_pb2 as ti  # noqa: E402
from unemployment.tiering.v1 import tiering_service_pb2_grpc as ti_grpc  # noqa: E402
from unemployment.verification.v1 import verification_service_pb2 as ver  # noqa: E402
from unemployment.verification.v1 import verification_service_pb2_grpc as ver_grpc  # noqa: E402

RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
# Reconnect quickly after a restart (gRPC's default back-off grows to two minutes).
CHANNEL_OPTIONS = [("grpc.initial_reconnect_backoff_ms", 100),
                   ("grpc.min_reconnect_backoff_ms", 100),
                   ("grpc.max_reconnect_backoff_ms", 1000)]
CHINA = datetime.timezone(datetime.timedelta(hours=8))
# Harbin (2301xx) goes to shard "harbin", Qiqihar (2302xx) to "main" (data/routing/two-shards.csv).
COUNTIES = (("230102", "230100"), ("230202", "230200"))


def log(*parts):
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


def today():
    return datetime.datetime.now(CHINA).date()


# --- processes ---------------------------------------------------------------------------------

class Service:
    """One server process: its binary, arguments, fixed address after the first start, data."""

    def __init__(self, cluster, name, binary, args):
        self.cluster, self.name, self.binary, self.args = cluster, name, binary, list(args)
        self.address = None
        self.proc = None
        self.restarts = 0
        self.log_path = os.path.join(cluster.tmp, f"{name}.log")

    def start(self):
        listen = self.address or "127.0.0.1:0"
        cmd = [os.path.join(BIN_DIR, self.binary, f"{self.binary}_server"), f"--listen={listen}",
               f"--data_dir={self.cluster.tmp}/{self.name}",
               *[a() if callable(a) else a for a in self.args],
               *getattr(self.cluster, "extra_args", ())]
        out = open(self.log_path, "a")
        out.write(f"=== start {' '.join(cmd)}\n")
        out.flush()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=self.cluster.env)
        marker = f"{self.binary} listening on "
        timer = threading.Timer(30, self.proc.kill)
        timer.start()
        try:
            for line in self.proc.stdout:
                out.write(line)
                if line.startswith(marker):
                    self.address = line[len(marker):].split()[0]
                    break
            else:
                out.close()  # the reason is in the log: readable by whoever catches this
                raise RuntimeError(f"{self.name} did not start: exit {self.proc.wait()}; "
                                   f"see {self.log_path}")
        finally:
            timer.cancel()
        out.flush()
        proc = self.proc

        def drain():
            for line in proc.stdout:
                out.write(line)
            out.close()
            proc.stdout.close()
        threading.Thread(target=drain, daemon=True).start()
        return self.address

    def kill(self):
        """SIGKILL, as a crash would."""
        self.proc.kill()
        self.proc.wait(timeout=20)

    def terminate(self, timeout=30):
        """SIGTERM; returns (exit code, seconds until exit)."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        return code, time.monotonic() - started

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def restart(self):
        self.restarts += 1
        return self.start()

    def pid(self):
        return self.proc.pid


class Cluster:
    """The whole suite: two registration shards (harbin, main), verification, the ministry
    receiver, the gateway, tiering, follow-up and statistics, on free loopback ports with their
    data folders in one temporary folder. Tiering and follow-up read one shard (main): they do not
    consume several shards yet (services/tiering/README.md); statistics reads both."""

    ORDER = ("verification", "ministry", "registration-harbin", "registration-main",
             "person-index", "gateway",
             "tiering", "followup", "statistics")

    def __init__(self, keep=False, extra_args=()):
        # Flags given to every service (e.g. the power-loss test's storage mode).
        self.extra_args = list(extra_args)
        self.env = dict(os.environ,
                        UE_CALENDAR_DIR=os.path.join(SOURCE_DIR, "data/calendar"),
                        UE_REGIONS_DIR=os.path.join(SOURCE_DIR, "data/regions"),
                        UE_CONTACTS_DIR=os.path.join(SOURCE_DIR, "data/contacts"),
                        UE_PUBLIC_SERVICE_DIR=os.path.join(SOURCE_DIR, "data/public_service"),
                        UE_TIERING_RULES_DIR=os.path.join(SOURCE_DIR, "data/tiering"))
        self._tmp = None if keep else tempfile.TemporaryDirectory(prefix="ue-rel-")
        self.tmp = tempfile.mkdtemp(prefix="ue-rel-") if keep else self._tmp.name
        self.services = {}
        addr = lambda name: lambda: f"{self.services[name].address}"  # noqa: E731
        self._add("verification", "verification")
        self._add("ministry", "ministry_receiver")
        for shard in ("harbin", "main"):
            self._add(f"registration-{shard}", "registration", f"--shard_id={shard}",
                      lambda: f"--verification_addr={self.services['verification'].address}",
                      lambda: f"--ministry_feedback_addr={self.services['ministry'].address}",
                      "--notification_delivery=off")
        shards = lambda: (f"main={addr('registration-main')()},"  # noqa: E731
                          f"harbin={addr('registration-harbin')()}")
        self._add("person-index", "person_index", lambda: f"--registration_shards={shards()}")
        self._add("gateway", "gateway", lambda: f"--shards={shards()}",
                  lambda: f"--person_index_addr={addr('person-index')()}",
                  f"--routing_table={SOURCE_DIR}/data/routing/two-shards.csv")
        # Tiering and follow-up read the "main" shard only (the checks count its registrations);
        # its id is not the default "hlj", so it is named.
        self._add("tiering", "tiering",
                  lambda: f"--registration_shards=main={addr('registration-main')()}")
        self._add("followup", "followup",
                  lambda: f"--registration_shards=main={addr('registration-main')()}",
                  lambda: f"--verification_addr={addr('verification')()}",
                  "--credit_delivery=off")
        self._add("statistics", "statistics",
                  lambda: (f"--registration_shards=main={addr('registration-main')()},"
                           f"harbin={addr('registration-harbin')()}"))
        self.channels = {}

    def _add(self, name, binary, *args):
        self.services[name] = Service(self, name, binary, args)

    def __getitem__(self, name):
        return self.services[name]

    def start(self):
        try:
            for name in self.ORDER:
                self.services[name].start()
            self.load_population_snapshot()
        except Exception:
            self.stop()
            raise
        return self

    def channel(self, name):
        if name not in self.channels:
            self.channels[name] = grpc.insecure_channel(self.services[name].address,
                                                        options=CHANNEL_OPTIONS)
        return self.channels[name]

    def gateway(self):
        return gw_grpc.GatewayServiceStub(self.channel("gateway"))

    def shard(self, shard):
        return reg_grpc.RegistrationServiceStub(self.channel(f"registration-{shard}"))

    def load_population_snapshot(self):
        """Verification answers only once a population snapshot is loaded (else it refuses with
        FAILED_PRECONDITION and registration keeps retrying): one row, nobody of the load."""
        stub = ver_grpc.VerificationServiceStub(self.channel("verification"))
        as_of = today().isoformat()
        content = ("id_type,id_number,name,sex,birth_date,status,death_date,"
                   "household_region_code\n"
                   f"{codes_pb2.ID_TYPE_RESIDENT_ID_CARD},{resident_id('230102', 0, 999)},"
                   f"赵某,{codes_pb2.SEX_MALE},1960-01-01,ALIVE,,230102\n").encode("utf-8")
        requests = snapshot_requests(ver, ver.SnapshotHeader(
            source=ver.SOURCE_POPULATION, snapshot_version="gongan-rel-1", data_as_of=as_of),
            content, row_count=1)
        stub.ImportSnapshot(iter(requests), timeout=30)

    def pids(self):
        return {name: s.proc.pid for name, s in self.services.items()
                if s.proc is not None and s.proc.poll() is None}

    def stop(self):
        for channel in self.channels.values():
            channel.close()
        for service in self.services.values():
            if service.proc is not None and service.proc.poll() is None:
                service.proc.send_signal(signal.SIGCONT)
                service.proc.terminate()
        for service in self.services.values():
            if service.proc is None:
                continue
            try:
                service.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                service.proc.kill()
                service.proc.wait()
        if self._tmp is not None:
            self._tmp.cleanup()


# --- the load ----------------------------------------------------------------------------------

def resident_id(county, day_offset, sequence):
    """A GB 11643 resident ID number born in `county` on 1980-01-01 + day_offset."""
    birth = (datetime.date(1980, 1, 1) + datetime.timedelta(days=day_offset)).strftime("%Y%m%d")
    body = f"{county}{birth}{sequence:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body, weights))
    return body + "10X98765432"[total % 11]


class Item:
    """Application number i of a load: its channel id, route and planned review."""

    def __init__(self, run, i):
        self.i = i
        self.county, self.city = COUNTIES[i % 2]
        self.shard = "harbin" if self.county.startswith("2301") else "main"
        self.ministry = (i // 2) % 2 == 0
        self.channel_id = (f"MZ{run}{i:07d}" if self.ministry else f"{self.county}{run}{i:07d}")
        sequence = i % 997 + 1  # odd: male (GB 11643)
        self.id_number = resident_id("230102", i // 997, sequence)
        self.sex = codes_pb2.SEX_MALE if sequence % 2 else codes_pb2.SEX_FEMALE
        # Every 5th pair is decided, a third of them accepted: both channels and shards in each.
        pair = i // 2
        self.review = None if pair % 5 else ("accept" if pair % 3 == 0 else "reject")
        self.application_id = None

    def form(self):
        return registration_form(self.id_number, sex=self.sex,
                                 residence=address(self.county, self.city))


class Stats:
    """Outcome of every call attempt, thread-safe."""

    def __init__(self):
        self.mu = threading.Lock()
        self.codes = collections.Counter()
        self.errors = []          # (what, code, details) of non-retryable failures
        self.error_latency = []   # (seconds, deadline) of failed attempts
        self.ok_latency = []
        self.timeline = []        # (monotonic end time, code, tag, what) of every attempt

    def record(self, code, seconds, deadline, what=None, details=None, tag=None,
               retry=RETRYABLE):
        with self.mu:
            self.timeline.append((time.monotonic(), code, tag, what))
            self.codes[code.name] += 1
            if code == grpc.StatusCode.OK:
                self.ok_latency.append(seconds)
            else:
                self.error_latency.append((seconds, deadline))
                if code not in retry:
                    self.errors.append((what, code.name, details))


def call_with_retry(fn, stats, deadline, what, give_up_after=300, pause=0.1, tag=None,
                    retry=RETRYABLE):
    """Calls fn(timeout) until OK or a non-retryable error; retries UNAVAILABLE and
    DEADLINE_EXCEEDED with the same request (the idempotent-intake contract). Returns the reply,
    or None after a non-retryable error or `give_up_after` seconds."""
    started = time.monotonic()
    while True:
        t0 = time.monotonic()
        try:
            reply = fn(deadline)
            stats.record(grpc.StatusCode.OK, time.monotonic() - t0, deadline, what, tag=tag)
            return reply
        except grpc.RpcError as error:
            stats.record(error.code(), time.monotonic() - t0, deadline, what, error.details(),
                         tag, retry)
            if error.code() not in retry:
                return None
        if time.monotonic() - started > give_up_after:
            return None
        time.sleep(pause)


class Load:
    """Submits `n` applications through the gateway from `threads` client threads (half portal,
    half ministry; half to each shard), and reviews a fifth of them straight at their shard."""

    def __init__(self, cluster, n, threads=8, run="R", deadline=10.0, give_up_after=300,
                 pace=0.0, first=0, retry=RETRYABLE):
        self.cluster, self.n, self.threads, self.pace = cluster, n, threads, pace
        self.retry = retry
        self.items = [Item(run, i) for i in range(first, first + n)]
        self.deadline, self.give_up_after = deadline, give_up_after
        self.stats = Stats()
        self.acked = 0
        self.mu = threading.Lock()
        self.todo = queue.Queue()
        self.reviews = queue.Queue()
        self.failed = []
        self.reviewed = {}  # application id -> outcome name
        self.review_failed = []
        self.progress = threading.Condition(self.mu)
        self.workers = []

    def start(self):
        for item in self.items:
            self.todo.put(item)
        self.started = time.monotonic()
        self.workers = [threading.Thread(target=self._submitter, daemon=True)
                        for _ in range(self.threads)]
        self.workers += [threading.Thread(target=self._reviewer, daemon=True) for _ in range(2)]
        for worker in self.workers:
            worker.start()
        return self

    def _submit_once(self, item, timeout):
        stub = self.cluster.gateway()
        if item.ministry:
            return stub.ForwardApplication(gw.ForwardApplicationRequest(
                ministry_application_id=item.channel_id, form=item.form()),
                metadata=MINISTRY, timeout=timeout).application
        return stub.SubmitApplication(gw.SubmitApplicationRequest(
            portal_application_id=item.channel_id, form=item.form()),
            metadata=PORTAL, timeout=timeout).application

    def _submitter(self):
        while True:
            try:
                item = self.todo.get_nowait()
            except queue.Empty:
                return
            app = call_with_retry(lambda t: self._submit_once(item, t), self.stats,
                                  self.deadline, item.channel_id, self.give_up_after,
                                  tag=f"submit-{item.shard}", retry=self.retry)
            with self.mu:
                if app is None:
                    self.failed.append(item)
                else:
                    item.application_id = app.application_id
                    self.acked += 1
                self.progress.notify_all()
            if app is not None and item.review is not None:
                self.reviews.put(item)
            if self.pace:
                time.sleep(self.pace)

    def _reviewer(self):
        while True:
            try:
                item = self.reviews.get(timeout=0.2)
            except queue.Empty:
                if all(not w.is_alive() for w in self.workers[:self.threads]):
                    return
                continue
            outcome = (codes_pb2.REVIEW_OUTCOME_ACCEPTED if item.review == "accept"
                       else codes_pb2.REVIEW_OUTCOME_REJECTED)

            def review(timeout, item=item, outcome=outcome):
                return self.cluster.shard(item.shard).ReviewApplication(
                    reg.ReviewApplicationRequest(
                        application_id=item.application_id, request_id=f"rv-{item.channel_id}",
                        outcome=outcome, reason="" if item.review == "accept" else "材料不全",
                        rejection_reason=(0 if item.review == "accept" else
                                          codes_pb2.REJECTION_REASON_INCOMPLETE_NOT_COMPLETED),
                        reviewer="审核员"), timeout=timeout)
            reply = call_with_retry(review, self.stats, self.deadline, f"review {item.channel_id}",
                                    self.give_up_after, tag=f"review-{item.shard}",
                                    retry=self.retry)
            with self.mu:
                if reply is None:
                    self.review_failed.append(item)
                else:
                    self.reviewed[item.application_id] = item.review

    def failed_between(self, start, end):
        """What (channel id, or "review <channel id>") of attempts failed in [start, end]."""
        with self.stats.mu:
            return {what for t, code, tag, what in self.stats.timeline
                    if start <= t <= end and code != grpc.StatusCode.OK}

    def codes_between(self, start, end):
        """{tag: Counter(code name)} of the attempts that ended in [start, end]."""
        out = collections.defaultdict(collections.Counter)
        with self.stats.mu:
            for t, code, tag, _ in self.stats.timeline:
                if start <= t <= end:
                    out[tag][code.name] += 1
        return out

    def wait_acked(self, count, timeout=600):
        with self.mu:
            self.progress.wait_for(lambda: self.acked + len(self.failed) >= count, timeout)

    def join(self, timeout=1800):
        for worker in self.workers:
            worker.join(timeout)
        self.elapsed = time.monotonic() - self.started
        return self


# --- the checks --------------------------------------------------------------------------------

def feed(stub, request_type, after=0, timeout=120):
    return [r.event for r in stub.StreamEvents(request_type(after_sequence=after,
                                                            stop_at_end=True), timeout=timeout)]


def ministry_results(cluster):
    db = os.path.join(cluster.tmp, "ministry", "ministry_receiver.db")
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT result_id, ministry_application_id FROM results").fetchall()


def wait_until(what, predicate, timeout=300, interval=0.5):
    """Polls `predicate` (returning (done, detail)) until done; returns the seconds it took."""
    started = last_log = time.monotonic()
    detail = None
    while time.monotonic() - started < timeout:
        try:
            done, detail = predicate()
        except grpc.RpcError as error:  # a service still coming back
            done, detail = False, error.code().name
        if done:
            return time.monotonic() - started
        if time.monotonic() - last_log > 10:
            log(f"waiting for {what}: {detail}")
            last_log = time.monotonic()
        time.sleep(interval)
    raise AssertionError(f"{what} did not converge in {timeout} s: {detail}")


class Checker:
    """Reads every service back and compares with what the load was acknowledged."""

    def __init__(self, cluster, load):
        self.cluster, self.load = cluster, load
        self.acked = [i for i in load.items if i.application_id is not None]
        self.decided = {i.application_id: i for i in self.acked
                        if i.application_id in load.reviewed}
        self.accepted = {a for a, i in self.decided.items() if i.review == "accept"}
        self.ministry_decided = {i.channel_id for i in self.decided.values() if i.ministry}

    def shard_events(self, shard):
        return feed(self.cluster.shard(shard), reg.StreamEventsRequest)

    def converged(self):
        """Every pending thing has completed: verification answered every undecided
        application, the ministry received every result, the consumers caught up."""
        pending = 0
        last = {}
        for shard in ("harbin", "main"):
            events = self.shard_events(shard)
            last[shard] = events[-1].sequence if events else 0
            verified = {e.application_state_changed.application_id for e in events
                        if e.HasField("application_state_changed")
                        and e.application_state_changed.verification.state
                        == reg.VERIFICATION_STATE_COMPLETED}
            decided = {e.application_decided.application.id for e in events
                       if e.HasField("application_decided")}
            pending += sum(1 for i in self.acked if i.shard == shard
                           and i.application_id not in verified
                           and i.application_id not in decided)
        delivered = {m for _, m in ministry_results(self.cluster)}
        undelivered = len(self.ministry_decided - delivered)
        stats = st_grpc.StatisticsServiceStub(self.cluster.channel("statistics"))
        cursors = {c.feed: c.last_applied_sequence for c in stats.GetFeedStatus(
            st.GetFeedStatusRequest(), timeout=10).cursors}
        behind = {shard: last[shard] - cursors.get(f"registration/{shard}", 0)
                  for shard in last}
        tiering_profiles = len(self.tiering_registrations())
        followup_known = len(self.followup_registrations())
        main_regs = len([a for a in self.accepted if self.decided[a].shard == "main"])
        detail = dict(unverified=pending, undelivered=undelivered, statistics_behind=behind,
                      tiering=(tiering_profiles, main_regs), followup=(followup_known, main_regs))
        done = (pending == 0 and undelivered == 0 and all(v == 0 for v in behind.values())
                and tiering_profiles == main_regs and followup_known == main_regs)
        return done, detail

    def tiering_registrations(self):
        stub = ti_grpc.TieringServiceStub(self.cluster.channel("tiering"))
        events = feed(stub, ti.StreamEventsRequest)
        return [e.type_changed.registration_id for e in events if e.HasField("type_changed")]

    def followup_registrations(self):
        stub = fu_grpc.FollowupServiceStub(self.cluster.channel("followup"))
        ids, token = [], ""
        month = today().strftime("%Y-%m")
        while True:
            page = stub.ListDueFollowUps(fu.ListDueFollowUpsRequest(
                region_code="230200", month=month, as_of=today().isoformat(), page_size=500,
                page_token=token), timeout=30)
            ids += [d.registration_id for d in page.due]
            token = page.next_page_token
            if not token:
                return ids

    def check(self, test):
        """Asserts exactly once everywhere; returns a dict of figures."""
        load = self.load
        test.assertEqual(load.stats.errors, [], "calls refused for a reason other than an outage")
        test.assertEqual([i.channel_id for i in load.failed], [], "applications never acknowledged")
        test.assertEqual([i.channel_id for i in load.review_failed], [])
        test.assertEqual(len(self.acked), load.n)

        registration_ids = {}  # application id -> registration id
        for shard in ("harbin", "main"):
            events = self.shard_events(shard)
            sequences = [e.sequence for e in events]
            test.assertEqual(sequences, list(range(1, len(events) + 1)), f"{shard} feed has gaps")
            received = collections.Counter(
                (e.application_received.application.channel,
                 e.application_received.application.channel_application_id)
                for e in events if e.HasField("application_received"))
            ids = collections.Counter(e.application_received.application.id for e in events
                                      if e.HasField("application_received"))
            mine = [i for i in self.acked if i.shard == shard]
            test.assertEqual(sorted(ids), sorted(i.application_id for i in mine),
                             f"{shard}: stored applications differ from the acknowledged ones")
            test.assertEqual([k for k, c in received.items() if c != 1], [], "doubled")
            test.assertEqual(max(ids.values(), default=1), 1)
            verified = collections.Counter(
                e.application_state_changed.application_id for e in events
                if e.HasField("application_state_changed")
                and e.application_state_changed.verification.state
                == reg.VERIFICATION_STATE_COMPLETED)
            test.assertEqual([a for a, c in verified.items() if c != 1], [],
                             "a verification answer recorded twice")
            decided = collections.Counter(e.application_decided.application.id for e in events
                                          if e.HasField("application_decided"))
            test.assertEqual(sorted(decided), sorted(a for a, i in self.decided.items()
                                                     if i.shard == shard))
            test.assertEqual(max(decided.values(), default=1), 1, "a decision recorded twice")
            created = collections.Counter(e.registration_created.registration.application_id
                                          for e in events if e.HasField("registration_created"))
            test.assertEqual(sorted(created), sorted(a for a in self.accepted
                                                     if self.decided[a].shard == shard))
            test.assertEqual(max(created.values(), default=1), 1, "a registration created twice")
            for e in events:
                if e.HasField("registration_created"):
                    r = e.registration_created.registration
                    registration_ids[r.application_id] = r.id

        main_regs = sorted(registration_ids[a] for a in self.accepted
                           if self.decided[a].shard == "main")
        tiering = self.tiering_registrations()
        test.assertEqual(sorted(tiering), main_regs, "tiering: one first profile per registration")
        followup = self.followup_registrations()
        test.assertEqual(sorted(followup), main_regs, "follow-up: one record per registration")

        stats = st_grpc.StatisticsServiceStub(self.cluster.channel("statistics"))
        figures = {}
        for region, expected in (("230000", len(self.accepted)),
                                 ("230100", len(self.accepted) - len(main_regs)),
                                 ("230200", len(main_regs))):
            reply = stats.GetUrbanRegisteredUnemployed(st.GetUrbanRegisteredUnemployedRequest(
                region_code=region, as_of=today().isoformat()), timeout=30)
            test.assertEqual(reply.active_registrations, expected, f"statistics {region}")
            test.assertEqual(reply.urban_registered_unemployed, expected, f"statistics {region}")

        # Every acknowledged application answers where it stands, at the gateway (as the channel
        # asks) and at its shard, with the id it was acknowledged with (issue #21).
        looked_up = lookup_acknowledged(self.cluster, self.acked)
        test.assertEqual(looked_up["gateway"], [], "acknowledged, GetApplicationStatus NOT_FOUND")
        test.assertEqual(looked_up["shard"], [], "acknowledged, not found at its shard")
        test.assertEqual(looked_up["differs"], [], "acknowledged with another application id")
        figures["status_checked"] = len(self.acked)

        results = ministry_results(self.cluster)
        by_application = collections.Counter(m for _, m in results)
        test.assertEqual(sorted(by_application), sorted(self.ministry_decided),
                         "ministry results differ from the ministry applications decided")
        test.assertEqual([m for m, c in by_application.items() if c != 1], [],
                         "a ministry result recorded twice")
        figures.update(applications=len(self.acked), decided=len(self.decided),
                       registrations=len(self.accepted), main_registrations=len(main_regs),
                       ministry_results=len(results))
        return figures


def lookup_acknowledged(cluster, items, threads=8, give_up_after=120):
    """Asks for every item (acknowledged with item.application_id) where it stands, as its channel
    would: GetApplicationStatus through the gateway (with the channel's identity) and
    GetApplicationByChannelId at its shard. Returns {"gateway": [...], "shard": [...]}: the channel
    ids answered NOT_FOUND, and {"differs": [...]}: answered with another application id, or with
    an application of another channel id.
    UNAVAILABLE / DEADLINE_EXCEEDED (a service still coming back) are retried."""
    gateway = cluster.gateway()
    shards = {name: cluster.shard(name) for name in ("harbin", "main")}

    def ask(call):
        started = time.monotonic()
        while True:
            try:
                return call()
            except grpc.RpcError as error:
                if error.code() == grpc.StatusCode.NOT_FOUND:
                    return None
                if error.code() not in RETRYABLE or time.monotonic() - started > give_up_after:
                    raise
            time.sleep(0.2)

    def one(item):
        channel = codes_pb2.CHANNEL_MINISTRY if item.ministry else codes_pb2.CHANNEL_PROVINCE_PORTAL
        status = ask(lambda: gateway.GetApplicationStatus(
            gw.GetApplicationStatusRequest(channel_application_id=item.channel_id),
            metadata=MINISTRY if item.ministry else PORTAL, timeout=10))
        stored = ask(lambda: shards[item.shard].GetApplicationByChannelId(
            reg.GetApplicationByChannelIdRequest(channel=channel,
                                                 channel_application_id=item.channel_id),
            timeout=10))
        # An answer about another application (e.g. a shard that lost its newest applications
        # hands their ids out again) counts as "another id".
        at_gateway = None if status is None else (
            status.application.application_id
            if status.application.channel_application_id == item.channel_id else "(other)")
        at_shard = None if stored is None else (
            stored.application.id
            if stored.application.channel_application_id == item.channel_id else "(other)")
        return item, at_gateway, at_shard

    out = {"gateway": [], "shard": [], "differs": []}
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        for item, at_gateway, at_shard in pool.map(one, items):
            if at_gateway is None:
                out["gateway"].append(item.channel_id)
            if at_shard is None:
                out["shard"].append(item.channel_id)
            if ((at_gateway is not None and at_gateway != item.application_id)
                    or (at_shard is not None and at_shard != item.application_id)):
                out["differs"].append(item.channel_id)
    return out


def latency_summary(stats):
    ok = sorted(stats.ok_latency)
    worst_error = max(((s, d) for s, d in stats.error_latency), default=(0, 0))
    pick = lambda q: ok[min(len(ok) - 1, int(q * len(ok)))] if ok else 0  # noqa: E731
    return (f"calls {dict(stats.codes)}; ok p50 {pick(0.5) * 1000:.0f} ms p99 "
            f"{pick(0.99) * 1000:.0f} ms max {ok[-1] * 1000 if ok else 0:.0f} ms; slowest failed "
            f"attempt {worst_error[0]:.2f} s (deadline {worst_error[1]:.1f} s)")
