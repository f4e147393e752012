#!/usr/bin/python3
"""Soak (issue #10): the whole suite under mixed load for a long time; memory and open file
descriptors of every service must stay flat. Not part of CI (it runs for 30 minutes by default).

    tests/reliability/soak.py [--minutes 30] [--interval 10] [--rate 40] [--csv soak.csv]

Starts the suite as tests/python/reliability.py does (two registration shards, verification, the
ministry receiver, gateway, tiering, follow-up, statistics; temporary data folders), then runs
rounds of applications through the gateway at about --rate per second (half portal, half
ministry, half per shard; a fifth reviewed: accepted or rejected, so ministry results and
registrations flow to every consumer), plus reader threads calling a read RPC of each read-model
service. Every --interval seconds it samples each process's RSS (VmRSS) and open descriptors
(/proc/PID/fd) into the CSV. At the end it prints, per service, start / end / max and the slope
of a least-squares line over the second half of the run (after warm-up), checks that everything
acknowledged exists exactly once, and exits 1 if a check failed or a slope exceeds the limits
(--max_rss_mib_per_hour, --max_fds_per_hour).

Environment: UE_SOURCE_DIR (default: this repository), UE_BIN_DIR (default
build/release/services).
"""

import argparse
import os
import sys
import threading
import time
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))
os.environ.setdefault("UE_SOURCE_DIR", ROOT)
os.environ.setdefault("UE_BIN_DIR", os.path.join(ROOT, "build/release/services"))
sys.path.insert(0, os.path.join(ROOT, "tests/python"))

from reliability import (Checker, Cluster, Load, latency_summary, log,  # noqa: E402
                         wait_until)
from test_graceful import Readers  # noqa: E402


def sample(pid):
    rss_kib = 0
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss_kib = int(line.split()[1])
    return rss_kib / 1024.0, len(os.listdir(f"/proc/{pid}/fd"))


def slope_per_hour(points):
    """Least-squares slope of (seconds, value) points, per hour."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mx = sum(t for t, _ in points) / n
    my = sum(v for _, v in points) / n
    sxx = sum((t - mx) ** 2 for t, _ in points)
    sxy = sum((t - mx) * (v - my) for t, v in points)
    return 3600.0 * sxy / sxx if sxx else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--interval", type=float, default=10, help="seconds between samples")
    parser.add_argument("--rate", type=float, default=40, help="applications per second")
    parser.add_argument("--round", type=int, default=2000, help="applications per round")
    parser.add_argument("--csv", default="soak.csv")
    parser.add_argument("--max_rss_mib_per_hour", type=float, default=20.0)
    parser.add_argument("--max_fds_per_hour", type=float, default=5.0)
    args = parser.parse_args()

    cluster = Cluster().start()
    threads = 8
    loads = []
    samples = []  # (seconds, service, rss MiB, fds)
    stop = threading.Event()
    started = time.monotonic()
    end = started + args.minutes * 60

    def load_rounds():
        first = 0
        while not stop.is_set():
            load = Load(cluster, args.round, threads=threads, run="S", first=first,
                        pace=threads / args.rate).start()
            loads.append(load)
            load.join()
            first += args.round
            log(f"round of {args.round} done in {load.elapsed:.0f} s; "
                f"{latency_summary(load.stats)}")

    readers = Readers(cluster)
    for thread in readers.threads:
        thread.start()
    loader = threading.Thread(target=load_rounds, daemon=True)
    loader.start()
    ok = True
    try:
        with open(args.csv, "w") as out:
            out.write("seconds,service,pid,rss_mib,open_fds\n")
            while time.monotonic() < end:
                now = time.monotonic() - started
                for name, pid in cluster.pids().items():
                    rss, fds = sample(pid)
                    samples.append((now, name, rss, fds))
                    out.write(f"{now:.0f},{name},{pid},{rss:.1f},{fds}\n")
                out.flush()
                time.sleep(args.interval)
        stop.set()
        loader.join()
        readers.stop.set()

        print(f"{'service':22} {'RSS MiB start/end/max':>24} {'slope MiB/h':>12} "
              f"{'fds start/end/max':>18} {'slope fds/h':>12}")
        half = args.minutes * 30
        for name in Cluster.ORDER:
            mine = [(t, r, f) for t, n, r, f in samples if n == name]
            rss = [r for _, r, _ in mine]
            fds = [f for _, _, f in mine]
            rss_slope = slope_per_hour([(t, r) for t, r, _ in mine if t >= half])
            fd_slope = slope_per_hour([(t, f) for t, _, f in mine if t >= half])
            flag = ""
            if rss_slope > args.max_rss_mib_per_hour or fd_slope > args.max_fds_per_hour:
                flag, ok = "  <-- grows", False
            print(f"{name:22} {rss[0]:7.1f}/{rss[-1]:7.1f}/{max(rss):7.1f} {rss_slope:12.1f} "
                  f"{fds[0]:5d}/{fds[-1]:5d}/{max(fds):5d} {fd_slope:12.1f}{flag}")

        # Everything acknowledged exists exactly once.
        combined = Load(cluster, 0)
        for load in loads:
            combined.items += load.items
            combined.reviewed.update(load.reviewed)
            combined.failed += load.failed
            combined.review_failed += load.review_failed
            combined.stats.errors += load.stats.errors
        combined.n = len(combined.items)
        checker = Checker(cluster, combined)
        converge = wait_until("the suite", checker.converged, timeout=600)
        figures = checker.check(unittest.TestCase())
        total = sum(load.elapsed for load in loads)
        log(f"FIGURES soak: minutes={args.minutes} applications={combined.n} "
            f"({combined.n / total:.1f}/s) converge_s={converge:.1f} {figures}; csv {args.csv}")
    except AssertionError as error:
        log(f"check failed: {error}")
        ok = False
    finally:
        stop.set()
        readers.stop.set()
        cluster.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
