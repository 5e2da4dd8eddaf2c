"""PostgreSQL store: a per-process pool; accepted messages and dead letters are written by group commit.

What concurrent requests want stored goes to the database as one statement (``INSERT … SELECT FROM
json_to_recordset(…)`` for messages, ``ON CONFLICT DO NOTHING``, and one for dead letters) in one
autocommit round trip (see group_commit.py); the query text does not depend on the batch, so it is
prepared once per connection. The pool opens
lazily in the process that uses it, so gunicorn workers never share sockets.
"""
import json
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from webhooks.store import StoreRejected, StoreUnavailable
from webhooks.store import sql as q
from webhooks.store.base import SQLStore
from webhooks.store.group_commit import GroupCommitter

# One statement writes a whole batch: the accepted messages and the rejected bodies (dead letters)
# that arrived together. Each list travels as one JSON text (json.dumps is C; adapting many Python
# lists is not) and is unpacked server-side; the text does not depend on the batch size, so it stays
# prepared. Dead-letter ids are drawn in the array's order (WITH ORDINALITY) so each rejected
# request gets its own id back, whatever order the rows come out in. A batch with no dead letters
# (the usual case) or no messages runs only its half: the other costs PostgreSQL time per commit.
_NEW_MESSAGES = """
new_message AS (
    INSERT INTO message (message_key, device_ts, device_id, kind, device_type, farm_id, msg_id, topic,
                         received_at, stored_at, payload, schema_id, odoo_model, next_attempt_at)
    SELECT k, ts, d, kd, dt, f, m, t, r, %(now)s, p::jsonb, s, o, %(now)s
    FROM json_to_recordset(%(messages)s::json)
         AS u(k text, ts timestamptz, d text, kd text, dt text, f text, m text, t text, r timestamptz, p text,
              s text, o text)
    ON CONFLICT DO NOTHING
    RETURNING message_key
)"""
_NEW_DEAD_LETTERS = """
rejected AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('dead_letter', 'id')) AS id, u.*
    FROM ROWS FROM (json_to_recordset(%(dead)s::json)
                    AS (st text, rs text, dt text, b text, tr boolean, m text, d text, t text))
         WITH ORDINALITY AS u(st, rs, dt, b, tr, m, d, t, n)
), new_dead_letter AS (
    INSERT INTO dead_letter (id, stream, reason, detail, body, body_truncated, msg_id, device_id, topic,
                             received_at)
    SELECT id, st, rs, dt, b, tr, m, d, t, %(now)s FROM rejected
)"""
_MESSAGE_ROWS = "SELECT message_key, NULL::bigint, NULL::bigint FROM new_message"
_DEAD_LETTER_ROWS = "SELECT NULL::text, n, id FROM rejected"
# (any messages, any dead letters) -> the statement
WRITE_BATCH = {
    (True, False): f"WITH {_NEW_MESSAGES}\n{_MESSAGE_ROWS}",
    (False, True): f"WITH {_NEW_DEAD_LETTERS}\n{_DEAD_LETTER_ROWS}",
    (True, True): f"WITH {_NEW_MESSAGES},{_NEW_DEAD_LETTERS}\n{_MESSAGE_ROWS}\nUNION ALL\n{_DEAD_LETTER_ROWS}",
}


@dataclass(frozen=True)
class DeadLetter:
    """A rejected body waiting in a group-commit batch."""
    stream: str
    reason: str
    detail: str
    body: str
    truncated: bool
    msg_id: str = None
    device_id: str = None
    topic: str = None


# Dead connections must fail fast (503, EMQX retries), not hang a request: a statement timeout and
# TCP keepalives bound how long a silent peer costs.
CONNECT_OPTIONS = {"autocommit": True, "connect_timeout": 5, "keepalives": 1, "keepalives_idle": 10,
                   "keepalives_interval": 5, "keepalives_count": 3, "tcp_user_timeout": 15000,
                   "options": "-c statement_timeout=10000"}


class PostgresStore(SQLStore):
    dialect = "postgresql"
    WRITER_IDLE_CHECK_SECONDS = 30.0

    def __init__(self, url, pool_size=8, pool_timeout=5.0, group_commit=True, **_options):
        super().__init__()
        self._committer = GroupCommitter(self._write_batch) if group_commit else None
        self.conninfo = url.target
        self.pool_size = pool_size
        self.pool_timeout = pool_timeout
        self._pool = None
        self._pool_pid = None
        self._writer_conn = self._writer_pid = None
        self._writer_used_at = 0.0
        self._lock = threading.Lock()

    def _payload_placeholder(self):
        return "%s::jsonb"

    def pool(self):
        if self._pool is None or self._pool_pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pool_pid != os.getpid():
                    self._pool = ConnectionPool(
                        self.conninfo,
                        min_size=1,
                        max_size=self.pool_size,
                        timeout=self.pool_timeout,
                        kwargs=CONNECT_OPTIONS,
                        open=False,
                        name="sdiot-ingest",
                    )
                    self._pool.open(wait=False)
                    self._pool_pid = os.getpid()
        return self._pool

    def insert_message(self, m):
        if self._committer is None:
            return super().insert_message(m)
        return self._committer.submit(m)

    def insert_dead_letter(self, stream, reason, detail, body, truncated, msg_id=None, device_id=None, topic=None):
        if self._committer is None:
            return super().insert_dead_letter(stream, reason, detail, body, truncated, msg_id, device_id, topic)
        return self._committer.submit(DeadLetter(stream, reason, detail[:2000], body, truncated, msg_id, device_id,
                                                 topic))

    def _write_batch(self, batch):
        """One statement for the batch. Per item, in order: for a message True if it was new, for a
        dead letter its id."""
        messages = [m for m in batch if not isinstance(m, DeadLetter)]
        dead = [d for d in batch if isinstance(d, DeadLetter)]
        params = {"now": q.utcnow()}
        if messages:
            params["messages"] = json.dumps([
                {"k": m.message_key, "ts": m.device_ts.isoformat(), "d": m.device_id, "kd": m.kind,
                 "dt": m.device_type, "f": m.farm_id, "m": m.msg_id, "t": m.topic, "r": m.received_at.isoformat(),
                 "p": m.payload_text, "s": m.schema_id, "o": m.odoo_model}
                for m in messages
            ], ensure_ascii=False)
        if dead:
            params["dead"] = json.dumps([
                {"st": d.stream, "rs": d.reason, "dt": d.detail, "b": d.body, "tr": d.truncated, "m": d.msg_id,
                 "d": d.device_id, "t": d.topic}
                for d in dead
            ], ensure_ascii=False)
        inserted, dead_ids = set(), {}
        rows = self._run(WRITE_BATCH[bool(messages), bool(dead)], params, fetch="all_tuples", writer=True)
        for key, n, dead_id in rows:
            if key is not None:
                inserted.add(key)
            else:
                dead_ids[n] = dead_id
        results, dead_n = [], 0
        for item in batch:
            if isinstance(item, DeadLetter):
                dead_n += 1
                results.append(dead_ids[dead_n])
            else:  # two copies of one key in a batch: the first is new, the second a duplicate
                results.append(item.message_key in inserted)
                inserted.discard(item.message_key)
        return results

    @contextmanager
    def _writer_connection(self):
        """The group-commit writer's own connection: one writer per process uses it, so it skips
        the pool's bookkeeping on every batch. A connection error drops it; the next batch reconnects.
        After a quiet spell it is checked first: a firewall or ``idle_session_timeout`` may have
        dropped it, and that must cost a reconnect, not a 503 for the batch."""
        conn = self._writer_conn
        if (conn is not None and not conn.closed and self._writer_pid == os.getpid()
                and time.monotonic() - self._writer_used_at > self.WRITER_IDLE_CHECK_SECONDS):
            try:
                conn.execute("SELECT 1")
            except psycopg.Error:
                conn.close()
        if conn is None or conn.closed or self._writer_pid != os.getpid():
            try:
                conn = psycopg.connect(self.conninfo, **CONNECT_OPTIONS)
            except psycopg.OperationalError as exc:
                raise StoreUnavailable(str(exc).splitlines()[0] if str(exc) else "cannot connect") from exc
            self._writer_conn, self._writer_pid = conn, os.getpid()
        try:
            yield conn
        except (psycopg.errors.DataError, psycopg.errors.IntegrityError):
            raise  # the values, not the connection
        except psycopg.Error:
            conn.close()
            raise
        finally:
            self._writer_used_at = time.monotonic()

    def _run(self, sql, params=(), fetch="one", writer=False):
        try:
            with self._writer_connection() if writer else self.pool().connection() as conn:
                cur = conn.execute(sql, params)
                if fetch == "one":
                    return cur.fetchone()
                if fetch == "all_tuples":
                    return cur.fetchall()
                if fetch == "all":
                    cols = [d.name for d in cur.description]
                    return [dict(zip(cols, row)) for row in cur.fetchall()]
                return None
        except PoolTimeout as exc:
            raise StoreUnavailable(f"no database connection within {self.pool_timeout}s") from exc
        except (psycopg.errors.DataError, psycopg.errors.IntegrityError) as exc:
            raise StoreRejected(str(exc).splitlines()[0]) from exc
        except (UnicodeError, ValueError) as exc:  # a value psycopg cannot even encode
            raise StoreRejected(f"{type(exc).__name__}: {exc}"[:300]) from exc
        except psycopg.Error as exc:
            raise StoreUnavailable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc

    def close(self):
        if self._committer is not None:
            self._committer.close()
        if self._writer_conn is not None and self._writer_pid == os.getpid():
            self._writer_conn.close()
        self._writer_conn = None
        if self._pool is not None and self._pool_pid == os.getpid():
            self._pool.close()
        self._pool = None
