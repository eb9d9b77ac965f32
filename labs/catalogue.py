"""The shipped labs: every ``labs/data/*.yaml``, sorted by file name (docs/labs.md).

The files are loaded and validated once per process and again when one of them changes (its
name, size and modification time are the cache key), so a malformed shipped lab is found by
``manage.py labs validate`` and by the tests, and two files with the same slug are an error.
"""

from __future__ import annotations

from pathlib import Path
from threading import Lock

from .format import Lab, LabError, load

DATA = Path(__file__).resolve().parent / "data"
_lock = Lock()
_cache: dict[str, object] = {"key": None, "labs": []}


def files() -> list[Path]:
    return sorted(DATA.glob("*.yaml"))


def all_labs() -> list[Lab]:
    """The shipped labs, sorted by file name."""
    paths = files()
    key = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    with _lock:
        if _cache["key"] == key:
            return list(_cache["labs"])
    labs, seen = [], {}
    for path in paths:
        lab = load(path)
        if lab.slug in seen:
            raise LabError(str(path), None, "slug", f"{lab.slug!r} is also the slug of {seen[lab.slug]}")
        seen[lab.slug] = path.name
        labs.append(lab)
    with _lock:
        _cache.update(key=key, labs=labs)
    return list(labs)


def get(slug: str) -> Lab:
    """The shipped lab ``slug``; ``KeyError`` when there is none."""
    for lab in all_labs():
        if lab.slug == slug:
            return lab
    raise KeyError(slug)
