"""yamllint over every YAML file in the repository, with the repo's .yamllint; and shell syntax
of the PostgreSQL init script. The tools' exit status decides; their output is the failure message."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_yamllint_passes_on_every_yaml_file():
    """`yamllint --strict .` (warnings fail too) reports nothing."""
    result = subprocess.run([sys.executable, "-m", "yamllint", "--strict", "-f", "parsable", "."],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_yamllint_config_is_in_force(tmp_path):
    """The same invocation fails on a badly indented file (the check is live, not vacuous)."""
    bad = tmp_path / "bad.yml"
    bad.write_text("key:\n   - a\n  - b\n")
    result = subprocess.run([sys.executable, "-m", "yamllint", "--strict", "-c", str(ROOT / ".yamllint"), str(bad)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0


def test_postgres_init_script_is_valid_bash():
    """bash -n parses ops/postgres/initdb/*.sh (they run only on a first compose start)."""
    for script in sorted((ROOT / "ops" / "postgres" / "initdb").glob("*.sh")):
        result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, f"{script.name}: {result.stderr}"
