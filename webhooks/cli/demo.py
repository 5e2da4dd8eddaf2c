"""``sdiot demo``: a simulated farm end to end on the embedded default, then a live status page.

Starts the webhook tier under gunicorn on a fresh SQLite file, runs a simulated day of a farm
through the project's own EMQX rules (evaluated offline: exactly what EMQX would POST), lets the
forwarder deliver to Odoo when ``SDIOT_ODOO_URL`` is set (otherwise reports what waits in the
outbox), prints a summary, and keeps the status page up until Ctrl-C (or exits: ``--no-serve``).
No broker, database server or ERP needed.
"""
import json
import os
import sys
import time

from webhooks.cli import CommandError
from webhooks.cli.output import as_json
from webhooks.cli.simulate import add_farm_arguments, farm_config, post_through_rules
from webhooks.dburl import DatabaseURL
from webhooks.store import open_store
from webhooks.migrations import migrate_up
from webhooks.outbox_summary import sentence
from webhooks.tools.simulator import simulate
from webhooks.tools.simulator.summary import table
from webhooks.tools.simulator.tier import Tier

DEMO_DB = os.path.join("var", "demo.db")


def register(subparsers):
    p = subparsers.add_parser("demo", help="a simulated farm end to end on SQLite, with a status page",
                              description=__doc__.split("\n\n")[0].split(": ", 1)[1])
    add_farm_arguments(p)
    p.add_argument("--port", type=int, help="loopback port for the tier (default: a free one)")
    p.add_argument("--no-serve", action="store_true", help="exit after the summary")
    p.add_argument("--database-url", help=f"ingest DB (default: a fresh sqlite:///{DEMO_DB})")
    p.add_argument("--concurrency", type=int, default=4, help="parallel requests (default 4)")
    p.add_argument("--json-summary", metavar="FILE", help="also write the summary as JSON")
    p.set_defaults(func=run)


def run(args):
    config = farm_config(args)
    url = args.database_url or _fresh_demo_db()
    if DatabaseURL.parse(url).dialect == "sqlite":
        os.makedirs(os.path.dirname(os.path.abspath(DatabaseURL.parse(url).target)), exist_ok=True)
    migrate_up("ingest", url)
    sim = simulate(config)
    log_path = os.path.join(os.path.dirname(os.path.abspath(DEMO_DB)), "demo-gunicorn.log")
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    tier = Tier(url, port=args.port, log_path=log_path)
    _say(f"starting the webhook tier on {tier.url} (gunicorn, {DatabaseURL.parse(url).dialect}; log: {log_path})")
    try:
        tier.start()
    except RuntimeError as exc:
        raise CommandError(str(exc)) from None
    try:
        _say(f"farm {config.farm_id}: {config.cows} cows, {len(sim.farm.devices)} devices, {config.hours:g} h "
             f"simulated, {len(sim.events)} MQTT messages and presence events")
        summary = post_through_rules(sim, tier.url, tier.token, args.concurrency, args.speedup)
        summary["farm"] = {"farm_id": config.farm_id, "cows": config.cows, "devices": len(sim.farm.devices),
                           "hours": config.hours, "seed": config.seed, "events": len(sim.events),
                           "faults": {str(k): v for k, v in sim.faults().items()}}
        summary["database_url"] = url if DatabaseURL.parse(url).dialect == "sqlite" else "(PostgreSQL)"
        summary["outbox"], summary["forwarder"] = _deliver(url, args.settings)
        summary["status_page"] = tier.url + "/"
        if not as_json(args, summary):  # --json: the summary is the document, and the demo ends there
            print(table(summary))
            print(_outbox_line(summary))
        if args.json_summary:
            with open(args.json_summary, "w", encoding="utf-8") as fh:
                json.dump(summary, fh, indent=2, default=str)
        ok = not summary["not_stored"] and not summary["presence_failed"]
        if args.no_serve or args.json:
            return 0 if ok else 1
        hint = "" if not args.settings.admin_tokens else " (log in with one of the SDIOT_ADMIN_TOKENS)"
        print(f"\nStatus page: {tier.url}/{hint}\nPress Ctrl-C to stop.", flush=True)
        try:
            tier.proc.wait()
        except KeyboardInterrupt:
            pass
        return 0 if ok else 1
    finally:
        tier.stop()


def _fresh_demo_db():
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(DEMO_DB + suffix):
            os.remove(DEMO_DB + suffix)
    return f"sqlite:///{DEMO_DB}"


def _deliver(url, settings):
    """Forward to Odoo when it is configured; the outbox's state either way."""
    forwarded = None
    if settings.odoo_url:
        from webhooks.forwarder import drain

        _say("delivering the outbox to Odoo (SDIOT_ODOO_URL is set) ...")
        began = time.monotonic()
        stats = drain(url, max_seconds=120.0, settings=settings)
        forwarded = {**vars(stats), "seconds": round(time.monotonic() - began, 2)}
    store = open_store(url, pool_size=1, group_commit=False)
    try:
        return store.outbox.stats(), forwarded
    finally:
        store.close()


def _outbox_line(summary):
    """The outbox's numbers worded as the status page words them (webhooks/outbox_summary.py)."""
    box, fwd = summary["outbox"], summary["forwarder"]
    line = f"outbox: {sentence(box)}"
    # received_at is broker time, here the simulated farm's: the oldest reading is hours "old"
    if (box["oldest_pending_age_seconds"] or 0) > 3600:
        line += " (farm time)"
    if fwd is None:
        return line + "  (set SDIOT_ODOO_URL, SDIOT_ODOO_DB, SDIOT_ODOO_API_KEY to deliver them to Odoo)"
    return line + f"  (forwarder: {fwd['delivered']} delivered, {fwd['failed']} failed in {fwd['seconds']} s)"


def _say(text):
    print(text, file=sys.stderr, flush=True)
