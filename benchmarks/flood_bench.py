"""Flood benchmark: the real `chatrec serve slack` (HTTP mode) under more than it can answer.

Against local stand-ins for the Slack Web API and for a remote model that takes
--model-delay seconds a call (two calls a turn), it

1. sends --events signed app_mentions in --seconds (each in its own channel, so every post is
   traceable to its event), with --duplicates of them delivered twice (Slack's retries) and one
   person sending --flooder of them (over bot.rate_limit_per_minute);
2. waits until every event has had its post, and checks that each was answered once or
   politely refused ("busy", "faster than I can think"), and none twice;
3. samples the server's resident memory (peak RSS) throughout;
4. then opens --slow-loris connections that trickle their headers and sends --oversized
   64 MB bodies, while --normal ordinary mentions must still be acknowledged and answered;
5. and checks the process recovered: /healthz ready, a fresh mention answered.

Prints one JSON object.

    python benchmarks/flood_bench.py                # 2,000 events in 10 s, 1 s model
    python benchmarks/flood_bench.py --events 200 --seconds 2   # a quick look
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
from _standins import SlackWebAPI, SlowChatModel  # noqa: E402
from concurrency_bench import SECRET, TOKEN, free_port, percentiles_ms, slack_server  # noqa: E402

from bot.core import BUSY, RATE_LIMITED  # noqa: E402

BIG = 64 * 1024 * 1024


def note(message: str) -> None:
    print(f"[flood_bench] {message}", file=sys.stderr, flush=True)


def signed(event_id: str, channel: str, user: str, text: str) -> tuple[bytes, dict[str, str]]:
    import hashlib
    import hmac

    event = {"type": "app_mention", "user": user, "text": f"<@UBOT> {text}", "channel": channel, "ts": f"{time.time():.6f}"}
    body = json.dumps({"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event": event,
                       "event_id": event_id, "event_time": int(time.time())})
    ts = str(int(time.time()))
    signature = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return body.encode(), {"Content-Type": "application/json", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, float]:
    """(HTTP status, or 0 when the connection failed; seconds to the answer)."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers, method="POST"), timeout=30) as r:
            return r.status, time.perf_counter() - started
    except urllib.error.HTTPError as exc:
        return exc.code, time.perf_counter() - started
    except OSError:
        return 0, time.perf_counter() - started


class RssSampler:
    """The peak resident memory of a process, from /proc every 50 ms (Linux)."""

    def __init__(self, pid: int):
        self.pid, self.peak_mb, self.samples = pid, 0.0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            try:
                self.peak_mb = max(self.peak_mb, self.now_mb())
                self.samples += 1
            except OSError:
                return

    def start(self) -> RssSampler:
        self.peak_mb = self.now_mb()
        self._thread.start()
        return self

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return round(self.peak_mb, 1)


def classify(posts: list[dict[str, Any]]) -> str:
    if not posts:
        return "unanswered"
    if len(posts) > 1:
        return "answered_twice"
    text = str(posts[0].get("text"))
    if text == BUSY:
        return "refused_busy"
    if text == RATE_LIMITED:
        return "refused_rate_limited"
    return "answered" if "You might like" in text else "other"


def posts_by_channel(slack: SlackWebAPI) -> dict[str, list[dict[str, Any]]]:
    """Per channel, the messages the bot wrote (a streamed answer is one)."""
    return slack.messages_by_channel()


def flood(url: str, slack: SlackWebAPI, args: argparse.Namespace, rss: RssSampler) -> dict[str, Any]:
    n = args.events
    flooded = set(range(0, n, max(1, n // args.flooder))[:args.flooder])
    users = ["UFLOODER" if i in flooded else f"UF{i}" for i in range(n)]
    again = set(range(0, n, max(1, n // args.duplicates))[:args.duplicates])
    statuses: list[int] = [0] * n
    acks: list[float] = [0.0] * n
    started = time.perf_counter()

    def send(i: int) -> None:
        delay = started + i * args.seconds / n - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        body, headers = signed(f"EvF{i}", f"CF{i}", users[i], "a funny film for tonight")
        statuses[i], acks[i] = post(url, body, headers)
        if i in again:  # Slack retries a delivery it thinks was lost: same event id
            post(url, body, {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})

    with ThreadPoolExecutor(max_workers=args.senders) as pool:
        list(pool.map(send, range(n)))
    sent_s = time.perf_counter() - started
    note(f"sent {n} events in {sent_s:.1f} s; waiting for every post")
    deadline = time.monotonic() + args.drain_timeout
    while True:
        got = posts_by_channel(slack)
        if sum(1 for i in range(n) if got.get(f"CF{i}")) == n or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    drained_s = time.perf_counter() - started
    time.sleep(2.0)  # a second answer to a duplicate would come after the first
    got = posts_by_channel(slack)
    outcomes: dict[str, int] = {}
    for i in range(n):
        kind = classify(got.get(f"CF{i}", []))
        outcomes[kind] = outcomes.get(kind, 0) + 1
    return {
        "events": n, "sent_in_s": round(sent_s, 2), "duplicate_deliveries": len(again),
        "flooder_events": sum(u == "UFLOODER" for u in users),
        "acknowledged_200": sum(s == 200 for s in statuses), "not_acknowledged": sum(s != 200 for s in statuses),
        "ack": percentiles_ms(acks), "outcomes": outcomes,
        "every_event_answered_once_or_refused": set(outcomes) <= {"answered", "refused_busy", "refused_rate_limited"},
        "all_posted_after_s": round(drained_s, 1), "peak_rss_mb_so_far": round(rss.peak_mb, 1),
    }


def slow_loris(port: int, n: int, stop: threading.Event) -> list[socket.socket]:
    conns = []
    for _ in range(n):
        conn = socket.create_connection(("127.0.0.1", port), timeout=5)
        conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: bench\r\n")
        conns.append(conn)

    def trickle() -> None:
        while not stop.wait(0.5):
            for conn in conns:
                try:
                    conn.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    pass

    threading.Thread(target=trickle, daemon=True).start()
    return conns


def oversized(port: int) -> tuple[int, float]:
    """A 64 MB unsigned body, streamed: (the status the server answered, or 0; seconds)."""
    started = time.perf_counter()
    chunk = b"x" * (1 << 20)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n" % BIG)
            try:
                for _ in range(BIG // len(chunk)):
                    conn.sendall(chunk)
            except OSError:
                pass  # the server closed it: refused before the body
            answer = conn.recv(64)
            status = int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0
    except OSError:
        status = 0
    return status, time.perf_counter() - started


def abuse(url: str, port: int, slack: SlackWebAPI, args: argparse.Namespace, rss: RssSampler) -> dict[str, Any]:
    stop = threading.Event()
    conns = slow_loris(port, args.slow_loris, stop)
    with ThreadPoolExecutor(max_workers=args.oversized + 4) as pool:
        big = [pool.submit(oversized, port) for _ in range(args.oversized)]
        time.sleep(0.5)  # the abuse under way
        acks = []
        for i in range(args.normal):
            body, headers = signed(f"EvN{i}", f"CN{i}", f"UN{i}", "something like a western")
            status, took = post(url, body, headers)
            acks.append(took if status == 200 else float("inf"))
        refused = [f.result() for f in big]
    started = time.monotonic()
    while sum(1 for i in range(args.normal) if posts_by_channel(slack).get(f"CN{i}")) < args.normal:
        if time.monotonic() - started > 120:
            break
        time.sleep(0.2)
    answered = sum(1 for i in range(args.normal) if classify(posts_by_channel(slack).get(f"CN{i}", [])) == "answered")
    time.sleep(args.head_timeout + 1)  # past the head deadline
    closed = 0
    for conn in conns:
        conn.settimeout(2)
        try:
            closed += conn.recv(1024) == b""
        except OSError:
            closed += 1
        conn.close()
    stop.set()
    return {
        "slow_loris": args.slow_loris, "slow_loris_closed_by_server": closed,
        "oversized_bodies": args.oversized, "oversized_refused_413": sum(s == 413 for s, _ in refused),
        "oversized_answer_s": percentiles_ms([t for _, t in refused]),
        "normal_mentions": args.normal, "normal_acknowledged": sum(a != float("inf") for a in acks),
        "normal_ack": percentiles_ms([a for a in acks if a != float("inf")] or [0.0]),
        "normal_answered": answered,
    }


def recovered(url: str, ops: int, slack: SlackWebAPI) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{ops}/healthz", timeout=10) as r:
        ready = json.loads(r.read())["ready"]
    body, headers = signed("EvR1", "CR1", "UR1", "a comedy please")
    started = time.perf_counter()
    status, _ = post(url, body, headers)
    while not posts_by_channel(slack).get("CR1") and time.perf_counter() - started < 60:
        time.sleep(0.05)
    return {"healthz_ready": ready, "fresh_mention_status": status,
            "fresh_mention_answered_s": round(time.perf_counter() - started, 2),
            "fresh_mention_outcome": classify(posts_by_channel(slack).get("CR1", []))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--duplicates", type=int, default=100, help="events delivered twice")
    parser.add_argument("--flooder", type=int, default=60, help="events from one person")
    parser.add_argument("--senders", type=int, default=64, help="client threads")
    parser.add_argument("--model-delay", type=float, default=1.0, help="seconds a model call takes")
    parser.add_argument("--slow-loris", type=int, default=50)
    parser.add_argument("--oversized", type=int, default=20)
    parser.add_argument("--normal", type=int, default=20, help="ordinary mentions during the abuse")
    parser.add_argument("--head-timeout", type=float, default=5.0, help="http.head_timeout_s of the server")
    parser.add_argument("--max-pending", type=int, default=200, help="bot.max_pending_turns of the server")
    parser.add_argument("--drain-timeout", type=float, default=600.0)
    parser.add_argument("--catalog", type=Path, help="CSV/JSONL catalog (default: the demo)")
    args = parser.parse_args()

    model, slack = SlowChatModel(args.model_delay).start(), SlackWebAPI().start()
    with tempfile.TemporaryDirectory(prefix="chatrec-flood-") as tmp:
        folder = Path(tmp)
        port, ops = free_port(), free_port()
        catalog = {"format": "demo"} if args.catalog is None else \
            {"format": "csv" if args.catalog.suffix == ".csv" else "jsonl", "path": str(args.catalog.resolve())}
        config = {
            "catalog": catalog, "storage": {"dir": str(folder / "state")},
            "llm": {"provider": "openai", "base_url": f"{model.root}/v1", "model": "bench", "api_key": "sk-bench",
                    "timeout_s": 120, "max_retries": 0},
            "slack": {"bot_token": TOKEN, "signing_secret": SECRET, "api_url": slack.url},
            "bot": {"max_pending_turns": args.max_pending},
            "ops": {"port": ops}, "http": {"head_timeout_s": args.head_timeout},
        }
        (folder / "config.yaml").write_text(json.dumps(config))
        note("starting chatrec serve slack")
        started = time.perf_counter()
        with slack_server(folder, port, 600) as proc:
            url = f"http://127.0.0.1:{port}/slack/events"
            rss = RssSampler(proc.pid).start()
            baseline = round(rss.now_mb(), 1)
            report: dict[str, Any] = {"model_delay_s": args.model_delay, "max_pending_turns": args.max_pending,
                                      "ready_s": round(time.perf_counter() - started, 1),
                                      "rss_mb_at_start": baseline}
            report["flood"] = flood(url, slack, args, rss)
            note(f"flood: {report['flood']['outcomes']}")
            report["abuse"] = abuse(url, port, slack, args, rss)
            note(f"abuse: {report['abuse']}")
            report["recovery"] = recovered(url, ops, slack)
            report["rss_mb_after"] = round(rss.now_mb(), 1)
            report["peak_rss_mb"] = rss.stop()
            proc.terminate()
            report["exit_code_on_sigterm"] = proc.wait(timeout=60)
    model.stop()
    slack.stop()
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
