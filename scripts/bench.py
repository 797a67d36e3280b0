"""Load benchmark: HTTP ingest latency and throughput, and pipeline throughput per worker process.

Run it as a script from the repository root (it puts the root on ``sys.path`` itself)::

    .venv/bin/python scripts/bench.py [--uploads 2000] [--clients 50] [--documents 200]
        [--server-workers 2] [--database-url URL] [--redis-url URL] [--profile]

It needs PostgreSQL and Redis (``make services``), prints figures, and asserts nothing. By
default it works in a throw-away database ``bilag_bench_<random>`` (dropped at the end) and in
Redis database 14 (flushed at the start and the end); every process it starts is stopped on
exit, Ctrl-C and SIGTERM included.

Why these figures, measured this way:

* **Ingest** is what a customer's integration feels. An upload is only answered after the
  original is fsynced into the blob store, its row and audit event are committed, and its first
  job is queued, so its cost is spread over uvicorn, multipart parsing, the API-key lookup, the
  disk, PostgreSQL and Redis. Only a real ``bilag serve`` driven over real HTTP with concurrent
  keep-alive clients counts all of those; latency percentiles (not the mean) are what a client
  with a timeout notices. The load generator runs on the same machine and takes CPU from the
  server, so the CPU used by each party is printed next to the figures.
* **Pipeline throughput per worker process** is the number capacity is planned with: how many
  documents one ``bilag worker`` drains through receive -> read -> extract per second. It is
  timed with the worker as production runs it (jobs in the worker's own process), on a queue
  holding nothing else, with the web server stopped so the worker has the machine. The forking
  worker (``--fork``, a child process per job) on an identical batch shows what isolation
  costs. RQ's own job
  records give the time spent inside each stage, which separates stage work from per-job
  overhead (fork, dequeue, bookkeeping) and from process start-up.

* **Extraction** per page, from page tokens to fields with OCR excluded, is the extract
  stage's own cost (``scripts/bench_extraction.py``); target at most 50 ms a page.
* **OCR** is where scanned invoices spend their time. Bilag's whole read of a 300 dpi A4 scan
  (decode, clean-up, orientation, deskew, tesseract, viewer image) is timed against bare
  ``tesseract`` on the same image, both single-threaded (``OMP_THREAD_LIMIT=1``), so the
  overhead of everything around tesseract shows as one ratio (``scripts/bench_ocr.py``). Scaling
  is measured twice: reader processes side by side, and real ``bilag worker`` processes
  draining a queue of scans through the whole pipeline, one worker against two.

CPU figures come from /proc: per process group, plus how busy the whole machine was. A process
that starts and exits inside a measured window (a PostgreSQL backend serving one short-lived
connection, say) is missing from the per-group figures but not from the machine's.
"""

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import math
import os
import pstats
import random
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx
from redis import Redis
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

ADMIN_URL = "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
QUEUE_NAME = "bilag"
ORG_NUMBER = "912345688"
WARMUP_UPLOADS = 50
JOBS_PER_DOCUMENT = 3  # receive, read, extract
INGEST_P99_TARGET_MS = 100.0
PIPELINE_TARGET_DOCS_PER_S = 10.0
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MACHINE_BUSY = "machine busy"


# --------------------------------------------------------------------------------------------
# Processes


class Processes:
    """The subprocesses this script started, each in its own session, so each can be stopped
    with everything it forked (uvicorn's workers, RQ's work horses) and nothing else."""

    def __init__(self) -> None:
        self._running: list[subprocess.Popen[bytes]] = []

    def start(self, argv: Sequence[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            proc = subprocess.Popen(
                list(argv),
                env=env,
                cwd=REPO_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._running.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], grace: float = 15.0) -> None:
        if proc.poll() is None:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
        # Anything the process forked and left behind in its session goes too.
        _signal_group(proc.pid, signal.SIGKILL)
        if proc in self._running:
            self._running.remove(proc)

    def stop_all(self) -> None:
        for proc in list(reversed(self._running)):
            self.stop(proc)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def bilag_command() -> list[str]:
    script = Path(sys.executable).with_name("bilag")
    return [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]


def run_cli(args: Sequence[str], env: dict[str, str]) -> str:
    """Run a ``bilag`` command to completion; its stdout, or the whole output on failure."""
    done = subprocess.run(
        [*bilag_command(), *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"bilag {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------------------------
# CPU accounting, from /proc, so the figures say who used the two cores


@dataclass(frozen=True)
class ProcStat:
    ppid: int
    comm: str
    cpu: float


def proc_table() -> dict[int, ProcStat]:
    table: dict[int, ProcStat] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        head, _, rest = raw.rpartition(")")
        comm = head.partition("(")[2]
        fields = rest.split()
        cpu = (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
        table[int(entry.name)] = ProcStat(int(fields[1]), comm, cpu)
    return table


def descendants(table: dict[int, ProcStat], root: int) -> set[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for pid, stat in table.items():
        children[stat.ppid].append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in table and pid not in found:
            found.add(pid)
            todo.extend(children[pid])
    return found


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all cores since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


@dataclass(frozen=True)
class CpuSnapshot:
    own: float
    groups: dict[str, dict[int, float]]
    machine: tuple[int, int]

    @classmethod
    def take(cls, roots: dict[str, int]) -> "CpuSnapshot":
        usage = resource.getrusage(resource.RUSAGE_SELF)
        table = proc_table()
        groups = {
            name: {pid: table[pid].cpu for pid in descendants(table, root)}
            for name, root in roots.items()
        }
        groups["postgres"] = {p: s.cpu for p, s in table.items() if s.comm.startswith("postgres")}
        groups["redis"] = {p: s.cpu for p, s in table.items() if s.comm.startswith("redis-serv")}
        return cls(usage.ru_utime + usage.ru_stime, groups, machine_ticks())


def cpu_used(before: CpuSnapshot, after: CpuSnapshot) -> dict[str, float]:
    used = {"bench (load generator)": after.own - before.own}
    for name, pids in after.groups.items():
        earlier = before.groups.get(name, {})
        used[name] = sum(cpu - earlier.get(pid, 0.0) for pid, cpu in pids.items())
    busy = after.machine[0] - before.machine[0]
    total = after.machine[1] - before.machine[1]
    used[MACHINE_BUSY] = busy / total if total else math.nan
    return used


def cpu_per_process(before: CpuSnapshot, after: CpuSnapshot, group: str) -> list[float]:
    """CPU seconds of each process of ``group`` that did any work, busiest first."""
    earlier = before.groups.get(group, {})
    used = [cpu - earlier.get(pid, 0.0) for pid, cpu in after.groups.get(group, {}).items()]
    return sorted((u for u in used if u > 0.05), reverse=True)


def describe_cpu(used: dict[str, float], wall: float) -> str:
    cores = os.cpu_count() or 1
    processes = {name: seconds for name, seconds in used.items() if name != MACHINE_BUSY}
    parts = [
        f"{name} {seconds:.1f} s ({seconds / wall:.0%})" for name, seconds in processes.items()
    ]
    total = sum(processes.values())
    return (
        f"CPU used over {wall:.1f} s wall (percent of one core): {', '.join(parts)}; "
        f"together {total / wall / cores:.0%} of {cores} cores; whole machine busy "
        f"{used.get(MACHINE_BUSY, math.nan):.0%} (kernel, other processes included)"
    )


# --------------------------------------------------------------------------------------------
# Database and Redis


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    name = f"bilag_bench_{secrets.token_hex(4)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        print(f"created throw-away database {name}")
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        print(f"dropped throw-away database {name}")


def status_counts(engine: Engine, document_ids: Sequence[str]) -> Counter[str]:
    from models.tables import Document

    ids = [uuid.UUID(d) for d in document_ids]
    query = (
        select(Document.status, func.count())  # type: ignore[arg-type]
        .where(Document.id.in_(ids))  # type: ignore[attr-defined]
        .group_by(Document.status)
    )
    with engine.connect() as conn:
        return Counter({status: count for status, count in conn.execute(query)})


@dataclass
class JobStats:
    finished: int
    failed: int
    scheduled: int
    span: float
    per_stage: dict[str, list[float]]


def job_stats(redis: Redis) -> JobStats:
    """What RQ recorded about the jobs run since the last flush."""
    from rq import Queue
    from rq.job import Job

    queue = Queue(QUEUE_NAME, connection=redis)
    ids = queue.finished_job_registry.get_job_ids()
    jobs = [job for job in Job.fetch_many(ids, connection=redis) if job is not None]
    per_stage: dict[str, list[float]] = defaultdict(list)
    starts, ends = [], []
    for job in jobs:
        if job.started_at is None or job.ended_at is None:
            continue
        starts.append(job.started_at)
        ends.append(job.ended_at)
        per_stage[str(job.args[2])].append((job.ended_at - job.started_at).total_seconds())
    span = (max(ends) - min(starts)).total_seconds() if starts else 0.0
    return JobStats(
        finished=len(jobs),
        failed=queue.failed_job_registry.count,
        scheduled=queue.scheduled_job_registry.count,
        span=span,
        per_stage=dict(per_stage),
    )


# --------------------------------------------------------------------------------------------
# Uploads


def render_scans(count: int) -> list[tuple[str, bytes]]:
    """``count`` distinct 300 dpi A4 scans (PNG) of invoices, with a small skew."""
    from tests.builders import an_invoice
    from workers.sample_scans import render_sample_invoice_scan

    tag = random.randint(100, 999)
    return [
        (
            f"scan-{tag}{i:04d}.png",
            render_sample_invoice_scan(an_invoice(invoice_number=f"{tag}{i:04d}"), dpi=300),
        )
        for i in range(count)
    ]


def render_pdfs(count: int) -> list[tuple[str, bytes]]:
    """``count`` distinct invoice PDFs; a run tag keeps them distinct from earlier runs too."""
    from tests.builders import an_invoice_pdf

    tag = random.randint(100, 999)
    rendered = []
    for i in range(count):
        number = f"{tag}{i:06d}"
        rendered.append((f"invoice-{number}.pdf", an_invoice_pdf(invoice_number=number)))
    return rendered


@dataclass
class LoadResult:
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    document_ids: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    server_processes: list[float] = field(default_factory=list)

    @property
    def not_created(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != "201")


async def _upload_all(
    clients: Sequence[httpx.AsyncClient],
    payloads: Sequence[tuple[str, bytes]],
    result: LoadResult,
    collect_ids: bool,
) -> None:
    pending = deque(payloads)

    async def work(client: httpx.AsyncClient) -> None:
        while pending:
            name, body = pending.popleft()
            started = time.perf_counter()
            try:
                response = await client.post(
                    "/api/v1/documents", files={"file": (name, body, "application/pdf")}
                )
            except httpx.HTTPError as exc:
                result.latencies.append(time.perf_counter() - started)
                result.statuses[type(exc).__name__] += 1
                continue
            result.latencies.append(time.perf_counter() - started)
            result.statuses[str(response.status_code)] += 1
            if collect_ids and response.status_code == 201:
                result.document_ids.append(response.json()["id"])

    await asyncio.gather(*(work(client) for client in clients))


async def _drive(
    base_url: str,
    api_key: str,
    warmup: Sequence[tuple[str, bytes]],
    measured: Sequence[tuple[str, bytes]],
    clients: int,
    cpu_roots: dict[str, int],
    collect_ids: bool,
) -> LoadResult:
    """A closed loop: ``clients`` keep-alive clients, each sending its next upload as soon as
    the previous one is answered. The warm-up opens the connections and is not counted."""
    async with contextlib.AsyncExitStack() as stack:
        pool = [
            await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=base_url,
                    headers={"Authorization": f"Bearer {api_key}"},
                    timeout=120.0,
                    limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                )
            )
            for _ in range(clients)
        ]
        if warmup:
            await _upload_all(pool, warmup, LoadResult(), collect_ids=False)
        result = LoadResult()
        cpu_before = CpuSnapshot.take(cpu_roots)
        started = time.perf_counter()
        await _upload_all(pool, measured, result, collect_ids)
        result.wall = time.perf_counter() - started
        cpu_after = CpuSnapshot.take(cpu_roots)
        result.cpu = cpu_used(cpu_before, cpu_after)
        result.server_processes = cpu_per_process(cpu_before, cpu_after, "server")
        return result


def upload(
    base_url: str,
    api_key: str,
    payloads: Sequence[tuple[str, bytes]],
    clients: int,
    *,
    warmup: Sequence[tuple[str, bytes]] = (),
    cpu_roots: dict[str, int] | None = None,
    collect_ids: bool = False,
) -> LoadResult:
    return asyncio.run(
        _drive(base_url, api_key, warmup, payloads, clients, cpu_roots or {}, collect_ids)
    )


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return math.nan
    return sorted_values[max(1, math.ceil(pct / 100 * len(sorted_values))) - 1]


# --------------------------------------------------------------------------------------------
# The benchmark


@dataclass
class PipelineResult:
    label: str
    documents: int
    wall: float
    exit_code: int
    jobs: JobStats
    statuses: Counter[str]
    worker_cpu: float
    cpu: dict[str, float]
    workers: int = 1

    @property
    def busy(self) -> float:
        """From the first job starting to the last one ending: the worker's steady state."""
        return self.jobs.span or self.wall


class Bench:
    def __init__(self, args: argparse.Namespace, database_url: str, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.processes = Processes()
        self.env = os.environ | {
            "BILAG_DATABASE_URL": database_url,
            "BILAG_REDIS_URL": args.redis_url,
            "BILAG_STORAGE_ROOT": str(workdir / "blobs"),
            "BILAG_QUEUE_NAME": QUEUE_NAME,
            "PYTHONUNBUFFERED": "1",
        }
        self.redis = Redis.from_url(args.redis_url)
        self.engine = create_engine(database_url)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.server: subprocess.Popen[bytes] | None = None
        self.api_key = ""
        self.server_starts = 0

    def close(self) -> None:
        self.processes.stop_all()
        self.engine.dispose()
        self.redis.close()

    # -- set-up

    def prepare(self) -> None:
        run_cli(["migrate"], self.env)
        try:
            run_cli(
                ["company", "create", "--name", "Bench AS", "--org-number", ORG_NUMBER], self.env
            )
        except RuntimeError as exc:
            if "already" not in str(exc):  # a --database-url used before keeps its company
                raise
        output = run_cli(["apikey", "create", "--company", ORG_NUMBER, "--name", "bench"], self.env)
        self.api_key = output.strip().splitlines()[-1]

    def start_server(self) -> None:
        self.server_starts += 1
        log = self.workdir / f"server-{self.server_starts}.log"
        argv = [
            *bilag_command(),
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(self.args.server_workers),
        ]
        self.server = self.processes.start(argv, self.env, log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"the server exited; see {log}:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"the server did not become healthy in 60 s; see {log}")

    def stop_server(self) -> None:
        if self.server is not None:
            self.processes.stop(self.server)
            self.server = None

    # -- phases

    def ingest(
        self, warmup: Sequence[tuple[str, bytes]], payloads: Sequence[tuple[str, bytes]]
    ) -> LoadResult:
        assert self.server is not None
        return upload(
            self.base_url,
            self.api_key,
            payloads,
            self.args.clients,
            warmup=warmup,
            cpu_roots={"server": self.server.pid},
        )

    def queue_batch(self, payloads: Sequence[tuple[str, bytes]]) -> list[str]:
        """Empty the queue, then upload ``payloads`` through a fresh server and stop it."""
        self.redis.flushdb()
        self.start_server()
        try:
            loaded = upload(
                self.base_url, self.api_key, payloads, min(self.args.clients, 8), collect_ids=True
            )
        finally:
            self.stop_server()
        if loaded.not_created:
            print(f"  warning: queuing the batch got responses {dict(loaded.statuses)}")
        return loaded.document_ids

    def pipeline(
        self,
        label: str,
        payloads: Sequence[tuple[str, bytes]],
        fork: bool,
        workers: int = 1,
    ) -> PipelineResult:
        """Drain a fresh batch with ``workers`` burst workers started together."""
        document_ids = self.queue_batch(payloads)
        timeout = max(300.0, len(document_ids) * 3.0)
        usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_before = CpuSnapshot.take({})
        started = time.perf_counter()
        procs = []
        for number in range(workers):
            name = f"bench-{secrets.token_hex(3)}"
            argv = [*bilag_command(), "worker", "--burst", "--name", name]
            argv.append("--fork" if fork else "--no-fork")
            log = self.workdir / f"worker-{'fork' if fork else 'in-process'}-{number}.log"
            procs.append((self.processes.start(argv, self.env, log), log))
        exit_code = 0
        for proc, log in procs:
            try:
                exit_code = exit_code or proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                print(f"  warning: a worker ran past {timeout:.0f} s and was stopped; see {log}")
                exit_code = -1
        wall = time.perf_counter() - started
        cpu_after = CpuSnapshot.take({})
        for proc, _ in procs:
            self.processes.stop(proc)
        usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        worker_cpu = (usage_after.ru_utime + usage_after.ru_stime) - (
            usage_before.ru_utime + usage_before.ru_stime
        )
        cpu = cpu_used(cpu_before, cpu_after)
        cpu.pop("bench (load generator)", None)
        return PipelineResult(
            label=label,
            documents=len(document_ids),
            wall=wall,
            exit_code=exit_code,
            jobs=job_stats(self.redis),
            statuses=status_counts(self.engine, document_ids),
            worker_cpu=worker_cpu,
            workers=workers,
            cpu=cpu,
        )

    def profile_simple_worker(self, payloads: Sequence[tuple[str, bytes]]) -> str:
        """cProfile of a non-forking burst worker run in this process on a fresh batch."""
        self.queue_batch(payloads)
        for name in ("BILAG_DATABASE_URL", "BILAG_REDIS_URL", "BILAG_STORAGE_ROOT"):
            os.environ[name] = self.env[name]
        os.environ["BILAG_QUEUE_NAME"] = QUEUE_NAME
        from models.settings import get_settings
        from workers.worker import build_worker

        get_settings.cache_clear()
        worker = build_worker(fork=False, name=f"bench-profile-{secrets.token_hex(3)}")
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.runcall(worker.work, burst=True, logging_level="WARNING")
        wall = time.perf_counter() - started
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        out.write(f"in-process SimpleWorker, {len(payloads)} documents in {wall:.1f} s\n")
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
        return out.getvalue()


def report_ingest(result: LoadResult, args: argparse.Namespace) -> str:
    latencies = sorted(result.latencies)
    ms = {p: percentile(latencies, p) * 1000 for p in (50, 90, 99, 100)}
    rate = len(latencies) / result.wall if result.wall else math.nan
    print(
        f"  {len(latencies)} uploads in {result.wall:.2f} s = {rate:.1f} uploads/s\n"
        f"  latency p50 {ms[50]:.1f} ms, p90 {ms[90]:.1f} ms, p99 {ms[99]:.1f} ms, "
        f"max {ms[100]:.1f} ms\n"
        f"  responses {dict(result.statuses)}; non-201: {result.not_created}\n"
        f"  {describe_cpu(result.cpu, result.wall)}\n"
        f"  server CPU per upload {result.cpu.get('server', 0.0) / len(latencies) * 1000:.1f} ms; "
        "per server process "
        + ", ".join(f"{cpu / result.wall:.0%}" for cpu in result.server_processes)
        + "\n  note: the load generator shares the machine's cores with the server, PostgreSQL "
        "and Redis; the figures are for the whole box, not the server alone\n"
        f"  note: in a closed loop mean latency = clients / throughput (Little's law), so "
        f"{args.clients} clients answered within {INGEST_P99_TARGET_MS:.0f} ms need more than "
        f"{args.clients / INGEST_P99_TARGET_MS * 1000:.0f} uploads/s"
    )
    return (
        f"ingest: {len(latencies)} uploads, {args.clients} clients, {args.server_workers} "
        f"server worker(s): {rate:.1f} uploads/s, p50 {ms[50]:.1f} ms, p99 {ms[99]:.1f} ms, "
        f"non-201 {result.not_created} (target p99 < {INGEST_P99_TARGET_MS:.0f} ms)"
    )


def report_pipeline(result: PipelineResult) -> str:
    docs, busy, wall = result.documents, result.busy, result.wall
    jobs = result.jobs
    print(
        f"  worker exit code {result.exit_code}; {jobs.finished} jobs finished "
        f"(expected {docs * JOBS_PER_DOCUMENT}), {jobs.failed} failed, {jobs.scheduled} "
        f"scheduled for retry"
    )
    print(f"  documents by status: {dict(result.statuses)}")
    print(
        f"  process wall {wall:.2f} s = {docs / wall:.1f} docs/s, "
        f"{jobs.finished / wall:.1f} jobs/s (start-up and shut-down included)"
    )
    print(
        f"  first job start to last job end {busy:.2f} s = {docs / busy:.1f} docs/s, "
        f"{jobs.finished / busy:.1f} jobs/s; start-up/shut-down {wall - busy:.2f} s"
    )
    inside = sum(sum(d) for d in jobs.per_stage.values())
    for stage, durations in jobs.per_stage.items():
        durations.sort()
        mean = sum(durations) / len(durations)
        print(
            f"  stage {stage:8s} n={len(durations):4d} mean {mean * 1000:6.1f} ms, "
            f"p50 {percentile(durations, 50) * 1000:6.1f} ms, "
            f"p99 {percentile(durations, 99) * 1000:6.1f} ms"
        )
    if jobs.finished:
        overhead = (busy * result.workers - inside) / jobs.finished * 1000
        print(
            f"  inside job functions {inside:.2f} s of {busy:.2f} s busy; per-job overhead "
            f"outside them (fork, dequeue, bookkeeping) {overhead:.1f} ms"
        )
    print(
        f"  worker CPU (with its children) {result.worker_cpu:.1f} s = "
        f"{result.worker_cpu / wall:.0%} of one core; "
        + ", ".join(f"{k} {v:.1f} s" for k, v in result.cpu.items() if k != MACHINE_BUSY)
        + f"; whole machine busy {result.cpu.get(MACHINE_BUSY, math.nan):.0%}"
    )
    extracted = result.statuses.get("extracted", 0)
    return (
        f"pipeline ({result.label}): {docs} docs in {wall:.1f} s = {docs / wall:.1f} docs/s "
        f"per worker process, {jobs.finished / wall:.1f} jobs/s ({docs / busy:.1f} docs/s "
        f"excluding {wall - busy:.1f} s start-up); {extracted}/{docs} extracted "
        f"(target >= {PIPELINE_TARGET_DOCS_PER_S:.0f})"
    )


def run(args: argparse.Namespace, database_url: str, workdir: Path) -> None:
    bench = Bench(args, database_url, workdir)
    summary: list[str] = []
    try:
        bench.redis.flushdb()
        bench.prepare()
        if "extraction" in args.sections:
            summary.extend(run_extraction_section())
        if "ocr" in args.sections:
            summary.extend(run_ocr_sections(bench, args))
        if "ingest" not in args.sections:
            print("\n== summary")
            for line in summary:
                print(line)
            return
        batches = 3 if args.profile else 2
        total = WARMUP_UPLOADS + args.uploads + batches * args.documents
        started = time.perf_counter()
        pdfs = render_pdfs(total)
        print(f"rendered {total} distinct invoice PDFs in {time.perf_counter() - started:.1f} s")
        warmup, pdfs = pdfs[:WARMUP_UPLOADS], pdfs[WARMUP_UPLOADS:]
        uploads, pdfs = pdfs[: args.uploads], pdfs[args.uploads :]
        batch = [pdfs[i * args.documents : (i + 1) * args.documents] for i in range(batches)]

        print(
            f"\n== ingest: {args.uploads} uploads over HTTP, {args.clients} clients, "
            f"bilag serve --workers {args.server_workers}, no pipeline worker running"
        )
        bench.start_server()
        try:
            result = bench.ingest(warmup, uploads)
        finally:
            bench.stop_server()
        summary.append(report_ingest(result, args))

        for label, fork, payloads in (
            ("in-process worker, the default", False, batch[0]),
            ("forking worker", True, batch[1]),
        ):
            flag = " --fork" if fork else ""
            print(
                f"\n== pipeline ({label}): {args.documents} documents, bilag worker --burst{flag}"
            )
            summary.append(report_pipeline(bench.pipeline(label, payloads, fork)))

        if args.profile:
            print(f"\n== cProfile of a non-forking worker in this process, {args.documents} docs")
            print(bench.profile_simple_worker(batch[2]))

        print("\n== summary")
        print(f"machine: {os.cpu_count()} cores shared by the load generator and the service")
        for line in summary:
            print(line)
    finally:
        bench.close()
        with contextlib.suppress(Exception):
            Redis.from_url(args.redis_url).flushdb()


def run_extraction_section() -> list[str]:
    """Extraction time per page, OCR excluded (``scripts/bench_extraction.py``)."""
    from bench_extraction import format_table, run_extraction_bench

    print("\n== extraction: page tokens to fields, OCR excluded")
    lines = format_table(run_extraction_bench())
    for line in lines:
        print(line)
    return lines


def run_ocr_sections(bench: Bench, args: argparse.Namespace) -> list[str]:
    """OCR cost against bare tesseract, then scaling of real workers on a queue of scans."""
    from bench_ocr import format_table, run_ocr_bench

    print("\n== OCR: Bilag's whole read of a 300 dpi A4 scan against bare tesseract")
    figures = run_ocr_bench(pages=args.scans // 2)
    print(format_table(figures))
    print(json.dumps(figures))
    bare, bilag = figures["bare_tesseract_s_per_page"], figures["bilag_read_image_s_per_page"]
    summary = [
        f"OCR s/page (median): bare tesseract {bare['median']:.3f}, Bilag {bilag['median']:.3f}"
        f" = {figures['ratio_median']:.2f}x (best {figures['ratio_best']:.2f}x; target <= 1.2x)",
        f"OCR reader processes 1 -> 2: {figures['pages_per_s_1_process']:.2f} -> "
        f"{figures['pages_per_s_2_processes']:.2f} pages/s = {figures['process_speedup']:.2f}x "
        "(target >= 1.8x)",
    ]
    scans = render_scans(2 * args.scans)
    rates = []
    for workers, batch in ((1, scans[: args.scans]), (2, scans[args.scans :])):
        print(f"\n== pipeline of {args.scans} scans (300 dpi PNG), {workers} bilag worker(s)")
        result = bench.pipeline(f"{workers} worker(s), scans", batch, fork=False, workers=workers)
        report_pipeline(result)
        rates.append(result.documents / result.busy)
    summary.append(
        f"scans through the pipeline: 1 worker {rates[0]:.2f} pages/s, 2 workers "
        f"{rates[1]:.2f} pages/s = {rates[1] / rates[0]:.2f}x (target >= 1.8x)"
    )
    return summary


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploads", type=int, default=2000, help="measured uploads (default 2000)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument(
        "--documents", type=int, default=200, help="documents per pipeline batch (default 200)"
    )
    parser.add_argument(
        "--server-workers", type=int, default=2, help="bilag serve --workers (default 2)"
    )
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL of an existing, migratable database; default: a throw-away "
        "PostgreSQL database bilag_bench_<random>, dropped at the end",
    )
    parser.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS_URL,
        help=f"Redis database to use; flushed at start and end (default {DEFAULT_REDIS_URL})",
    )
    parser.add_argument(
        "--scans", type=int, default=16, help="scans per OCR pipeline batch (default 16)"
    )
    parser.add_argument(
        "--sections",
        nargs="+",
        choices=("extraction", "ocr", "ingest"),
        default=["extraction", "ocr", "ingest"],
        help="what to measure (default all; ingest includes the text-PDF pipeline)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also cProfile a non-forking worker in this process on one more batch",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    workdir = Path(tempfile.mkdtemp(prefix="bilag-bench-"))
    keep_workdir = False
    try:
        with contextlib.ExitStack() as stack:
            database_url = args.database_url or stack.enter_context(throwaway_database())
            run(args, database_url, workdir)
    except (KeyboardInterrupt, SystemExit):
        print(
            "interrupted; subprocesses stopped and the throw-away database dropped", file=sys.stderr
        )
        return 130
    except Exception:
        keep_workdir = True
        print(f"logs kept in {workdir}", file=sys.stderr)
        raise
    finally:
        if not keep_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
