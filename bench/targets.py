"""The production-mode targets in one run: SQLite and PostgreSQL, DKIM off and on, memory in N, and Mailman.

    .venv/bin/python -m bench.targets [--subscribers 100000] [--mailman 10000] [--workers 1] [--concurrency N]

Runs ``bench.send`` end to end (real Celery workers, Redis, Postfix's
``smtp-sink``) four times one after the other — SQLite and PostgreSQL, each
with DKIM off and on (RSA-2048) — then PostgreSQL with DKIM on again at a
tenth of the subscribers (the memory check), then the GNU Mailman 3 peer
(``../shared/bench/peer-mailman/run.sh N personalized``). It prints one table
of figures and one of the targets with the measured value beside each: on a
shared machine read the ratios (measured within this run), not the absolute
rates.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MODES = (("SQLite", False, False), ("SQLite", False, True), ("PostgreSQL", True, False), ("PostgreSQL", True, True))


def run_send(subscribers: int, postgres: bool, dkim: bool, args, out: Path) -> dict:
    command = [sys.executable, "-m", "bench.send", "--subscribers", str(subscribers), "--end-to-end-only",
               "--workers", str(args.workers), "--concurrency", str(args.concurrency), "--json-out", str(out)]
    command += ["--postgres"] if postgres else []
    command += ["--dkim"] if dkim else []
    print("$", " ".join(command[1:]), flush=True)
    done = subprocess.run(command, cwd=REPO, text=True, capture_output=True)
    for line in done.stdout.splitlines():
        print("   ", line)
    if done.returncode != 0 or not out.exists():
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise SystemExit(f"bench.send failed ({done.returncode}): {tail}")
    return json.loads(out.read_text())


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT met")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--mailman", type=int, default=10_000, help="members of the Mailman peer's list (0: skip)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=min(3 * len(os.sched_getaffinity(0)), 12),
                        help="processes per worker (default: B40NEWS_WORKER_CONCURRENCY's, 3 per core, at most 12)")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="b40news-targets-"))
    started = time.strftime("%Y-%m-%d %H:%M")
    results = {}
    for db, postgres, dkim in MODES:
        results[(db, dkim)] = run_send(args.subscribers, postgres, dkim, args, tmp / f"{db}-{dkim}.json")
    small = max(args.subscribers // 10, 1)
    results["small"] = run_send(small, True, True, args, tmp / "small.json")
    peer = None
    if args.mailman:
        from bench.send import mailman_peer

        peer = mailman_peer(args.mailman)
        if "error" in peer:
            print(f"  Mailman peer did not run: {peer['error']}")
            peer = None

    cores = os.cpu_count() or 1
    print(f"\n{args.subscribers} recipients, {args.workers} worker(s) × {args.concurrency} processes, "
          f"into smtp-sink; started {started}, {cores} cores, load average now {os.getloadavg()[0]:.1f}")
    print(f"  {'mode':30} {'messages/s':>10} {'CPU ms/msg':>10} {'workers':>8} {'machine':>8} {'largest RSS':>11}")
    for db, postgres, dkim in MODES:
        r = results[(db, dkim)]
        print(f"  {db + ', DKIM ' + ('on' if dkim else 'off'):30} {r['rate']:10.0f} {r['cpu_ms']:10.2f} "
              f"{r['cpu_ms'] * r['rate'] / 1000:8.2f} {r.get('machine_busy', 0):8.2f} "
              f"{r['peak_largest'] / 2**20:8.0f} MiB")
    s = results["small"]
    print(f"  {'PostgreSQL, DKIM on, ' + str(small):30} {s['rate']:10.0f} {s['cpu_ms']:10.2f} "
          f"{s['cpu_ms'] * s['rate'] / 1000:8.2f} {s.get('machine_busy', 0):8.2f} {s['peak_largest'] / 2**20:8.0f} MiB")
    if peer:
        print(f"  {'Mailman ' + peer['version'] + ', ' + str(peer['sent']):30} {peer['rate']:10.0f} "
              f"{peer['cpu'] / peer['sent'] * 1000:10.2f}")

    production = results[("PostgreSQL", True)]
    targets = [
        ("PostgreSQL + DKIM ≥ 1,000 messages/s", f"{production['rate']:.0f}/s", production["rate"] >= 1000),
        ("PostgreSQL + DKIM ≥ 25× Mailman (same run)",
         f"{production['rate'] / peer['rate']:.1f}×" if peer else "no peer",
         production["rate"] >= 25 * peer["rate"] if peer else None),
    ]
    for db in ("SQLite", "PostgreSQL"):
        ratio = results[(db, True)]["rate"] / results[(db, False)]["rate"]
        targets.append((f"{db}: DKIM on ≥ 90 % of DKIM off", f"{ratio:.0%}", ratio >= 0.9))
    for dkim in (False, True):
        ratio = results[("PostgreSQL", dkim)]["rate"] / results[("SQLite", dkim)]["rate"]
        targets.append((f"DKIM {'on' if dkim else 'off'}: PostgreSQL ≥ 90 % of SQLite", f"{ratio:.0%}", ratio >= 0.9))
    targets.append(("worker CPU ≤ 1 ms a message, DKIM included", f"{production['cpu_ms']:.2f} ms",
                    production["cpu_ms"] <= 1.0))
    busy = production.get("machine_busy", production["cpu_ms"] * production["rate"] / 1000)
    targets.append((f"both cores busy during a send ({cores} cores, every process)", f"{busy:.2f} cores",
                    busy >= 0.9 * min(cores, 2)))
    growth = production["peak_largest"] / max(s["peak_largest"], 1)
    targets.append((f"largest worker RSS at {args.subscribers} within 10 % of {small}", f"{growth:.2f}×",
                    growth <= 1.10))
    print("\ntargets (issue: production mode at the speed of the wire)")
    for name, measured, ok in targets:
        print(f"  {name:52} {measured:>12}  {verdict(ok)}")


if __name__ == "__main__":
    main()
