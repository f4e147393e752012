"""One person, one undecided application or registration in the province (issue #15), with real
processes: two registration shards (harbin for 2301xx, main for the rest of Heilongjiang,
data/routing/two-shards.csv), the person index, and two gateway replicas that share it.

  1. 200 people each apply at the same time in two cities (Harbin and Qiqihar), through both
     replicas and both channels, with the same channel id sent to both replicas at once: afterwards
     each person has exactly one undecided application across both shards, and each channel id at
     most one application.
  2. A second wave of 200 people, during which the Harbin shard and one gateway replica are killed
     (-9) and restarted: nothing is doubled, and every acknowledged channel id answers
     GetApplicationStatus with its application on both replicas.
  3. A person who moves city: refused (ACTIVE_REGISTRATION_EXISTS) while registered in Harbin; the
     Harbin office deregisters (reason code 90 with a note); then Qiqihar takes the application.
  4. (own cluster, lease 1 s) A reservation whose gateway died before CreateApplication: within
     the lease the person is held; after it, another application fences the old id at its shard
     and takes the person, and a late CreateApplication of the old id is refused.
  5. (own cluster) One shard down stops intake only for the regions it serves (issue #22): the
     Harbin shard is killed (-9) and stays down; Qiqihar keeps accepting with every guarantee (one
     undecided application per person, a channel id answered the same twice, a second channel
     refused PENDING_APPLICATION_EXISTS), Harbin's applications are UNAVAILABLE SHARD_UNAVAILABLE
     within their deadline, and the region contact directory answers the other shard's regions:
     a gateway that read Harbin's reports before keeps serving them, one started while Harbin is
     down answers UNAVAILABLE only for Harbin's regions.

Run: ctest -L person_index (about a minute).
"""

import collections
import concurrent.futures
import os
import sys
import tempfile
import threading
import time
import unittest

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reliability import (CHANNEL_OPTIONS, MINISTRY, PORTAL, SOURCE_DIR, Service, today,  # noqa: E402,E501
                         codes_pb2, gw, gw_grpc, log, reg, reg_grpc, resident_id)
from support import address, error_reason, registration_form, sex_of  # noqa: E402

PEOPLE = int(os.environ.get("UE_PERSON_INDEX_PEOPLE", "200"))
# Harbin (230102, shard harbin) and Qiqihar (230202, shard main).
CITIES = (("230102", "230100", "harbin"), ("230202", "230200", "main"))
RETRY = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
FAILED_PRECONDITION_REASONS = ("PENDING_APPLICATION_EXISTS", "ACTIVE_REGISTRATION_EXISTS")


def form(id_number, county, city):
    return registration_form(id_number, "李四", residence=address(county, city),
                             sex=sex_of(id_number), job_intentions=("仓储管理",))


def reason_of(error):
    """The ErrorInfo reason of a failed call (google.rpc.Status in the binary details)."""
    return error_reason(error) or ""


class Cluster:
    """registration-harbin, registration-main, person-index, gateway-a, gateway-b."""

    def __init__(self, index_args=(), gateway_args=()):
        self.env = dict(os.environ,
                        UE_CALENDAR_DIR=os.path.join(SOURCE_DIR, "data/calendar"),
                        UE_REGIONS_DIR=os.path.join(SOURCE_DIR, "data/regions"),
                        UE_CONTACTS_DIR=os.path.join(SOURCE_DIR, "data/contacts"),
                        UE_PUBLIC_SERVICE_DIR=os.path.join(SOURCE_DIR, "data/public_service"))
        self._tmp = tempfile.TemporaryDirectory(prefix="ue-pidx-")
        self.tmp = self._tmp.name
        s = self.services = {}
        for shard in ("harbin", "main"):
            s[f"registration-{shard}"] = Service(self, f"registration-{shard}", "registration",
                                                 [f"--shard_id={shard}",
                                                  # no outbound receivers here, said explicitly
                                                  "--ministry_uploads=off",
                                                  "--notification_delivery=off"])
        shards = lambda: (f"main={s['registration-main'].address},"  # noqa: E731
                          f"harbin={s['registration-harbin'].address}")
        s["person-index"] = Service(self, "person-index", "person_index",
                                    [lambda: f"--registration_shards={shards()}", *index_args])
        for replica in ("a", "b"):
            s[f"gateway-{replica}"] = Service(
                self, f"gateway-{replica}", "gateway",
                [lambda: f"--shards={shards()}",
                 lambda: f"--person_index_addr={s['person-index'].address}",
                 f"--routing_table={SOURCE_DIR}/data/routing/two-shards.csv", *gateway_args])
        self.channels = {}
        self.lock = threading.Lock()

    def start(self):
        for name in ("registration-harbin", "registration-main", "person-index", "gateway-a",
                     "gateway-b"):
            self.services[name].start()
        return self

    def stop(self):
        for channel in self.channels.values():
            channel.close()
        for service in self.services.values():
            if service.proc is not None and service.proc.poll() is None:
                service.proc.terminate()
        for service in self.services.values():
            if service.proc is not None:
                try:
                    service.proc.wait(timeout=20)
                except Exception:  # noqa: BLE001
                    service.proc.kill()
        self._tmp.cleanup()

    def channel(self, name):
        with self.lock:
            if name not in self.channels:
                self.channels[name] = grpc.insecure_channel(self.services[name].address,
                                                            options=CHANNEL_OPTIONS)
            return self.channels[name]

    def gateway(self, replica):
        return gw_grpc.GatewayServiceStub(self.channel(f"gateway-{replica}"))

    def shard(self, shard):
        return reg_grpc.RegistrationServiceStub(self.channel(f"registration-{shard}"))

    def feed(self, shard):
        stub = self.shard(shard)
        return [r.event for r in stub.StreamEvents(
            reg.StreamEventsRequest(after_sequence=0, stop_at_end=True), timeout=60)]


class Attempt:
    """One channel id of one person, sent through `replicas` (both at once for the same id)."""

    def __init__(self, person, channel, channel_id, county, city, replicas):
        self.person, self.channel, self.channel_id = person, channel, channel_id
        self.form = form(person, county, city)
        self.replicas = replicas
        self.results = {}  # replica -> application id | reason

    def call(self, replica, timeout):
        stub = self.cluster.gateway(replica)
        if self.channel == "ministry":
            return stub.ForwardApplication(gw.ForwardApplicationRequest(
                ministry_application_id=self.channel_id, form=self.form),
                metadata=MINISTRY, timeout=timeout).application
        return stub.SubmitApplication(gw.SubmitApplicationRequest(
            portal_application_id=self.channel_id, form=self.form),
            metadata=PORTAL, timeout=timeout).application


def wave_attempts(cluster, wave, first_sequence):
    """Four channel ids per person: portal in Harbin and ministry in Qiqihar, each sent to both
    replicas at once; then portal in Qiqihar via b and ministry in Harbin via a."""
    attempts = []
    for k in range(PEOPLE):
        person = resident_id("230103", 3000 + wave * 400 + k // 900, first_sequence + k % 900)
        (hc, hcity, _), (qc, qcity, _) = CITIES
        for channel, cid, county, city, replicas in (
                ("portal", f"{hc}{wave}{k:07d}", hc, hcity, ("a", "b")),
                ("ministry", f"MZ-P{wave}-{k:05d}", qc, qcity, ("b", "a")),
                ("portal", f"{qc}{wave}{k:07d}", qc, qcity, ("b",)),
                ("ministry", f"MZ-Q{wave}-{k:05d}", hc, hcity, ("a",))):
            attempt = Attempt(person, channel, cid, county, city, replicas)
            attempt.cluster = cluster
            attempts.append(attempt)
    return attempts


def submit(attempt, replica, give_up_after=90):
    """Calls until an answer that is not UNAVAILABLE / DEADLINE_EXCEEDED; a retry after such an
    answer goes to the other replica (as a load balancer would send it)."""
    started = time.monotonic()
    current = replica
    while True:
        try:
            app = attempt.call(current, 10)
            return "ok", app.application_id
        except grpc.RpcError as error:
            if error.code() not in RETRY:
                return error.code().name, reason_of(error)
        if time.monotonic() - started > give_up_after:
            return "gave up", ""
        current = "b" if current == "a" else "a"
        time.sleep(0.05)


def status_with_retry(stub, channel_id, metadata, give_up_after=60):
    started = time.monotonic()
    while True:
        try:
            return stub.GetApplicationStatus(
                gw.GetApplicationStatusRequest(channel_application_id=channel_id),
                metadata=metadata, timeout=10)
        except grpc.RpcError as error:
            if error.code() not in RETRY or time.monotonic() - started > give_up_after:
                raise
        time.sleep(0.2)


def run_wave(attempts, workers=24, during=None):
    jobs = [(a, r) for a in attempts for r in a.replicas]
    # Interleave so that one person's attempts (and both replicas of one id) run together.
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futures = {pool.submit(submit, a, r): (a, r) for a, r in jobs}
        if during is not None:
            during(futures)
        for future in concurrent.futures.as_completed(futures):
            attempt, replica = futures[future]
            attempt.results[replica] = future.result()


def undecided_by_person(cluster):
    """person -> [(shard, application id)] of the applications not decided, from both feeds; and
    (channel, channel id) -> application ids, to find doubles."""
    undecided = collections.defaultdict(list)
    by_channel_id = collections.defaultdict(set)
    active = collections.defaultdict(list)
    for shard in ("harbin", "main"):
        open_apps = {}
        for event in cluster.feed(shard):
            kind = event.WhichOneof("payload")
            if kind == "application_received":
                app = event.application_received.application
                open_apps[app.id] = app.form.person_id.id_number
                by_channel_id[(app.channel, app.channel_application_id)].add(app.id)
            elif kind == "application_decided":
                open_apps.pop(event.application_decided.application.id, None)
            elif kind == "registration_created":
                r = event.registration_created.registration
                active[r.person_id.id_number].append((shard, r.id))
            elif kind == "registration_deregistered":
                r = event.registration_deregistered.registration
                active[r.person_id.id_number].remove((shard, r.id))
        for app_id, person in open_apps.items():
            undecided[person].append((shard, app_id))
    return undecided, by_channel_id, active


class PersonIndexEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster().start()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def check_wave(self, attempts, wave):
        acked = {}
        outcomes = collections.Counter()
        for attempt in attempts:
            ids = {v[1] for v in attempt.results.values() if v[0] == "ok"}
            self.assertLessEqual(len(ids), 1, f"{attempt.channel_id}: two answers {ids}")
            for outcome, detail in attempt.results.values():
                outcomes[outcome if outcome == "ok" else f"{outcome} {detail}"] += 1
                if outcome not in ("ok", "gave up"):
                    self.assertEqual(outcome, "FAILED_PRECONDITION", detail)
                    self.assertIn(detail, FAILED_PRECONDITION_REASONS)
            if ids:
                acked[(attempt.channel, attempt.channel_id)] = ids.pop()
        undecided, by_channel_id, active = undecided_by_person(self.cluster)
        people = sorted({a.person for a in attempts})
        self.assertEqual(len(people), PEOPLE)
        doubled = [k for k, ids in by_channel_id.items() if len(ids) > 1]
        self.assertEqual(doubled, [], "a channel id with two applications")
        for person in people:
            held = len(undecided.get(person, [])) + len(active.get(person, []))
            self.assertEqual(held, 1, f"wave {wave}: person {person[-4:]} holds {held}")
        self.assertNotIn("gave up", outcomes)
        # Every person got exactly one application acknowledged (perhaps through both replicas).
        per_person = collections.Counter()
        for attempt in attempts:
            if (attempt.channel, attempt.channel_id) in acked:
                per_person[attempt.person] += 1
        self.assertEqual(set(per_person.values()), {1})
        # Every acknowledged id answers on both replicas with its application (after recovery: a
        # replica's channel to a restarted shard reconnects within gRPC's back-off).
        for (channel, cid), app_id in acked.items():
            for replica in ("a", "b"):
                meta = PORTAL if channel == "portal" else MINISTRY
                reply = status_with_retry(self.cluster.gateway(replica), cid, meta)
                self.assertEqual(reply.application.application_id, app_id)
        log(f"wave {wave}: {dict(outcomes)}")
        print(f"FIGURES wave {wave}: people {PEOPLE}, calls {sum(outcomes.values())}, "
              f"acknowledged ids {len(acked)}, outcomes {dict(outcomes)}", flush=True)

    def test_1_concurrent_people_in_two_cities(self):
        attempts = wave_attempts(self.cluster, 1, 1)
        started = time.monotonic()
        run_wave(attempts)
        log(f"wave 1: {len(attempts)} ids in {time.monotonic() - started:.1f} s")
        self.check_wave(attempts, 1)

    def test_2_kill_a_shard_and_a_replica_mid_wave(self):
        attempts = wave_attempts(self.cluster, 2, 1)
        cluster = self.cluster

        def chaos(futures):
            total = len(futures)
            while sum(f.done() for f in futures) < total // 3:
                time.sleep(0.05)
            log(f"kill -9 registration-harbin and gateway-b at {sum(f.done() for f in futures)}"
                f"/{total} answered")
            cluster.services["registration-harbin"].kill()
            cluster.services["gateway-b"].kill()
            time.sleep(1.5)
            cluster.services["registration-harbin"].restart()
            cluster.services["gateway-b"].restart()
            log("restarted")

        started = time.monotonic()
        run_wave(attempts, during=chaos)
        log(f"wave 2: {len(attempts)} ids in {time.monotonic() - started:.1f} s")
        self.check_wave(attempts, 2)

    def test_3_a_person_who_moves_city(self):
        person = resident_id("230103", 5000, 7)
        (hc, hcity, _), (qc, qcity, _) = CITIES
        first = Attempt(person, "portal", f"{hc}9000000001", hc, hcity, ("a",))
        first.cluster = self.cluster
        outcome, application_id = submit(first, "a")
        self.assertEqual(outcome, "ok", application_id)
        reviewed = self.cluster.shard("harbin").ReviewApplication(reg.ReviewApplicationRequest(
            application_id=application_id, request_id="rv-move-1",
            outcome=codes_pb2.REVIEW_OUTCOME_ACCEPTED, reviewer="审核员"), timeout=10)
        registration_id = reviewed.application.registration_id
        self.assertTrue(registration_id)
        qiqihar = gw.SubmitApplicationRequest(portal_application_id=f"{qc}9000000002",
                                              form=form(person, qc, qcity))

        def apply_in_qiqihar():
            try:
                return "ok", self.cluster.gateway("b").SubmitApplication(
                    qiqihar, metadata=PORTAL, timeout=10).application
            except grpc.RpcError as error:
                return error.code().name, reason_of(error)

        # Registered in Harbin: refused (once the index has the registration from Harbin's feed).
        deadline = time.monotonic() + 20
        while True:
            outcome, detail = apply_in_qiqihar()
            self.assertEqual(outcome, "FAILED_PRECONDITION")
            if detail == "ACTIVE_REGISTRATION_EXISTS" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(detail, "ACTIVE_REGISTRATION_EXISTS")
        # The Harbin office deregisters: code 90 (other) with a note naming the move.
        self.cluster.shard("harbin").Deregister(reg.DeregisterRequest(
            registration_id=registration_id, request_id="dr-move-1",
            reason=codes_pb2.DEREGISTRATION_REASON_OTHER,
            effective_date=today().isoformat(), actor="经办人",
            note="迁往齐齐哈尔市常住，在常住地重新申请"), timeout=10)
        deadline = time.monotonic() + 20
        while True:
            outcome, detail = apply_in_qiqihar()
            if outcome == "ok" or time.monotonic() > deadline:
                break
            self.assertEqual((outcome, detail), ("FAILED_PRECONDITION", "ACTIVE_REGISTRATION_EXISTS"))
            time.sleep(0.1)
        self.assertEqual(outcome, "ok", detail)
        self.assertEqual(detail.office_region_code, qc)
        self.assertTrue(detail.application_id.startswith("main-"))
        undecided, _, active = undecided_by_person(self.cluster)
        self.assertEqual(undecided[person], [("main", detail.application_id)])
        self.assertEqual(active.get(person, []), [])


class FencingEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(index_args=["--reservation_lease=1s"]).start()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_stale_reservation_is_fenced(self):
        from unemployment.personindex.v1 import person_index_service_pb2 as pi
        from unemployment.personindex.v1 import person_index_service_pb2_grpc as pi_grpc
        person = resident_id("230103", 5100, 9)
        (hc, hcity, _), (qc, qcity, _) = CITIES
        stale_form = form(person, hc, hcity)
        # A gateway reserved the id and the person, then died before CreateApplication.
        index = pi_grpc.PersonIndexServiceStub(self.cluster.channel("person-index"))
        index.Reserve(pi.ReserveRequest(
            channel=codes_pb2.CHANNEL_MINISTRY, channel_application_id="MZ-STALE-1",
            fingerprint="ab" * 32, person_id=stale_form.person_id, shard="harbin",
            office_region_code=hc), timeout=10)
        fresh = Attempt(person, "portal", f"{qc}9100000001", qc, qcity, ("a",))
        fresh.cluster = self.cluster
        # Within the lease the person is held.
        self.assertEqual(submit(fresh, "a"), ("FAILED_PRECONDITION", "PENDING_APPLICATION_EXISTS"))
        time.sleep(1.2)
        # After it: the index fences MZ-STALE-1 at harbin, which never stored it; Qiqihar takes it.
        outcome, app_id = submit(fresh, "b")
        self.assertEqual(outcome, "ok", app_id)
        self.assertTrue(app_id.startswith("main-"))
        # The dead gateway's late CreateApplication of the old id is refused by the shard.
        with self.assertRaises(grpc.RpcError) as caught:
            self.cluster.shard("harbin").CreateApplication(reg.CreateApplicationRequest(
                channel=codes_pb2.CHANNEL_MINISTRY, channel_application_id="MZ-STALE-1",
                form=stale_form, office_region_code=hc), timeout=10)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
        self.assertEqual(reason_of(caught.exception), "CHANNEL_APPLICATION_ID_FENCED")
        undecided, _, active = undecided_by_person(self.cluster)
        self.assertEqual(undecided[person], [("main", app_id)])


class ShardDownEndToEnd(unittest.TestCase):
    PEOPLE = 40

    @classmethod
    def setUpClass(cls):
        # No copy of the contacts: every read asks the shards, so a dead shard shows at once.
        cls.cluster = Cluster(gateway_args=["--contacts_cache_ttl=0s"]).start()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def contact(self, replica, region):
        return self.cluster.gateway(replica).GetRegionContact(
            gw.GetRegionContactRequest(region_code=region), metadata=PORTAL, timeout=10)

    def contacts(self, replica, parent):
        return self.cluster.gateway(replica).ListRegionContacts(
            gw.ListRegionContactsRequest(parent_region_code=parent, page_size=500),
            metadata=PORTAL, timeout=10)

    def assert_shard_unavailable(self, call):
        with self.assertRaises(grpc.RpcError) as caught:
            call()
        self.assertEqual(caught.exception.code(), grpc.StatusCode.UNAVAILABLE,
                         caught.exception.details())
        self.assertEqual(reason_of(caught.exception), "SHARD_UNAVAILABLE")

    def test_one_shard_down_stops_only_its_regions(self):
        cluster = self.cluster
        (hc, hcity, _), (qc, qcity, _) = CITIES
        person = reg.ReportedPerson(name="周七", title="主任", phone="0451-84661234")
        cluster.shard("harbin").ReportRegionContact(reg.ReportRegionContactRequest(
            region_code="230100", request_id="contact-230100", actor="harbin-office",
            business=reg.ReportedDepartment(unit="哈尔滨市就业服务中心", responsible_person=person),
            technical=reg.ReportedDepartment(unit="哈尔滨市人社信息中心",
                                             responsible_person=person)), timeout=10)
        for replica in ("a", "b"):
            self.assertFalse(self.contact(replica, "230100").region_contact.placeholder)

        log("kill -9 registration-harbin (stays down); gateway-b restarted without it")
        cluster.services["registration-harbin"].kill()
        cluster.services["gateway-b"].kill()
        cluster.services["gateway-b"].restart()

        # Qiqihar (shard main): every guarantee holds while Harbin is down.
        attempts = []
        for k in range(self.PEOPLE):
            who = resident_id("230103", 6000 + k // 900, 1 + k % 900)
            first = Attempt(who, "portal", f"{qc}8{k:08d}", qc, qcity, ("a", "b"))
            second = Attempt(who, "ministry", f"MZ-DOWN-{k:05d}", qc, qcity, ("b",))
            for attempt in (first, second):
                attempt.cluster = cluster
                attempts.append(attempt)
        started = time.monotonic()
        run_wave(attempts, workers=8)
        log(f"Qiqihar with Harbin down: {len(attempts)} ids in {time.monotonic() - started:.1f} s")
        for first, second in zip(attempts[0::2], attempts[1::2]):
            outcomes = list(first.results.values()) + list(second.results.values())
            ok = {detail for outcome, detail in outcomes if outcome == "ok"}
            self.assertEqual(len(ok), 1, f"{first.person[-4:]}: {outcomes}")
            for outcome, detail in outcomes:
                if outcome != "ok":
                    self.assertEqual(outcome, "FAILED_PRECONDITION", outcomes)
                    self.assertIn(detail, FAILED_PRECONDITION_REASONS, outcomes)
            # The id that won answers the same application when sent again.
            winner = first if any(o == "ok" for o, _ in first.results.values()) else second
            self.assertEqual(submit(winner, "a", give_up_after=30), ("ok", ok.pop()))
        undecided = collections.defaultdict(list)
        for event in cluster.feed("main"):
            kind = event.WhichOneof("payload")
            if kind == "application_received":
                app = event.application_received.application
                undecided[app.form.person_id.id_number].append(app.id)
        people = {a.person for a in attempts}
        self.assertEqual({p: len(undecided[p]) for p in people}, {p: 1 for p in people})

        # Harbin: UNAVAILABLE with ErrorInfo, within the deadline, on both replicas.
        for k, replica in enumerate(("a", "b")):
            who = resident_id("230103", 6100, 1 + k)
            harbin = Attempt(who, "portal", f"{hc}8{k:08d}", hc, hcity, (replica,))
            harbin.cluster = cluster
            began = time.monotonic()
            self.assert_shard_unavailable(lambda: harbin.call(replica, 5))
            self.assertLess(time.monotonic() - began, 6)

        # The contact directory: the other shard's regions answer on both replicas.
        for replica in ("a", "b"):
            self.assertEqual(self.contact(replica, "230200").region_contact.region_code, "230200")
            listed = self.contacts(replica, "230200").region_contacts
            self.assertTrue(listed and listed[0].region_code == "230200")
        # gateway-a read Harbin's reports before: it keeps serving them.
        kept = self.contact("a", "230100").region_contact
        self.assertFalse(kept.placeholder)
        self.assertEqual(kept.business.unit, "哈尔滨市就业服务中心")
        everything = [c.region_code for c in self.contacts("a", "").region_contacts]
        self.assertIn("230100", everything)
        self.assertIn("230200", everything)
        # gateway-b never could: UNAVAILABLE for Harbin's regions and lists that cover them only.
        self.assert_shard_unavailable(lambda: self.contact("b", "230100"))
        self.assert_shard_unavailable(lambda: self.contacts("b", "230100"))
        self.assert_shard_unavailable(lambda: self.contacts("b", ""))
        print(f"FIGURES shard down: Qiqihar people {self.PEOPLE}, ids {len(attempts)} accepted "
              "or refused as required; Harbin UNAVAILABLE SHARD_UNAVAILABLE", flush=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
