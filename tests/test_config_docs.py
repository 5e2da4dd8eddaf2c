"""Every environment variable the code reads is in the README's configuration tables."""
import re
from pathlib import Path

from webhooks import config

ROOT = Path(__file__).resolve().parent.parent
CODE = [p for folder in ("webhooks", "emqx_rules", "odoo_connector") for p in (ROOT / folder).rglob("*.py")
        if "addons" not in p.parts]
# os.environ.get("X"), os.environ["X"], environ.get("X"), env.get("X") and the like
READ = re.compile(r"""\b(?:environ|env)(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]+)["']""")


def _documented():
    readme = (ROOT / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith("|")]
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", "\n".join(rows)))


def test_every_settings_variable_is_documented():
    """Each variable webhooks/config.py reads has a row in a README table."""
    missing = {var for var, _ in config.VARIABLES.values()} - _documented()
    assert not missing, f"add these to the README's configuration table: {sorted(missing)}"


def test_every_variable_read_anywhere_is_documented():
    """A variable read straight from the environment anywhere in the code (the gunicorn config, the
    connector files' url_env) is documented too."""
    read = {m for path in CODE for m in READ.findall(path.read_text())}
    read |= set(re.findall(r'(?:url_env|bearer_token_env)\s*=\s*"([A-Z0-9_]+)"',
                           "".join(p.read_text() for p in (ROOT / "emqx_rules" / "connectors").glob("*.toml"))))
    assert read >= {"SDIOT_WORKERS", "SDIOT_WEBHOOK_URL"}  # the scan itself finds what it must
    missing = read - _documented() - {"EMQXVAR_"}
    assert not missing, f"add these to the README's configuration table: {sorted(missing)}"


def test_only_the_entry_points_read_the_environment():
    """Modules get Settings passed down; only config.py and the gunicorn config read os.environ
    (the rule evaluator's getenv/1 reads EMQXVAR_* as EMQX does; tools pass it to child processes)."""
    allowed = {"webhooks/config.py", "webhooks/gunicorn_conf.py", "emqx_rules/sql/funcs_system.py",
               "odoo_connector/client.py", "webhooks/cli/rules.py"}
    readers = {str(p.relative_to(ROOT)) for p in CODE if re.search(r"os\.environ(?:\.get|\[)|os\.getenv", p.read_text())}
    assert readers <= allowed, f"read the environment through webhooks.config: {sorted(readers - allowed)}"
