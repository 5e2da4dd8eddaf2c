"""Database URLs: which dialect a URL names, and how to print one without its password.

``postgresql://…`` (or ``postgres://``) is PostgreSQL; ``sqlite:///relative/path`` and
``sqlite:////absolute/path`` are SQLite files. Parsing opens nothing and imports no driver, so the
CLI, the auth DB and the ingest store share it.
"""
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class DatabaseURL:
    dialect: str  # "postgresql" | "sqlite"
    target: str  # a libpq conninfo URL, or a filesystem path

    @classmethod
    def parse(cls, url):
        if isinstance(url, cls):
            return url
        if url.startswith(("postgresql://", "postgres://")):
            return cls("postgresql", url)
        if url.startswith("sqlite:///"):
            path = url[len("sqlite:///"):]
            if not path:
                raise ValueError("sqlite URL needs a path: sqlite:///file.db")
            return cls("sqlite", path)
        raise ValueError(f"unsupported database URL {redact(url)!r}: use postgresql://… or sqlite:///path")

    def __str__(self):
        return redact(self.target if self.dialect == "postgresql" else f"sqlite:///{self.target}")


def redact(url):
    """The URL with any password masked (userinfo or ``?password=``), for logs and error messages."""
    url = re.sub(r"([?&]password=)[^&]*", r"\1***", url)
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else url
