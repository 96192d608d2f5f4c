"""PostgreSQL URLs as platforms hand them out (Heroku, Render, Fly, Kubernetes secrets): checked, normalized, and
shown without their password. Loads no driver, so settings can check a URL at start-up."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

SCHEMES = ("postgres", "postgresql")
FORM = "postgresql://user:password@host:5432/dbname"


def normalize(url: str) -> str:
    """The URL with `postgres://` (Heroku's spelling) as `postgresql://`; raises ValueError, naming the problem
    and never the password, unless it names a host and a database."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(f"must look like {FORM}")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"has a port that is not a number; use {FORM}") from None
    if not parts.hostname:
        raise ValueError(f"names no host; use {FORM}")
    if port == 0:
        raise ValueError(f"has port 0; use {FORM}")
    database = unquote(parts.path.removeprefix("/"))
    if not database or "/" in database:
        raise ValueError(f"names no database (the path after the host); use {FORM}")
    try:
        parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise ValueError("has a malformed query string; write options as ?sslmode=require&connect_timeout=5") from None
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, parts.fragment))


def redacted(url: str) -> str:
    """The URL with its password (if any) as `***`, fit for logs and doctor lines."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))
