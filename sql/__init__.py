"""The repo's sql/ folder, installed as the package ``sdiot_sql``: versioned migrations, one
folder per database (``ingest/``, ``ingest/sqlite/``, ``auth/``), read by webhooks/migrations.py."""
