"""Open a CSV as a text stream in one pass, whatever its encoding, with a byte progress bar.

The big official files (Ofcom's output-area and postcode files, ONSPD/NSPL at about 1 GB) are
read here without being loaded whole. The first MiB is checked as
:func:`geo.sources.tabular.decode_bytes` checks an upload (byte-order mark, NUL bytes, control
characters, UTF-8 else Windows-1252), and that decides the encoding of the rest.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from tqdm import tqdm

from geo.errors import DataError
from geo.sources.tabular import decode_bytes

HEAD_BYTES = 1 << 20
"""How much of a file is checked before it is streamed."""

Opener = Callable[[], BinaryIO]
"""Opens the file's bytes from the start (called again to reread it)."""

Source = bytes | str | Path | Opener
"""A file's bytes, its path, or an :data:`Opener` (e.g. a zip member)."""


def opener_for(source: Source) -> tuple[Opener, int | None]:
    """An :data:`Opener` for ``source`` and its size in bytes when known."""
    if isinstance(source, bytes):
        data = source
        return (lambda: io.BytesIO(data)), len(data)
    if isinstance(source, str | Path):
        path = Path(source)
        return (lambda: path.open("rb")), path.stat().st_size
    return source, None


def sniff_encoding(head: bytes, *, filename: str, complete: bool) -> str:
    """The encoding to stream a file with, from its first bytes ``head``.

    ``complete`` says ``head`` is the whole file. Raises the same ``DataError`` as
    :func:`decode_bytes` (wrong encoding, NUL bytes, control characters, empty).
    """
    if not complete:
        cut = head.rfind(b"\n")  # never inside a UTF-8 sequence
        head = head[: cut + 1] if cut > 0 else head
    text = decode_bytes(head, filename=filename)
    if not text.strip():
        raise DataError.single(filename, "is empty: it holds no header and no records")
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


@contextlib.contextmanager
def open_binary(
    source: Source,
    *,
    filename: str,
    encoding: str | None = None,
    progress: bool = False,
) -> Iterator[tuple[BinaryIO, str]]:
    """Open ``source``'s bytes from the start; yields (stream, encoding to decode it with).

    With ``progress``, a tqdm bar on stderr counts the bytes read.
    """
    opener, total = opener_for(source)
    with contextlib.ExitStack() as stack:
        raw = stack.enter_context(opener())
        if encoding is None:
            head = raw.read(HEAD_BYTES)
            encoding = sniff_encoding(head, filename=filename, complete=len(head) < HEAD_BYTES)
            if raw.seekable():
                raw.seek(0)
            else:  # reopen rather than seek
                raw = stack.enter_context(opener())
        stream: BinaryIO = raw
        if progress:
            bar = stack.enter_context(
                tqdm(total=total, unit="B", unit_scale=True, desc=filename, leave=False)
            )
            stream = io.BufferedReader(_Counting(raw, bar))  # type: ignore[assignment]
        yield stream, encoding


@contextlib.contextmanager
def open_text(
    source: Source,
    *,
    filename: str,
    encoding: str | None = None,
    progress: bool = False,
) -> Iterator[tuple[TextIO, str]]:
    """:func:`open_binary` decoded (universal newlines kept for :mod:`csv`)."""
    with open_binary(source, filename=filename, encoding=encoding, progress=progress) as (
        stream,
        encoding,
    ):
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        try:
            yield text, encoding
        finally:
            text.detach()


class _Counting(io.RawIOBase):
    """A binary stream that advances a progress bar by the bytes read through it."""

    def __init__(self, inner: BinaryIO, bar: tqdm) -> None:
        self._inner, self._bar = inner, bar

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        self._bar.update(len(data))
        return len(data)


__all__ = [
    "HEAD_BYTES",
    "Opener",
    "Source",
    "open_binary",
    "open_text",
    "opener_for",
    "sniff_encoding",
]
