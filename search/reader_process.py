"""A rebuild's directory reading in a second process, beside the process writing the index.

In one process, reading and assembling the documents and writing them take turns on the GIL:
at 100k services, reading alone took 11.5 s and writing alone 13.3 s, and together 21.9 s.
A child process reads the directory (`iter_documents`, on its own connection) and sends each
batch as tuples of the documents' fields; the parent rebuilds the documents and writes them.
The pipe holds little, so the child stays at most about one batch ahead: memory is bounded.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import multiprocessing
import pickle
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager, suppress
from multiprocessing.connection import Connection
from operator import attrgetter
from typing import Any

import sqlalchemy as sa

from hub.core.db import create_engine, create_session_factory
from search.document import ServiceDocument
from search.document_parts import fewer_collections
from search.documents import iter_documents

log = logging.getLogger(__name__)

# Below this many services, starting the reader process (imports and connecting: about a
# second) costs more than running beside the writer saves.
PROCESS_MIN_SERVICES = 20_000
# The reader's SQLite page cache (KiB): its own connection, for the rebuild only.
READER_CACHE_KIB = 65_536
_FIELDS = attrgetter(*(f.name for f in dataclasses.fields(ServiceDocument)))
_BATCH, _DONE, _FAILED = "batch", "done", "failed"


class ReaderFailed(RuntimeError):
    """The directory reader process stopped before it had sent every document."""


def _encode(message: tuple[Any, ...]) -> bytes:
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


def _decode(payload: bytes) -> tuple[str, Any]:
    """A message, with a batch's field tuples made documents again (off the event loop)."""
    kind, body = pickle.loads(payload)  # noqa: S301 - our own child process wrote it
    if kind == _BATCH:
        return kind, [ServiceDocument(*fields) for fields in body]
    return kind, body


def read_to_pipe(database_url: str, batch_size: int, channel: Connection) -> None:
    """The reader process: send every batch of documents, then 'done' (or 'failed' and the
    error's type: the parent fails the rebuild; no text that could hold directory data)."""
    try:
        with fewer_collections():
            asyncio.run(_send_batches(database_url, batch_size, channel))
    except BaseException as error:
        with suppress(OSError):  # the parent has gone: nobody to tell
            channel.send_bytes(_encode((_FAILED, type(error).__name__)))
        raise
    finally:
        channel.close()


async def _send_batches(database_url: str, batch_size: int, channel: Connection) -> None:
    engine = create_engine(database_url)
    sending: asyncio.Future[None] | None = None
    try:
        async with create_session_factory(engine)() as session:
            if engine.dialect.name == "sqlite":
                # Reading by id ranges revisits index pages: a larger page cache than SQLite's
                # 2 MB default read the 100k and 1M directories 10-13% faster.
                await session.execute(sa.text(f"PRAGMA cache_size = -{READER_CACHE_KIB}"))
            async for batch in iter_documents(session, batch_size=batch_size):
                payload = _encode((_BATCH, [_FIELDS(doc) for doc in batch]))
                # Sent on a thread while the next batch is read: a full pipe (the parent
                # still writing) holds up the sending, not the reading.
                if sending is not None:
                    await sending
                sending = asyncio.ensure_future(asyncio.to_thread(channel.send_bytes, payload))
            if sending is not None:
                await sending
    finally:
        await engine.dispose()
    channel.send_bytes(_encode((_DONE, None)))


@asynccontextmanager
async def reader_process(
    database_url: str, batch_size: int
) -> AsyncIterator[AsyncGenerator[list[ServiceDocument]]]:
    """Start a child process reading the directory's documents and give its batches; the
    process starts at once (it imports and connects while the caller prepares the index) and
    is stopped on leaving, done or not."""
    context = multiprocessing.get_context("spawn")  # fork is unsafe beside running threads
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=read_to_pipe,
        args=(database_url, batch_size, sender),
        name="hub-reindex-reader",
        daemon=True,
    )
    process.start()
    sender.close()  # the child's end: EOF here once the child has exited
    try:
        yield _received_batches(receiver)
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
        await asyncio.to_thread(process.join)


async def _received_batches(receiver: Connection) -> AsyncGenerator[list[ServiceDocument]]:
    while True:
        try:
            kind, body = await asyncio.to_thread(lambda: _decode(receiver.recv_bytes()))
        except EOFError:
            raise ReaderFailed("the directory reader exited without finishing") from None
        if kind == _DONE:
            return
        if kind == _FAILED:
            log.error("the directory reader failed: %s", body)
            raise ReaderFailed(f"the directory reader failed ({body})")
        yield body
