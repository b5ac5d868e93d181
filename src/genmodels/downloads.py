"""Bounded downloads: a byte cap, an overall deadline, and nothing left behind when they fail.

``urlopen``'s ``timeout`` bounds each socket read only, so a server that trickles bytes (or never
stops sending) would hold a notebook forever and fill memory or disk. :func:`copy_url` stops at
``max_bytes`` and at an overall deadline; :func:`download_file` writes to a temporary file and
renames it into place only after the length and the caller's own check have passed.
"""

from __future__ import annotations

import http.client
import os
import tempfile
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from .data import ChecksumError, LimitError

CHUNK_BYTES = 1 << 16  # one read; the deadline is checked between reads


def _declared_length(headers: Mapping[str, Any] | Any) -> int | None:
    value = headers.get("Content-Length") if headers is not None else None
    try:
        length = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return length if length >= 0 else None


def _mb(size: float) -> str:
    return f"{size / 2**20:,.1f} MB"


def copy_url(url: str, out: BinaryIO, *, max_bytes: int, seconds: float, timeout: float) -> Any:
    """Stream ``url`` into ``out``; return the response headers.

    Raises :class:`LimitError` when the body exceeds ``max_bytes`` (announced or received) or the
    whole transfer exceeds ``seconds`` (each read waits at most ``timeout``, so a stalled server
    is noticed within ``seconds + timeout``), and :class:`ChecksumError` when fewer bytes arrive
    than the server's ``Content-Length`` announced. Network errors (``OSError``) pass through.
    """
    deadline = time.monotonic() + seconds
    with urllib.request.urlopen(url, timeout=min(timeout, seconds)) as response:
        headers = getattr(response, "headers", {})
        declared = _declared_length(headers)
        if declared is not None and declared > max_bytes:
            raise LimitError(f"{url} announces {_mb(declared)}, more than the limit of {_mb(max_bytes)}; "
                             "nothing was downloaded. Download it yourself if it really is that large.")
        read = getattr(response, "read1", None) or response.read
        total = 0
        while True:
            if time.monotonic() > deadline:
                raise LimitError(f"downloading {url} took longer than {seconds:g} s ({_mb(total)} received); "
                                 "stopped. Check your connection, or download the file yourself.")
            try:
                block = read(CHUNK_BYTES)
            except http.client.IncompleteRead as error:
                raise ChecksumError(f"download of {url} broke off after {total} bytes ({error}); "
                                    "nothing was kept. Run again to retry.") from error
            if not block:
                break
            total += len(block)
            if total > max_bytes:
                raise LimitError(f"{url} sent more than the limit of {_mb(max_bytes)}; stopped and "
                                 "nothing was kept. Download it yourself if it really is that large.")
            out.write(block)
    if declared is not None and total != declared:
        raise ChecksumError(f"download of {url} is truncated: got {total} of {declared} bytes; "
                            "nothing was kept. Run again to retry.")
    return headers


def download_file(url: str, destination: str | Path, *, max_bytes: int, seconds: float, timeout: float,
                  validate: Callable[[Path, Any], None] | None = None) -> int:
    """Download ``url`` to ``destination`` via a temporary file; return its size in bytes.

    ``validate(tmp_path, headers)`` runs before the rename and raises to refuse the file. Any
    failure (limits, truncation, validation, the network) leaves nothing behind.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part", dir=destination.parent)
    tmp = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            headers = copy_url(url, out, max_bytes=max_bytes, seconds=seconds, timeout=timeout)
        if validate is not None:
            validate(tmp, headers)
        size = tmp.stat().st_size
        os.replace(tmp, destination)
        return size
    finally:
        tmp.unlink(missing_ok=True)
