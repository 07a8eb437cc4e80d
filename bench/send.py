"""Send benchmark: one release to N subscribers over 38 city lists in 11 languages.

    .venv/bin/python -m bench.send [--subscribers 100000] [--postgres] [--concurrency N] [--dkim] [--profile]
    .venv/bin/python -m bench.send --versus-mailman [--subscribers 2000] [--postgres] [--dkim]

Everything real: a temporary SQLite file (or PostgreSQL database at
127.0.0.1:5432, ``--postgres``), Redis, `celery -A worker worker` processes,
Postfix's `smtp-sink` on 127.0.0.1 as the relay. Prints messages per second
end to end (dispatch to the last ``sent_at``), the time per message in a
worker (between consecutive ``sent_at`` of a batch) and from claim to sent at
p50/p99, the workers' CPU and peak memory; and, in the same run, on
``--sample`` recipients in this process, the naive path (MJML rendered per
recipient, one SMTP connection per message, the same ledger commits) against
the real sender: the per-message ratio.

``--versus-mailman`` runs, in the same run and one after the other, the same
release end to end with DKIM off, with DKIM on (``--dkim``), and the GNU
Mailman 3 peer (``../shared/bench/peer-mailman/run.sh N personalized``: one
post to an N-member list, fully personalised, one SMTP transaction per
recipient, into its own aiosmtpd sink), and prints one table: messages per
second, CPU per message of the sending processes (our Celery workers;
Mailman's runners), and the ratios to DKIM off and to Mailman.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))  # this checkout's b40news, whatever the venv points at
MAILMAN_PEER = REPO.parent / "shared" / "bench" / "peer-mailman" / "run.sh"
SEED = REPO.parent / "shared" / "seed" / "release-stara-zagora-b40-summit.bg.txt"
TITLE = "Стара Загора участва в Петата среща на върха на B40 в Загреб"
LANGUAGES = ("bg", "en", "hr", "sr-Cyrl", "sr-Latn", "mk", "sq", "el", "tr", "ro", "sl")
CITIES = 38


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


class Services:
    """The processes this run starts, stopped in reverse order at the end."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen] = []
        self.cleanups: list = []

    def popen(self, args, **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(args, **kwargs)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
        for cleanup in reversed(self.cleanups):
            cleanup()


def environment(args, services: Services, tmp: Path) -> dict[str, str]:
    """The environment for this process and the workers (before Django starts)."""
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    if not _redis_answers(redis_url):
        port = _free_port()
        services.popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                        "--appendonly", "no"], stdout=subprocess.DEVNULL)
        redis_url = f"redis://127.0.0.1:{port}/0"
        for _ in range(100):
            if _redis_answers(redis_url):
                break
            time.sleep(0.05)
    if args.postgres:
        import psycopg

        name = f"b40news_bench_{os.getpid()}"
        admin = "postgresql://postgres@127.0.0.1:5432/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")

        def drop() -> None:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

        services.cleanups.append(drop)
        database_url = f"postgres://postgres@127.0.0.1:5432/{name}"
    else:
        database_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    env = {
        "B40NEWS_DATA_DIR": str(tmp),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "B40NEWS_REDIS_PREFIX": f"b40news-bench-{os.getpid()}:",
        "SMTP_URL": f"smtp://127.0.0.1:{args.sink_port}",
        "SITE_URL": "https://news.b40.test",
        "SECRET_KEY": "b40news-bench",
        "B40NEWS_SEND_BATCH_SIZE": str(args.batch_size),
        "DJANGO_SETTINGS_MODULE": "b40news.settings",
        "PYTHONPATH": os.pathsep.join((str(REPO / "src"), str(REPO))),  # the workers run this checkout too
    }
    for name in ("DKIM_PRIVATE_KEY_FILE", "B40NEWS_SMTP_RATE_LIMIT"):
        os.environ.pop(name, None)
    if args.dkim:  # off by default, as in the settings
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (tmp / "dkim.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        env["DKIM_PRIVATE_KEY_FILE"] = str(tmp / "dkim.pem")
    os.environ.update(env)
    return env


def seed(subscribers: int):
    """38 cities with one list each, `subscribers` over 11 languages, one release."""
    from django.utils import timezone

    from b40news.delivery import service
    from b40news.network.models import City, Language, MailingList, Subscriber, Subscription
    from b40news.network.sample import SAMPLE_CITIES
    from b40news.releases.models import Release, Translation
    from b40news.releases.workflow import store_source
    from b40news.text.scripts import transliterate

    by_code = Language.objects.sync()
    now = timezone.now()
    names = [(c.slug, c.english, c.bulgarian, c.colour) for c in SAMPLE_CITIES]
    names += [(f"city-{n}", f"City {n}", f"Град {n}", "#1d4e89") for n in range(len(names) + 1, CITIES + 1)]
    City.objects.bulk_create([
        City(slug=slug, country="BG", names={**{code: en for code in LANGUAGES}, "bg": bg},
             default_language=by_code["bg"], colour=colour)
        for slug, en, bg, colour in names
    ])
    cities = list(City.objects.order_by("id"))
    MailingList.objects.bulk_create(
        [MailingList(city=city, slug=f"{city.slug}-news", name=f"{city.name('en')} — B40 news") for city in cities]
    )
    lists = list(MailingList.objects.order_by("id"))
    step = 20_000
    for start in range(0, subscribers, step):
        made = Subscriber.objects.bulk_create([
            Subscriber(email=f"s{i:06d}@example.org", ascii_email=f"s{i:06d}@example.org",
                       language=by_code[LANGUAGES[i % len(LANGUAGES)]], token=f"t{i:06d}", created_at=now)
            for i in range(start, min(start + step, subscribers))
        ], batch_size=5000)
        Subscription.objects.bulk_create([
            Subscription(subscriber_id=s.pk, mailing_list=lists[(s.pk * 7) % len(lists)],
                         status=Subscription.Status.CONFIRMED, created_at=now, confirmed_at=now)
            for s in made
        ], batch_size=5000)
    body = SEED.read_text(encoding="utf-8").strip()

    def release(lists) -> Release:
        made = Release.objects.create(city=cities[0], title=TITLE, body=body)
        made.lists.set(lists)
        for code in LANGUAGES[1:]:  # bg is the source itself
            Translation.objects.create(
                release=made, language=by_code[code], status=Translation.Status.APPROVED,
                title=transliterate(made.title, code), text=transliterate(made.body, code),
                route=["bench:transliterated"], tier="gist", approved_at=now,
            )
        store_source(made)
        service.prepare_send(made)
        Release.objects.filter(pk=made.pk).update(status=Release.Status.SENDING)  # the bench dispatches itself
        return made

    return release(lists), release


def sample_release(make_release, size: int):
    """A release to the first `size` subscribers only (its own list of them)."""
    from b40news.network.models import City, MailingList, Subscriber, Subscription

    count = MailingList.objects.count()
    mailing_list = MailingList.objects.create(city=City.objects.order_by("id")[1], slug=f"sample-{count}",
                                              name="Sample")
    ids = Subscriber.objects.order_by("id").values_list("id", flat=True)[:size]
    Subscription.objects.bulk_create([Subscription(subscriber_id=i, mailing_list=mailing_list,
                                                   status=Subscription.Status.CONFIRMED) for i in ids])
    return make_release([mailing_list])


def naive_send(release) -> int:
    """MJML rendered per recipient, one SMTP connection per message, a commit per step."""
    from django.conf import settings

    from b40news.delivery import composer, ledger
    from b40news.delivery.models import Delivery
    from b40news.delivery.renditions import newsletter_for, renderer
    from b40news.delivery.smtp import SmtpSession, SmtpSettings

    translations = {t.language.code: t for t in release.translations.select_related("language")}
    relay, sent = SmtpSettings.from_url(settings.SMTP_URL), 0
    while (batch := ledger.claim_batch(release.pk, settings.SEND_BATCH_SIZE)) is not None:
        rows = Delivery.objects.filter(batch=batch).select_related("subscriber", "mailing_list__city", "release")
        for row in rows.order_by("id"):
            city = row.mailing_list.city
            rendered = renderer(Path(settings.EMAIL_TEMPLATES_DIR)).render(
                newsletter_for(release, translations[row.language], city))
            message, envelope = composer.newsletter(row, rendered, composer.dkim_signer())
            with SmtpSession(relay) as smtp:
                result = smtp.send(message, mail_from=envelope.mail_from, rcpt_to=envelope.rcpt_to,
                                   before_commit=lambda row=row: ledger.start_sending(row.pk, batch))
            ledger.flush(ledger.Outcome(row, result.outcome, result.code, result.detail, permanent_rcpt=False,
                                        claimed=result.committed))
            sent += result.outcome == "sent"
    return sent


def fast_send(release) -> int:
    """The real sender, batch after batch, in this process."""
    from b40news.delivery import ledger, sender

    return sum(sender.send_batch(ledger.new_token(), release.pk).sent for _ in range(-(-ledger.count_due(
        release.pk) // int(os.environ["B40NEWS_SEND_BATCH_SIZE"]))))


def _tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def usage(pids: list[int]) -> tuple[float, int]:
    """(CPU seconds, summed peak RSS in bytes) of these processes."""
    cpu, peak, _ = usage_detail(pids)
    return cpu, peak


def usage_detail(pids: list[int]) -> tuple[float, int, int]:
    """(CPU seconds, summed peak RSS, largest single peak RSS in bytes) of these processes."""
    ticks, cpu, peak, largest = os.sysconf("SC_CLK_TCK"), 0.0, 0, 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        cpu += (int(fields[11]) + int(fields[12])) / ticks
        hwm = next((int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmHWM")), 0)
        peak, largest = peak + hwm, max(largest, hwm)
    return cpu, peak, largest


def _database_cpu() -> float | None:
    """CPU seconds used so far by the PostgreSQL server, or None on SQLite: its
    processes alive now (backends, WAL writer, checkpointer…) and those that have
    ended (its postmaster's reaped children). The difference of two readings is
    what the server spent between them, whether the workers' connections last or
    not. The server runs on this machine; other clients' backends count too."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()

    try:
        postmaster = int(Path(f"/proc/{backend}/stat").read_text().rpartition(")")[2].split()[1])
        fields = Path(f"/proc/{postmaster}/stat").read_text().rpartition(")")[2].split()
    except (OSError, ValueError, IndexError):
        return None
    ended = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime + cstime
    alive, _ = usage([pid for pid in _tree(postmaster) if pid != postmaster])
    return ended + alive


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (every process, the kernel's work
    included; not idle, not waiting for the disk), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def start_workers(services: Services, env: dict[str, str], count: int, concurrency: int) -> list[int]:
    from worker import app

    names = [f"bench{n}-{os.getpid()}" for n in range(count)]
    for name in names:
        services.popen([sys.executable, "-m", "celery", "-A", "worker", "worker", "-Q", "send", "-c",
                        str(concurrency), "-n", f"{name}@%h", "-l", "warning", "--without-gossip",
                        "--without-mingle", "--without-heartbeat"], cwd=REPO, env={**os.environ, **env})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5) or []
        if all(any(name in key for reply in replies for key in reply) for name in names):
            return [p.pid for p in services.processes[-count:]]
    raise SystemExit("the workers did not answer within 120 s")


def percentiles(values: list[float]) -> str:
    values = sorted(values) or [float("nan")]
    p50, p99 = (values[min(len(values) - 1, int(q * len(values)))] * 1000 for q in (0.5, 0.99))
    return f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"


def end_to_end(release, args, env, services) -> dict:
    from django.db.models import Count

    from b40news.delivery.models import Delivery
    from worker.tasks import dispatch_release

    roots = start_workers(services, env, args.workers, args.concurrency)
    pids = [pid for root in roots for pid in _tree(root)]
    cpu_before, _ = usage(pids)
    machine_before = _machine_busy()
    start = time.time()
    dispatch_release.delay(release_id=release.pk)
    database_before = _database_cpu()
    open_states = ["pending", "queued", "sending"]
    while Delivery.objects.filter(release=release, state__in=open_states).exists():
        time.sleep(0.5)
    pids = [pid for root in roots for pid in _tree(root)]
    cpu_after, peak, largest = usage_detail(pids)
    database_after = _database_cpu()
    machine_busy = (_machine_busy() - machine_before) / max(time.time() - start, 1e-9)
    database_cpu = None if database_before is None or database_after is None else database_after - database_before
    states = dict(Delivery.objects.filter(release=release).values_list("state").annotate(n=Count("id")))
    rows = list(Delivery.objects.filter(release=release, state="sent")
                .values_list("batch", "queued_at", "sent_at").order_by("batch", "sent_at"))
    last = max(sent_at for _, _, sent_at in rows)
    steps, previous = [], None
    for batch, _, sent_at in rows:
        if previous is not None and previous[0] == batch:
            steps.append((sent_at - previous[1]).total_seconds())
        previous = (batch, sent_at)
    return {
        "states": states, "seconds": last.timestamp() - start, "sent": len(rows), "cpu": cpu_after - cpu_before,
        "peak": peak, "largest": largest, "processes": len(pids), "step": percentiles(steps),
        "database_cpu": database_cpu, "machine_busy": machine_busy,
        "claim_to_sent": percentiles([(s - q).total_seconds() for _, q, s in rows]),
    }


def sink_count(path: Path) -> int:
    """The last running count smtp-sink -c printed."""
    counts = path.read_text(errors="replace").rpartition("mesg=")[2].split()
    return int(counts[0]) if counts and counts[0].isdigit() else 0


# What --breakdown times in the real sender: inclusive CPU time of each call,
# reached through (module, attribute path), with a label.
BREAKDOWN = (
    ("b40news.delivery.sender", "_queued_rows", "reading the batch's rows"),
    ("b40news.delivery.sender", "_renditions", "reading the renditions"),
    ("b40news.delivery.composer", "newsletter", "composing, building, signing (below)"),
    ("b40news.newsletter.render", "_fill", "  personalising the rendition"),
    ("b40news.network.links", "unsubscribe_url", "  signed links"),
    ("b40news.network.links", "unsubscribe_mailto", "  signed links"),
    ("b40news.network.links", "preferences_url", "  signed links"),
    ("b40news.delivery.composer", "verp_token", "  VERP token"),
    ("b40news.delivery.composer", "from_name", "  From name"),
    ("b40news.delivery.composer", "build_message", "  building the message"),
    ("b40news.newsletter.message", "_recipient", "    checking the address"),
    ("b40news.newsletter.message", "_part", "    encoding the two parts"),
    ("b40news.newsletter.dkim", "DkimSigner.sign", "  DKIM"),
    ("b40news.newsletter.dkim", "DkimSigner._canonical_headers", "    canonical headers"),
    ("b40news.newsletter.dkim", "DkimSigner._canonical_body", "    canonical body"),
    ("b40news.delivery.smtp", "SmtpSession.send", "SMTP, the ledger's commit included"),
    ("b40news.delivery.ledger", "start_sending", "  ledger: the per-message commit"),
    ("b40news.delivery.ledger", "record", "ledger: other outcomes"),
)


def breakdown(send, release) -> tuple[int, dict[str, float]]:
    """Run ``send`` with the BREAKDOWN functions timed (CPU time of this thread)."""
    import importlib

    spent = dict.fromkeys((label for _, _, label in BREAKDOWN), 0.0)
    restore = []
    for module, path, label in BREAKDOWN:
        owner = importlib.import_module(module)
        *outer, name = path.split(".")
        for part in outer:
            owner = getattr(owner, part)
        original = getattr(owner, name)

        def timed(*a, _original=original, _label=label, **k):
            start = time.thread_time()  # this thread's: the process has others (the broker's, say)
            try:
                return _original(*a, **k)
            finally:
                spent[_label] += time.thread_time() - start

        setattr(owner, name, timed)
        restore.append((owner, name, original))
    try:
        sent = send(release)
    finally:
        for owner, name, original in reversed(restore):
            setattr(owner, name, original)
    return sent, spent


def compare(args, make_release) -> float:
    """The naive path against the real sender on the same sample, both in this
    process; returns the naive path's rate (messages per second)."""
    sample = min(args.sample, args.subscribers)
    figures = {}
    for name, send in (("naive", naive_send), ("real", fast_send)):
        release = sample_release(make_release, sample)
        profiler = cProfile.Profile(time.thread_time) if args.profile and name == "real" else None
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        if args.breakdown and name == "real":
            sent, spent = breakdown(send, release)
        else:
            sent = send(release)
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        figures[name] = (sent, time.perf_counter() - wall, time.process_time() - cpu)
    print(f"\nsample of {sample}, one process, batches of {args.batch_size}:")
    for name, label in (("naive", "naive (MJML per recipient, a connection per message)"), ("real", "real sender")):
        sent, wall, cpu = figures[name]
        print(f"  {label:54} {sent} sent, {sent / wall:5.0f} msg/s, {wall / sent * 1000:5.2f} ms/msg, "
              f"CPU {cpu / sent * 1000:.2f} ms/msg")
    if args.breakdown:
        real_sent, _, real_cpu = figures["real"]
        print(f"  where the real sender's CPU went, per message ({real_cpu / real_sent * 1000:.3f} ms in all; "
              "each line includes the indented ones below it):")
        for label, seconds in spent.items():
            print(f"    {label:52} {seconds / real_sent * 1000:6.3f} ms")
    (naive, naive_wall, naive_cpu), (fast, fast_wall, fast_cpu) = figures["naive"], figures["real"]
    print(f"  ratio real/naive per message: {naive_wall / naive / (fast_wall / fast):.1f}x wall, "
          f"{naive_cpu / naive / (fast_cpu / fast):.1f}x CPU")
    return naive / naive_wall


def stop_started(services: Services, since: int) -> None:
    """Stop the processes started after the first ``since`` (one run's workers)."""
    for process in services.processes[since:]:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def mailman_peer(subscribers: int) -> dict:
    """Run the Mailman 3 peer once (personalized); its figures, or why it could not run."""
    if not MAILMAN_PEER.exists():
        return {"error": f"{MAILMAN_PEER} is missing"}
    env = {**os.environ, "SMTP_PORT": str(_free_port()), "LMTP_PORT": str(_free_port()),
           "REST_PORT": str(_free_port())}
    for name in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    print(f"\nMailman peer: {MAILMAN_PEER} {subscribers} personalized (its first run installs Mailman 3.3.10 "
          f"into $MMBENCH, default /tmp/mmbench: minutes)", flush=True)
    started = time.perf_counter()
    try:
        done = subprocess.run(["bash", str(MAILMAN_PEER), str(subscribers), "personalized"], env=env,
                              capture_output=True, text=True, timeout=3600 + subscribers)
    except subprocess.TimeoutExpired:
        return {"error": "the Mailman peer did not finish within its time limit"}
    line = re.search(r"^mailman (\S+) mode=\S+ N=(\d+) seconds=([\d.]+) recipients_per_s=([\d.]+)", done.stdout, re.M)
    cpu = re.search(r"mailman_cpu_s=([\d.]+)", done.stderr)
    if done.returncode != 0 or not line:
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-4:])
        return {"error": f"run.sh exited {done.returncode}: {tail}"}
    print(f"  {line.group(0)} (whole run with setup {time.perf_counter() - started:.0f} s)")
    return {"version": line.group(1), "sent": int(line.group(2)), "seconds": float(line.group(3)),
            "rate": float(line.group(4)), "cpu": float(cpu.group(1)) if cpu else float("nan")}


def versus_mailman(args, env: dict[str, str], services: Services, main_release, make_release) -> None:
    """DKIM off, DKIM on (--dkim) and Mailman, one after the other, then one table."""
    rows = []
    runs = [("b40news, DKIM off", main_release, False)]
    if args.dkim:
        runs.append(("b40news, DKIM on", make_release(list(main_release.lists.all())), True))
    for label, release, dkim in runs:
        worker_env = {**env, "DKIM_PRIVATE_KEY_FILE": env.get("DKIM_PRIVATE_KEY_FILE", "") if dkim else ""}
        os.environ["DKIM_PRIVATE_KEY_FILE"] = worker_env["DKIM_PRIVATE_KEY_FILE"]
        since = len(services.processes)
        result = end_to_end(release, args, worker_env, services)
        stop_started(services, since)
        sent = max(result["sent"], 1)
        print(f"  {label}: {result['states']}; per message in a worker {result['step']}; "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        rows.append((label, result["sent"] / result["seconds"], result["cpu"] / sent * 1000))
    peer = mailman_peer(args.subscribers)
    if "error" in peer:
        print(f"  Mailman peer did not run: {peer['error']}")
    else:
        rows.append((f"Mailman {peer['version']} personalized", peer["rate"], peer["cpu"] / peer["sent"] * 1000))
    off = rows[0][1]
    mailman = rows[-1][1] if "error" not in peer else None
    db = "PostgreSQL" if args.postgres else "SQLite"
    print(f"\n{args.subscribers} recipients, {db}, {args.workers} worker(s) × {args.concurrency} processes, "
          f"batches of {args.batch_size}, into Postfix's smtp-sink (Mailman: its own aiosmtpd sink); "
          f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores")
    print(f"  {'mode':34} {'messages/s':>10} {'CPU ms/msg':>10} {'vs DKIM off':>11} {'vs Mailman':>10}")
    for label, rate, cpu in rows:
        versus = f"{rate / mailman:9.1f}x" if mailman else f"{'n/a':>10}"
        print(f"  {label:34} {rate:10.0f} {cpu:10.2f} {rate / off:10.2f}x {versus}")
    print("  (CPU: our Celery workers' processes; Mailman's master and runners, its sink not counted)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000, help="recipients for the naive-vs-real comparison")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=min(3 * len(os.sched_getaffinity(0)), 12),
                        help="processes per worker (default: B40NEWS_WORKER_CONCURRENCY's, 3 per core, at most 12)")
    parser.add_argument("--batch-size", type=int, default=200, help="B40NEWS_SEND_BATCH_SIZE (the default: 200)")
    parser.add_argument("--dkim", action="store_true", help="sign every message (a fresh RSA-2048 key)")
    parser.add_argument("--profile", action="store_true", help="profile the real sender on the sample (cProfile, CPU time)")
    parser.add_argument("--breakdown", action="store_true",
                        help="the real sender's CPU per message, stage by stage (light timers, not a profiler)")
    parser.add_argument("--versus-mailman", action="store_true",
                        help="DKIM off, DKIM on (with --dkim) and the Mailman 3 peer in one run, one table")
    parser.add_argument("--end-to-end-only", action="store_true", help="skip the naive-vs-real sample")
    parser.add_argument("--json-out", type=Path, help="also write the end-to-end figures to this JSON file")
    args = parser.parse_args(argv)
    args.sink_port = _free_port()
    tmp = Path(tempfile.mkdtemp(prefix="b40news-bench-"))
    services = Services()
    services.cleanups.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
    try:
        env = environment(args, services, tmp)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        sink_log = tmp / "smtp-sink.out"
        sink = services.popen(["/usr/sbin/smtp-sink", "-c", *(["-u", "nobody"] if os.geteuid() == 0 else []),
                               f"127.0.0.1:{args.sink_port}", "1000"],
                              stdout=sink_log.open("wb"), stderr=subprocess.STDOUT)
        t = time.perf_counter()
        main_release, make_release = seed(args.subscribers)
        print(f"seeded {args.subscribers} subscribers, {CITIES} lists, {len(LANGUAGES)} languages; rendered and "
              f"frozen in {time.perf_counter() - t:.1f} s ({'PostgreSQL' if args.postgres else 'SQLite'})")
        if args.versus_mailman:
            versus_mailman(args, env, services, main_release, make_release)
            return
        naive_rate = float("nan") if args.end_to_end_only else compare(args, make_release)

        result = end_to_end(main_release, args, env, services)
        rate = result["sent"] / result["seconds"]
        if args.json_out:
            import json

            args.json_out.write_text(json.dumps({
                "subscribers": args.subscribers, "postgres": args.postgres, "dkim": args.dkim, "sent": result["sent"],
                "seconds": result["seconds"], "rate": rate, "cpu_ms": result["cpu"] / max(result["sent"], 1) * 1000,
                "peak_total": result["peak"], "peak_largest": result["largest"], "processes": result["processes"],
                "states": result["states"], "load": os.getloadavg()[0], "machine_busy": result["machine_busy"],
                "database_cpu_ms": (result["database_cpu"] / max(result["sent"], 1) * 1000
                                    if result["database_cpu"] is not None else None)}))
        print(f"\nend to end: {args.subscribers} subscribers through {args.workers} worker(s) × "
              f"{args.concurrency} processes, batches of {args.batch_size}, "
              f"{'PostgreSQL' if args.postgres else 'SQLite'}, DKIM {'on' if args.dkim else 'off'}")
        print(f"  states: {result['states']}; smtp-sink counted {sink_count(sink_log)} messages (samples included)")
        print(f"  {result['sent']} sent in {result['seconds']:.1f} s: {rate:.0f} msg/s "
              f"(target ≥ 500; {rate / naive_rate:.1f}x the naive path's single-process rate)")
        print(f"  time per message in a worker: {result['step']}; claim to sent: {result['claim_to_sent']}")
        print(f"  workers' CPU: {result['cpu']:.1f} s ({result['cpu'] / max(result['sent'], 1) * 1000:.2f} ms/msg), "
              f"peak memory {result['peak'] / 2**20:.0f} MiB over {result['processes']} processes; "
              f"smtp-sink CPU {usage([sink.pid])[0]:.1f} s; load average {os.getloadavg()[0]:.1f}")
        if result["database_cpu"] is not None:
            print(f"  PostgreSQL server processes during the run (every client's): {result['database_cpu']:.1f} s CPU "
                  f"({result['database_cpu'] / max(result['sent'], 1) * 1000:.2f} ms/msg)")
        print(f"  the machine: {result['machine_busy']:.2f} of {os.cpu_count()} cores busy during the send "
              "(every process: workers, database, relay, broker, this one)")
    finally:
        services.stop()


if __name__ == "__main__":
    main()
