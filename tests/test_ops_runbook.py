"""Every ``sdiot`` command in the runbook and the README's Deploy section exists.

Commands are taken from the fenced shell blocks and inline code of ops/RUNBOOK.md and the README's
"## Deploy" section, and parsed by the real ``sdiot`` argument parser: a renamed command, action or
flag fails here instead of in an operator's terminal.
"""
import re
import shlex
from pathlib import Path

import pytest

from webhooks.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
_SHELL_SPLIT = re.compile(r"\s*(?:&&|\|\||\||;)\s*")


def deploy_section():
    text = (ROOT / "README.md").read_text()
    start = text.index("## Deploy")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def code_lines(markdown):
    """Lines of fenced blocks, and inline `code` spans, with comments dropped."""
    in_block = False
    for line in markdown.splitlines():
        if line.strip().startswith("```"):
            in_block = not in_block
            continue
        if in_block:
            yield line.split(" #", 1)[0].strip()
        else:
            yield from re.findall(r"`([^`]+)`", line)


def sdiot_invocations(markdown):
    """Argument lists given to sdiot, directly or through the compose cli service / kubectl exec."""
    found = []
    for line in code_lines(markdown):
        if line.startswith("#"):
            continue
        for part in _SHELL_SPLIT.split(line.replace("\\", " ")):
            part = part.split(">", 1)[0]
            try:
                words = shlex.split(part)
            except ValueError:
                continue
            if "sdiot" in words:
                args = words[words.index("sdiot") + 1:]
            elif "cli" in words and words[:3] == ["docker", "compose", "run"] and "--entrypoint" not in words:
                args = words[words.index("cli") + 1:]
            else:
                continue
            # Prose placeholders ("sdiot <command>", "sdiot …") are not commands.
            if args and not any(a.startswith("<command") or "…" in a for a in args):
                found.append(args)
    return found


DOCS = {"ops/RUNBOOK.md": (ROOT / "ops" / "RUNBOOK.md").read_text(), "README.md#deploy": deploy_section()}
CASES = [(doc, args) for doc, text in DOCS.items() for args in sdiot_invocations(text)]


def test_docs_name_enough_commands():
    """The extraction finds the runbook's and the Deploy section's commands (not nothing)."""
    runbook = [args for doc, args in CASES if doc == "ops/RUNBOOK.md"]
    deploy = [args for doc, args in CASES if doc == "README.md#deploy"]
    assert len(runbook) >= 30, runbook
    assert len(deploy) >= 5, deploy
    groups = {args[0] for _, args in CASES}
    assert {"devices", "deadletters", "outbox", "rules", "certs", "ca", "acl", "migrate"} <= groups


@pytest.fixture(scope="module")
def parser():
    return build_parser()


@pytest.mark.parametrize("doc,args", CASES, ids=[f"{d}: sdiot {' '.join(a)}" for d, a in CASES])
def test_documented_command_parses(parser, doc, args):
    """The real CLI parser accepts the documented command and its flags."""
    try:
        parser.parse_args(args)
    except SystemExit as exc:
        pytest.fail(f"{doc}: `sdiot {' '.join(args)}` is not a valid command (exit {exc.code})")
