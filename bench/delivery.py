"""How fast a sender empties the outbox: this tree against a baseline commit, in one run.

    .venv/bin/python bench/delivery.py [--baseline REV] [--messages 600] [--rounds 3]

The baseline (default: where this branch left main, `git merge-base HEAD main`)
is taken with `git archive` into a temporary folder; each round measures it and
this tree in turn (which goes first alternates, so both see the same load on a
shared machine),
each in a fresh process running this file's `--measure` part against that
tree's `generator` package. A measurement: a project with the notification
test forms (tests/fixtures/notify/forms), a fresh SQLite file holding
`--messages` queued messages (a third of them applicants' confirmations, two
thirds staff alerts, as the endpoint queues them), an SMTP server on 127.0.0.1
(aiosmtpd in a thread, answering each message after `--smtp-delay-ms`, a
remote server's round trip), and one `Sender` as `notify run` runs it (its own
database thread) sending until nothing is due. Prints one line per run (with
the process's CPU time per message, steadier than the rate on a busy machine)
and the ratio of the means of messages/s, this tree over the baseline.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def measure(messages: int, smtp_delay: float, work: Path) -> dict[str, float]:
    """One run in this process, with whichever `generator` is on sys.path."""
    import asyncio
    import threading

    from aiosmtpd.controller import Controller

    from generator import PROJECT_ROOT
    from generator.core.config import Config
    from generator.core.organisation import Settings as Organisation
    from generator.notify.sender import Sender, context_for
    from generator.submissions.notices import OutboxPlanner
    from generator.submissions.secure_store import open_secure_store
    from tests.notify.helpers import submission
    from tests.support.fixtures import checked_forms, make_project
    from tests.support.postgres import free_port

    class Accept:
        def __init__(self) -> None:
            self.count = 0
            self.lock = threading.Lock()

        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            await asyncio.sleep(smtp_delay)
            with self.lock:
                self.count += 1
            return "250 Message accepted"

    (work / "project").mkdir()
    root = make_project(work / "project", (PROJECT_ROOT / "tests" / "fixtures" / "notify" / "forms").glob("*.yml"))
    forms = checked_forms(root)
    handler, port = Accept(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    env = {"DATABASE_URL": f"sqlite:///{work / 'bench.db'}", "QALB_SMTP_URL": f"smtp://127.0.0.1:{port}",
           "QALB_MAIL_FROM": "noreply@qalb.example", "QALB_SITE_URL": "https://qalb.example/"}
    settings = Config(root, env).notify
    store = open_secure_store(settings, forms, planner=OutboxPlanner(forms))
    organisation = Organisation(site_url="https://qalb.example/", organisation={"name": {"ar": "جمعية قلب",
                                                                                          "en": "Qalb"}})
    sender = Sender(store, context_for(settings, forms, organisation), settings)
    try:
        subs = [submission("ar" if i % 2 else "en") for i in range(messages // 3)]
        for start in range(0, len(subs), 50):
            store.insert_batch(subs[start:start + 50])
        queued = store.outbox_counts()["pending"]

        async def send_all() -> None:
            while await sender.send_due():
                pass

        started, cpu = time.perf_counter(), time.process_time()
        asyncio.run(send_all())
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        counts = store.outbox_counts()
    finally:
        sender.close()
        store.close()
        controller.stop()
    return {"queued": queued, "sent": counts["sent"], "received": handler.count, "seconds": elapsed,
            "per_second": counts["sent"] / elapsed, "cpu_ms": 1000 * cpu / max(counts["sent"], 1)}


def run_one(tree: Path, messages: int, delay_ms: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="qalb-delivery-") as work:
        env = {**os.environ, "PYTHONPATH": str(tree)}
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--measure", "--messages", str(messages),
                              "--smtp-delay-ms", str(delay_ms), "--work", work],
                             cwd=tree, env=env, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise SystemExit(f"measuring {tree} failed:\n{out.stderr[-3000:]}")
        result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default=None, help="the commit to compare with (default: merge-base with main)")
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smtp-delay-ms", type=float, default=5.0)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.messages, args.smtp_delay_ms / 1000, args.work)))
        return 0

    baseline = args.baseline or subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=REPO, check=True,
                                               capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, check=True, capture_output=True,
                            text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="qalb-baseline-") as folder:
        old = Path(folder)
        archive = subprocess.run(["git", "archive", baseline], cwd=REPO, check=True, capture_output=True).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(old, filter="data")
        rates: dict[str, list[float]] = {"baseline": [], "this tree": []}
        cpu: dict[str, list[float]] = {"baseline": [], "this tree": []}
        print(f"{args.messages} messages, SMTP answer after {args.smtp_delay_ms:g} ms; baseline {baseline[:7]}, "
              f"this tree {commit} (with any uncommitted changes)", flush=True)
        for round_ in range(1, args.rounds + 1):
            order = [("baseline", old), ("this tree", REPO)]
            for name, tree in order if round_ % 2 else order[::-1]:  # who goes first alternates too
                result = run_one(tree, args.messages, args.smtp_delay_ms)
                if not result["sent"] == result["received"] == result["queued"]:
                    raise SystemExit(f"{name}: queued {result['queued']}, sent {result['sent']}, "
                                     f"received {result['received']}")
                rates[name].append(result["per_second"])
                cpu[name].append(result["cpu_ms"])
                print(f"round {round_}, {name}: {result['sent']:.0f} sent in {result['seconds']:.2f} s = "
                      f"{result['per_second']:.1f} messages/s, {result['cpu_ms']:.1f} ms CPU each", flush=True)
    before, after = statistics.mean(rates["baseline"]), statistics.mean(rates["this tree"])
    print(f"mean: baseline {before:.1f}/s, this tree {after:.1f}/s, ratio {after / before:.2f} "
          f"(target >= 0.80); CPU per message: baseline {statistics.mean(cpu['baseline']):.1f} ms, "
          f"this tree {statistics.mean(cpu['this tree']):.1f} ms")
    return 0 if after / before >= 0.8 else 1


if __name__ == "__main__":
    raise SystemExit(main())
