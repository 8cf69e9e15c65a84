"""Concurrency benchmark: turns of different conversations run side by side.

Part A runs the real `chatrec serve slack` (HTTP mode) against local stand-ins for the Slack
Web API and for a remote OpenAI-compatible model that takes --model-delay seconds per call
(2 calls per turn: a `recommend` tool call, then the answer). It sends N signed app_mention
events in N channels at once and times them until all N replies are finished, once per value
of --turn-workers (bot.turn_workers), against the serial estimate N × 2 × delay. The answer's
text streams into its thread (Slack's chat streaming, the stand-in model writing its first
words a tenth of a delay into its second call): `first_text_latency` is when it starts to
show, `reply_latency` when the cards end it.

Part B times the offline planner in-process (Runtime.start, the real embedder): turns per
second and latency at several numbers of concurrent conversations.

    python benchmarks/concurrency_bench.py --turn-workers 1,8
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

# This checkout's chatrec, in part B and in part A's server, whatever else is installed.
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
from _standins import SlackWebAPI, SlowChatModel  # noqa: E402

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
# Varied requests: recommendations with and without filters, follow-ups that read the last
# list, feedback and history; one conversation runs through them in this order.
REQUESTS = [
    "a mind-bending sci-fi from the 90s", "why the second one?", "something older", "give me 3 westerns",
    "hated the third one", "something like Star Wars and Fargo, no horror", "a scary film from the 80s",
    "what have I liked?",
]


# --- shared ----------------------------------------------------------------------------------


def catalog_settings(path: Path | None) -> dict[str, Any]:
    """The demo catalog, or a CSV/JSONL file by its extension (a small one keeps smoke runs quick)."""
    if path is None:
        return {"format": "demo"}
    return {"format": "csv" if path.suffix.lower() == ".csv" else "jsonl", "path": str(path.resolve())}


def percentiles_ms(seconds: list[float]) -> dict[str, float]:
    ms = np.array(seconds) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 1), "p95_ms": round(float(np.percentile(ms, 95)), 1),
            "max_ms": round(float(ms.max()), 1)}


def note(message: str) -> None:
    print(f"[concurrency_bench] {message}", file=sys.stderr, flush=True)


# --- part A: the Slack app against a slow remote model -----------------------------------------


def write_project(folder: Path, catalog: dict[str, Any], storage: Path, model: SlowChatModel, slack: SlackWebAPI,
                  turn_workers: int) -> None:
    config = {
        "catalog": catalog, "storage": {"dir": str(storage)},
        "llm": {"provider": "openai", "base_url": f"{model.root}/v1", "model": "bench-model", "api_key": "sk-bench",
                "timeout_s": 120, "max_retries": 0},
        "bot": {"turn_workers": turn_workers},
        "slack": {"bot_token": TOKEN, "signing_secret": SECRET, "api_url": slack.url},
    }
    (folder / "config.yaml").write_text(json.dumps(config, indent=2))  # JSON is YAML


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def slack_server(folder: Path, port: int, timeout_s: float) -> Iterator[subprocess.Popen]:
    """`chatrec serve slack` in `folder`, until it listens on `port`; stopped on the way out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    log = (folder / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "chatrec_agent.cli", "serve", "slack", "--port", str(port),
                             "--host", "127.0.0.1"], cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_listening(port, proc, timeout_s, folder / "serve.log")
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def wait_listening(port: int, proc: subprocess.Popen, timeout_s: float, log: Path) -> None:
    started = time.monotonic()
    last_note = started
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"chatrec serve slack exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        if time.monotonic() - started > timeout_s:
            raise RuntimeError(f"chatrec serve slack not listening after {timeout_s:.0f} s:\n{log.read_text()[-3000:]}")
        if time.monotonic() - last_note > 15:
            last_note = time.monotonic()
            note(f"  still starting ({last_note - started:.0f} s)")
        time.sleep(0.2)


def signed_mention(url: str, n: int, run: str, text: str) -> None:
    """POSTs one app_mention, signed as Slack does (v0 HMAC of `v0:{ts}:{body}`), in its own
    channel from its own user (so no per-person rate limit applies)."""
    event = {"type": "app_mention", "user": f"UB{n}", "text": f"<@UBOT> {text}", "channel": f"CB{run}{n}",
             "ts": f"{time.time():.6f}"}
    body = json.dumps({"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event": event,
                       "event_id": f"Ev{run}{n}", "event_time": int(time.time())})
    ts = str(int(time.time()))
    signature = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(url, data=body.encode(), method="POST", headers={
        "Content-Type": "application/json", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature})
    with urllib.request.urlopen(request, timeout=30) as response:
        if response.status != 200:
            raise RuntimeError(f"event {n} answered {response.status}")


def deliver(url: str, n: int, run: str, text: str, tries: int = 5) -> tuple[float, int]:
    """Like Slack, a delivery the server drops is sent again (Slack waits a minute; here at
    once, so the drop costs milliseconds, and is counted). Returns (seconds to the
    acknowledgement, retries)."""
    started = time.perf_counter()
    for attempt in range(tries):
        try:
            signed_mention(url, n, run, text)
            return time.perf_counter() - started, attempt
        except (ConnectionResetError, ConnectionRefusedError, urllib.error.URLError):
            if attempt == tries - 1:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


def wait_replies(slack: SlackWebAPI, channels: set[str], timeout_s: float) -> dict[str, tuple[float, str, list[dict[str, Any]]]]:
    """Per channel, the finished answer (see SlackWebAPI.answers_by_channel)."""
    deadline = time.monotonic() + timeout_s
    while True:
        answered = {c: a for c, a in slack.answers_by_channel().items() if c in channels}
        if len(answered) == len(channels):
            return answered
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(answered)} of {len(channels)} replies after {timeout_s:.0f} s")
        time.sleep(0.005)


def together(work: Callable[[int], None], n: int, what: str) -> float:
    """Run work(0..n-1) on n threads released at once; the seconds from release to the last
    thread's end. A thread's failure is raised here, not lost."""
    gate = threading.Barrier(n + 1)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        gate.wait()
        try:
            work(i)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{what}: {len(errors)} failed: {errors[0]!r}")
    return started


def burst(url: str, slack: SlackWebAPI, n: int, run: str, timeout_s: float) -> dict[str, Any]:
    """N mentions released together from N threads; timed until the last reply is posted."""
    acks: list[float] = [0.0] * n
    retries: list[int] = [0] * n

    def send(i: int) -> None:
        acks[i], retries[i] = deliver(url, i, run, REQUESTS[i % len(REQUESTS)])

    started = together(send, n, "events")
    channels = {f"CB{run}{i}" for i in range(n)}
    answered = wait_replies(slack, channels, timeout_s)
    latencies = [at - started for at, _, _ in answered.values()]
    # The answer's text streams (a model is configured): the first words show before it ends.
    first_text = [at - started for c, (at, _) in slack.first_post_by_channel().items() if c in channels]
    return {
        "all_replied_s": round(max(latencies), 3),
        "reply_latency": percentiles_ms(latencies),
        "first_text_latency": percentiles_ms(first_text),
        # Slack wants the acknowledgement within 3 s; a burst that overflows the server's listen
        # backlog shows here as ~1 s (the kernel's SYN retry) or as a retried delivery.
        "ack": percentiles_ms(acks),
        "event_post_retries": sum(retries),  # deliveries the server dropped (connection reset) and that were sent again
        "replies_with_items": sum(1 for _, text, blocks in answered.values() if "You might like: " in text
                                  and any(b.get("type") == "actions" for b in blocks)),
    }


def part_a(args: argparse.Namespace, storage: Path, workdir: Path) -> dict[str, Any]:
    model, slack = SlowChatModel(args.model_delay).start(), SlackWebAPI().start()
    runs = []
    try:
        for number, workers in enumerate(args.turn_workers):
            folder = workdir / f"serve-{workers}-{number}"
            folder.mkdir()
            write_project(folder, catalog_settings(args.catalog), storage, model, slack, workers)
            port = free_port()
            note(f"part A: starting chatrec serve slack, turn_workers={workers}"
                 + (" (the first start builds the index: minutes)" if number == 0 else ""))
            started = time.perf_counter()
            with slack_server(folder, port, args.start_timeout):
                ready_s = time.perf_counter() - started
                url = f"http://127.0.0.1:{port}/slack/events"
                timeout = max(60.0, 4 * args.mentions * 2 * args.model_delay)
                # One turn first: lazy loading and the background rating-model fit stay out of the burst.
                burst(url, slack, 1, f"W{number}x", timeout)
                model.reset()
                note(f"part A: {args.mentions} mentions at once")
                run = burst(url, slack, args.mentions, f"R{number}x", timeout)
            serial = args.mentions * 2 * args.model_delay
            runs.append({"turn_workers": workers, "ready_s": round(ready_s, 2), **run,
                         "model_calls": model.calls, "max_concurrent_model_requests": model.max_in_flight,
                         "serial_estimate_s": round(serial, 3),
                         "speedup_vs_serial": round(serial / run["all_replied_s"], 2)})
            note(f"part A: turn_workers={workers}: all {args.mentions} replied in {run['all_replied_s']} s, "
                 f"{model.max_in_flight} model calls at once")
    finally:
        model.stop()
        slack.stop()
    return {"mentions": args.mentions, "model_delay_s": args.model_delay, "model_calls_per_turn": 2, "runs": runs}


# --- part B: offline-planner throughput -------------------------------------------------------


def timed_turns(respond: Callable[[str, str, str], Any], users: list[str], level: int, turns: int,
                tag: str) -> dict[str, Any]:
    """`level` threads, each its own user and conversations (a new one every len(REQUESTS)
    turns), together `turns` turns; returns throughput and latency."""
    per_thread = max(1, turns // level)
    latencies: list[list[float]] = [[] for _ in range(level)]

    def converse(t: int) -> None:
        for j in range(per_thread):
            started = time.perf_counter()
            respond(f"bench-b:{tag}:{t}:{j // len(REQUESTS)}", users[t % len(users)], REQUESTS[j % len(REQUESTS)])
            latencies[t].append(time.perf_counter() - started)

    released = together(converse, level, "part B threads")
    wall = time.perf_counter() - released
    flat = [s for per in latencies for s in per]
    return {"concurrency": level, "turns": len(flat), "wall_s": round(wall, 3),
            "turns_per_s": round(len(flat) / wall, 2), "latency": percentiles_ms(flat)}


def part_b(args: argparse.Namespace, storage: Path) -> dict[str, Any]:
    from chatrec_agent.runtime import Runtime
    from chatrec_agent.settings import settings_from_dict

    note("part B: starting the runtime (offline planner)")
    settings = settings_from_dict({"catalog": catalog_settings(args.catalog), "storage": {"dir": str(storage)}},
                                  environ={})
    started = time.perf_counter()
    runtime = Runtime.start(settings)
    start_s = time.perf_counter() - started
    runtime.recommendations.rating_model  # noqa: B018 - waits for the background fit, which would skew level 1
    users = list(runtime.catalog.users) or ["bench"]
    respond = runtime.agent.respond
    run = f"{time.time():.0f}"
    respond(f"bench-b:{run}:warm", users[0], REQUESTS[0])
    levels = []
    for level in args.levels:
        note(f"part B: {args.turns} turns over {level} concurrent conversations")
        # A fresh tag per run: a reused --storage must not continue last run's conversations.
        levels.append(timed_turns(respond, users, level, args.turns, f"{run}:{level}"))
    base = levels[0]["turns_per_s"]
    for entry in levels:
        entry["speedup_vs_first"] = round(entry["turns_per_s"] / base, 2)
    return {"start_s": round(start_s, 2), "planner": "offline", "levels": levels}


# --- main --------------------------------------------------------------------------------------


def int_list(text: str) -> list[int]:
    values = [int(v) for v in text.split(",") if v.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of positive integers")
    return values


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("a", "b", "all"), default="all")
    parser.add_argument("--catalog", type=Path, help="a CSV or JSONL catalog; default: the demo catalog")
    parser.add_argument("--storage", type=Path,
                        help="storage dir to reuse (its index is built once, then kept); default: a temp dir")
    parser.add_argument("--mentions", type=int, default=16, help="part A: mentions sent at once, one per channel")
    parser.add_argument("--model-delay", type=float, default=1.0, help="part A: seconds per model call")
    parser.add_argument("--turn-workers", type=int_list, default=[8],
                        help="part A: bot.turn_workers, or a list (1,8,16) to run once for each")
    parser.add_argument("--start-timeout", type=float, default=900, help="part A: seconds to wait for the server")
    parser.add_argument("--levels", type=int_list, default=[1, 4, 16], help="part B: concurrent conversations")
    parser.add_argument("--turns", type=int, default=64, help="part B: turns per level")
    return parser.parse_args(argv)


def _stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so the server subprocess and temp dirs are cleaned up."""
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    _stop_on_sigterm()
    report: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "settings": {"part": args.part, "catalog": str(args.catalog) if args.catalog else "demo",
                     "mentions": args.mentions,
                     "model_delay_s": args.model_delay, "turn_workers": args.turn_workers,
                     "levels": args.levels, "turns_per_level": args.turns},
    }
    with tempfile.TemporaryDirectory(prefix="chatrec-concurrency-bench-", ignore_cleanup_errors=True) as tmp:
        workdir = Path(tmp)
        storage = (args.storage or workdir / "state").resolve()
        # Part A first: its subprocess builds the index and is gone before part B opens the same storage.
        if args.part in ("a", "all"):
            report["part_a"] = part_a(args, storage, workdir)
        if args.part in ("b", "all"):
            report["part_b"] = part_b(args, storage)
    json.dump(report, sys.stdout, indent=2)
    print()
    return report


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
