"""The forwarder loop: claim a batch, deliver it, mark it, and wait for more.

One Worker holds the ingest store (claims and marks through ``store.outbox``, and a NOTIFY
listener) and is used by one thread. Any number
of workers, in any number of processes or pods, can share an outbox: claims never overlap
(SKIP LOCKED + lease), and a crashed worker's lease runs out. After a call Odoo could not take,
the rows wait ``Backoff.delay`` and so does the worker, so neither old nor fresh rows hammer an
Odoo that is down; a success resets the streak.
"""
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass

from webhooks.forwarder import metrics
from webhooks.forwarder.backoff import Streak
from webhooks.forwarder.delivery import deliver
from webhooks.forwarder.device_events import model_of
from webhooks.forwarder.options import Options
from webhooks.forwarder.rows import trace_id
from webhooks.forwarder.wakeup import Wakeup
from webhooks.store import StoreError, open_store
from webhooks.store.outbox import TABLES

log = logging.getLogger("sdiot.forwarder")
@dataclass
class Stats:
    batches: int = 0
    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    postponed: int = 0

    def add(self, other):
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def new_worker_id():
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(self, database_url, client, options=None, worker_id=None):
        self.options = options or Options()
        self.client = client
        self.worker_id = worker_id or new_worker_id()
        # Claims and marks run one after another: two connections (one spare for the gauges).
        self.store = open_store(database_url, pool_size=2, group_commit=False)
        self.outbox = self.store.outbox
        self.wakeup = Wakeup(self.store.listener() if self.options.listen else None)
        self.streak = Streak(self.options.backoff)
        self.totals = Stats()
        self._stats_due = 0.0

    # -- one batch -------------------------------------------------------------------------
    def run_once(self):
        """Claim, deliver and mark one batch. Returns (Stats, seconds to back off or 0)."""
        o = self.options
        started = time.monotonic()
        rows = self.outbox.claim("message", o.batch_size, o.lease_seconds, self.worker_id)
        rows += self.outbox.claim("device_presence", o.batch_size, o.lease_seconds, self.worker_id)
        stats = Stats(claimed=len(rows))
        if not rows:
            return stats, 0.0
        stats.batches = 1
        metrics.BATCH_SIZE.observe(len(rows))
        result = deliver(self.client, rows, before_call=self._lease_keeper(rows))
        for table in TABLES:
            self.outbox.mark_delivered(table, [(r, i) for r, i in result.delivered if r["_table"] == table],
                                       self.worker_id)
            self.outbox.mark_failed(table, [(r, e) for r, e in result.failed if r["_table"] == table],
                                    self.worker_id)
        for row, odoo_id in result.delivered:
            metrics.DELIVERED.labels(_model(row)).inc()
            log.debug("msg_id=%s message_key=%s model=%s odoo_id=%s delivered", trace_id(row),
                      row.get("message_key"), _model(row), odoo_id)
        for row, error in result.failed:
            metrics.FAILED_ROWS.labels(_model(row)).inc()
            log.warning("msg_id=%s message_key=%s model=%s failed: %s", trace_id(row),
                        row.get("message_key"), _model(row), error)
        stats.delivered, stats.failed = len(result.delivered), len(result.failed)
        delay = 0.0
        if result.retry:
            delay = self.streak.failed()
            error = f"{metrics.error_kind(result.retry_error)}: {result.retry_error}"
            for table in TABLES:
                self.outbox.postpone(table, [r for r in result.retry if r["_table"] == table], delay,
                                     error, self.worker_id)
            stats.postponed = len(result.retry)
            log.warning("Odoo unavailable (%s); %d rows wait %.1fs: msg_id=%s", error, len(result.retry),
                        delay, ",".join(trace_id(r) for r in result.retry))
        else:
            self.streak.succeeded()
        self.totals.add(stats)
        log.info("batch", extra=_batch_fields(rows, result, stats, time.monotonic() - started))
        return stats, delay

    def _lease_keeper(self, rows):
        """Before each Odoo call: renew the batch's lease once half of it is spent.

        A batch makes one call per model (more when a refusal is bisected) and each may take a read
        timeout plus retries; without renewal a slow Odoo outlives the lease and a peer re-sends
        the same rows, doubling the load exactly when Odoo is struggling."""
        lease = self.options.lease_seconds
        renewed = [time.monotonic()]

        def keep():
            if time.monotonic() - renewed[0] < lease / 2:
                return
            for table in TABLES:
                self.outbox.renew(table, [r for r in rows if r["_table"] == table], lease, self.worker_id)
            renewed[0] = time.monotonic()
        return keep

    # -- loops -----------------------------------------------------------------------------
    def run(self, stop_after=None):
        """Forward until ``stop()``; ``stop_after`` bounds the run in seconds (tests, bench)."""
        end = None if stop_after is None else time.monotonic() + stop_after
        self.wakeup.prepare()
        log.info("forwarder %s started (batch %d, lease %.0fs)", self.worker_id, self.options.batch_size,
                 self.options.lease_seconds)
        while not self.stopping and (end is None or time.monotonic() < end):
            try:
                self.refresh_gauges()
                stats, delay = self.run_once()
            except StoreError as exc:
                # The ingest DB went away (failover, restart, read-only for a while after a
                # failover): back off, never die. Rows we held stay leased and come back when the
                # lease ends; Odoo's keyed ingest makes their resend harmless. The pool replaces
                # broken connections on the next claim.
                delay = self.streak.failed()
                log.warning("forwarder %s: ingest DB error (%s); retrying in %.1fs", self.worker_id, exc, delay)
                self.wakeup.stopping.wait(delay)
                continue
            if delay:
                self.wakeup.stopping.wait(delay)
            elif stats.claimed == 0:
                self.wakeup.wait(self.options.poll_seconds)
        log.info("forwarder %s stopped: %s", self.worker_id, self.totals)
        return self.totals

    def drain(self, max_seconds=60.0):
        """Deliver what is pending now, then return the Stats; waits out backoffs up to max_seconds."""
        end = time.monotonic() + max_seconds
        while not self.stopping:
            stats, delay = self.run_once()
            if delay:
                if time.monotonic() + delay > end:
                    break
                self.wakeup.stopping.wait(delay)
            elif stats.claimed == 0:
                waits = [w for w in map(self.outbox.next_due, TABLES) if w is not None]
                if not waits or time.monotonic() + min(waits) > end:
                    break
                self.wakeup.stopping.wait(min(waits) + 0.01)
        self.refresh_gauges(force=True)
        return self.totals

    @property
    def stopping(self):
        return self.wakeup.stopping.is_set()

    def stop(self):
        """Finish the batch in hand, then leave the loop (SIGTERM)."""
        self.wakeup.stop()

    def refresh_gauges(self, force=False):
        now = time.monotonic()
        if force or now >= self._stats_due:
            self._stats_due = now + self.options.stats_seconds
            metrics.set_outbox(self.outbox.stats(delivered=False))

    def close(self):
        self.wakeup.close()
        self.store.close()


def _model(row):
    return model_of(row) or "?"


def _batch_fields(rows, result, stats, seconds):
    """A batch's log fields: what it held, the Odoo ids it got back, how each row ended."""
    ids = [odoo_id for _, odoo_id in result.delivered if isinstance(odoo_id, int)]
    return {"rows": len(rows), "message_keys": sum(1 for r in rows if r.get("message_key")),
            "odoo_ids": f"{min(ids)}-{max(ids)}" if ids else None, "delivered": stats.delivered,
            "failed": stats.failed, "postponed": stats.postponed, "duration_ms": round(seconds * 1000, 1)}
