"""Delivery benchmark: the forwarder against a simulated Odoo with a fixed service time per RPC.

    sdiot bench delivery [--rows N] [--service-ms M] [--batch-size B] [--rate R]

Everything runs on this machine over loopback: a throwaway PostgreSQL database (created and
dropped on the server at SDIOT_BENCH_PG_URL, default the local one), the simulated Odoo
(``simodoo``: JSON-2 wire format, the addon's keyed ingest, ``M`` ms of "Odoo work" per call)
and the real OdooClient. It prints:

1. throughput: N pending rows drained batched, and (baseline, same run) with batch size 1:
   rows per Odoo RPC, rows/s, and the ratio;
2. latency at a steady arrival rate R (each row inserted on its own, as the ingest tier does,
   with ``received_at`` = insert time): broker-receive → Odoo-commit p50/p95/p99, with the
   simulated Odoo service time included and excluded. The webhook tier's own time (EMQX → row)
   is not in these figures; its benchmark measures it.
"""
import argparse
import statistics
import threading
import time
from datetime import datetime, timezone

from webhooks.tools import simodoo
from webhooks.forwarder.backoff import Backoff
from webhooks.forwarder.options import Options
from webhooks.forwarder.worker import Worker
from webhooks.store import open_store
from webhooks.store.scratch import scratch_database

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _client(sim):
    from odoo_connector import OdooClient, RetryPolicy

    return OdooClient(sim.url, api_key=sim.api_key, protocol="json2", retry=RetryPolicy.off())


def _rows(n, tag):
    # Imported here, not at the top: readings brings the tier's validation (jsonschema), seconds to
    # import, and every sdiot command imports this module to build its parser.
    from webhooks.tools import readings

    start = datetime.now(timezone.utc).replace(microsecond=0)
    devices = [f"TS{i:03d}" for i in range(1, 51)]
    return [readings.reading(device_id=devices[i % len(devices)], at=start, seq=i * 1000 + tag) for i in range(n)]


def throughput(admin_url, rows, service_ms, batch_size, workers, max_seconds):
    """Drain ``rows`` pending readings from a fresh database; returns (seconds, rpcs, delivered)."""
    with scratch_database(admin_url) as url:
        return _drain(url, rows, service_ms, batch_size, workers, max_seconds)


def _drain(url, rows, service_ms, batch_size, workers, max_seconds):
    from webhooks.tools import readings

    readings.insert(url, _rows(rows, batch_size))
    options = Options(batch_size=batch_size, listen=False, metrics_port=0, backoff=Backoff(base=0.05, cap=1))
    with simodoo.SimOdoo(service_ms=service_ms) as sim:
        pool = [Worker(url, _client(sim), options) for _ in range(workers)]
        threads = [threading.Thread(target=w.drain, kwargs={"max_seconds": max_seconds}) for w in pool]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(max_seconds + 30)
        elapsed = time.perf_counter() - started
        delivered = sum(w.totals.delivered for w in pool)
        for w in pool:
            w.close()
        return elapsed, len(sim.calls), delivered


def latency(admin_url, rate, seconds, service_ms, batch_size, workers):
    """Insert at ``rate``/s for ``seconds`` with live (LISTEN) forwarders, into a fresh database;
    returns latencies in ms."""
    with scratch_database(admin_url) as url:
        return _steady(url, rate, seconds, service_ms, batch_size, workers)


def _steady(url, rate, seconds, service_ms, batch_size, workers):
    from webhooks.tools import readings

    options = Options(batch_size=batch_size, metrics_port=0, poll_seconds=1.0)
    with simodoo.SimOdoo(service_ms=service_ms) as sim:
        pool = [Worker(url, _client(sim), options) for _ in range(workers)]
        threads = [threading.Thread(target=w.run, kwargs={"stop_after": seconds + 30}) for w in pool]
        for t in threads:
            t.start()
        received = {}
        store = open_store(url, pool_size=1, group_commit=False)  # each row on its own, as ingest does
        total = int(rate * seconds)
        start = datetime.now(timezone.utc).replace(microsecond=0)
        t0 = time.perf_counter()
        try:
            for i in range(total):
                pause = t0 + i / rate - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                row = readings.reading(device_id=f"TS{i % 50 + 1:03d}", at=start, seq=i * 1000 + 7,
                                       received_at=datetime.now(timezone.utc))
                received[row.message_key] = row.received_at.timestamp()
                store.insert_message(row)
        finally:
            store.close()
        deadline = time.monotonic() + 30
        while len(sim.commits) < total and time.monotonic() < deadline:
            time.sleep(0.05)
        for w, t in zip(pool, threads):
            w.stop()
            t.join(35)
            w.close()
        return [(sim.commits[k] - received[k]) * 1000 for k in received if k in sim.commits], total, len(sim.calls)


def pct(values, p):
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def add_arguments(ap):
    ap.add_argument("--rows", type=int, default=5000, help="rows drained in the throughput run")
    ap.add_argument("--service-ms", type=float, default=20.0, help="simulated Odoo time per RPC")
    ap.add_argument("--batch-size", type=int, default=200, help="rows per forwarder claim")
    ap.add_argument("--workers", type=int, default=1, help="forwarders draining in parallel")
    ap.add_argument("--baseline-rows", type=int, default=300, help="rows for the batch-size-1 baseline")
    ap.add_argument("--rate", type=float, default=200.0, help="arrivals/s in the latency run")
    ap.add_argument("--seconds", type=float, default=5.0, help="length of the latency run")
    ap.add_argument("--max-seconds", type=float, default=120.0, help="bound on each drain")


def main(argv=None, admin_url=None):
    ap = argparse.ArgumentParser(prog="sdiot bench delivery", description=__doc__.splitlines()[0])
    add_arguments(ap)
    return run(ap.parse_args(argv), admin_url, ap.error)


def run(args, admin_url=None, error=None, out=print, figures=None):
    """Run both phases, printing each figure with ``out``; ``figures`` (a dict) also gets them."""
    admin_url = admin_url or DEFAULT_ADMIN_URL
    figures = {} if figures is None else figures
    if not (0 < args.rows <= 200_000 and 0 < args.baseline_rows <= 10_000 and 0 < args.rate <= 5_000
            and 0 < args.seconds <= 60 and 0 <= args.service_ms <= 5_000):
        (error or _refuse)("bounds: rows ≤ 200000, baseline-rows ≤ 10000, rate ≤ 5000/s, seconds ≤ 60, service-ms ≤ 5000")
    out(f"simulated Odoo: {args.service_ms:g} ms per RPC (JSON-2, loopback); PostgreSQL {admin_url.rpartition('@')[2]}")
    runs = [("batched", args.rows, args.batch_size), ("baseline, batch size 1", args.baseline_rows, 1)]
    rates = {}
    for label, rows, size in runs:
        elapsed, rpcs, delivered = throughput(admin_url, rows, args.service_ms, size, args.workers, args.max_seconds)
        rates[label] = delivered / elapsed
        figures.setdefault("throughput", {})[label] = {"rows": rows, "delivered": delivered, "seconds": elapsed,
                                                       "rows_per_s": rates[label], "rpcs": rpcs}
        out(f"throughput {label:>22}: {delivered}/{rows} rows in {elapsed:.2f}s = {rates[label]:,.0f} rows/s, "
              f"{rpcs} RPCs, {delivered / max(rpcs, 1):.1f} readings per Odoo RPC, workers {args.workers}")
    figures["throughput_ratio"] = rates["batched"] / rates["baseline, batch size 1"]
    out(f"throughput ratio batched / batch-1: {figures['throughput_ratio']:.1f}x")
    for workers in sorted({1, args.workers, 2}):
        lat, total, rpcs = latency(admin_url, args.rate, args.seconds, args.service_ms, args.batch_size, workers)
        if not lat:
            out("latency: nothing delivered")
            return 1
        excl = [v - args.service_ms for v in lat]
        figures.setdefault("latency", []).append({
            "workers": workers, "offered_per_s": args.rate, "delivered": len(lat), "sent": total, "rpcs": rpcs,
            "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "p99_ms": pct(lat, 99),
            "p95_ms_odoo_excluded": pct(excl, 95)})
        out(f"latency at {args.rate:g} msg/s for {args.seconds:g}s, {workers} forwarder(s): {len(lat)}/{total} "
              f"delivered in {rpcs} RPCs ({len(lat) / max(rpcs, 1):.1f} readings per RPC)")
        out("  received_at -> Odoo commit, incl. Odoo's {:g} ms: p50 {:.1f} ms, p95 {:.1f} ms, p99 {:.1f} ms"
              .format(args.service_ms, pct(lat, 50), pct(lat, 95), pct(lat, 99)))
        out("  same, Odoo's own time excluded:   p50 {:.1f} ms, p95 {:.1f} ms, p99 {:.1f} ms"
              .format(pct(excl, 50), pct(excl, 95), pct(excl, 99)))
    return 0


if __name__ == "__main__":
    from webhooks import config

    raise SystemExit(main(admin_url=config.from_env().bench_pg_url))


def _refuse(message):
    raise SystemExit(f"sdiot bench delivery: {message}")
