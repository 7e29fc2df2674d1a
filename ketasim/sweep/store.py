"""The sweep store: SQLite in WAL mode, one atomic transaction per finished point.

Layout of a sweep directory::

    SWEEP_DIR/
      sweep.sqlite      the store (plus -wal/-shm while open)
      sweep.lock        held (flock) by the sweep running here, so two never compute the same points
      sweep.yaml        the sweep config as last run (for reference)
      results.nc        xarray export: dims = axes, data variables = metrics
      results.csv       one row per point

Only the coordinating process writes; workers return records. Each record is
committed in its own transaction with ``synchronous=FULL``, so a kill -9 at
any moment loses at most the points still running. The store remembers what
it was made from (base config hash, model, quick profile, ketasim version and
source fingerprint, Brian2 version and code-generation target); a rerun with
anything different is refused with a clear message instead of mixing
results. Each point also records the code fingerprint of the worker that
computed it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from ketasim.config import ConfigError
from ketasim.sweep.runner import worker_identity
from ketasim.version import __version__

__all__ = ["STORE_FILE", "StoreError", "SweepStore"]

STORE_FILE = "sweep.sqlite"
LOCK_FILE = "sweep.lock"
FORMAT = "ketasim-sweep"
FORMAT_VERSION = "1"
# Files a sweep directory may hold besides the store (anything else means it is not ours).
OWN_FILES = {STORE_FILE, f"{STORE_FILE}-wal", f"{STORE_FILE}-shm", f"{STORE_FILE}-journal", "sweep.yaml",
             "results.nc", "results.csv", "window", "points", LOCK_FILE}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS points (
    hash TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
    metrics TEXT NOT NULL,
    error TEXT NOT NULL,
    started REAL, elapsed_s REAL, worker TEXT,
    version TEXT NOT NULL,
    committed REAL NOT NULL,
    code_hash TEXT NOT NULL DEFAULT ''
);
"""


class StoreError(ConfigError):
    """A store that is corrupted, foreign, or made from a different base/code (exit status 2)."""


def _identity(base_hash: str, model: str, quick: bool) -> dict[str, str]:
    return {"format": FORMAT, "format_version": FORMAT_VERSION, **worker_identity(), "base_hash": base_hash,
            "model": model, "quick": "1" if quick else "0"}


_EXPLAIN = {
    "base_hash": "the base scenario changed since this store was made",
    "ketasim_version": "this store was made by a different ketasim version",
    "code_hash": "the ketasim source code changed since this store was made",
    "brian2_version": "this store was made with a different Brian2 version",
    "brian_target": "this store was made with a different Brian2 code-generation target (KETASIM_BRIAN_TARGET)",
    "ketasim_engine": "this store was made with a different circuit engine (KETASIM_ENGINE)",
    "model": "this store was made with a different model",
    "quick": "this store was made with a different profile (--quick or not)",
}


def _take_lock(directory: Path):
    """Hold ``SWEEP_DIR/sweep.lock`` (non-blocking flock) for this run, or refuse in one line.

    The operating system releases the lock when the process ends, however it
    ends, so a killed sweep never leaves a stale lock. The file itself stays
    (deleting a lock file races with its next user); it holds the holder's
    pid and host for the message.
    """
    handle = open(directory / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115 - held until close()
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise StoreError(str(directory), "", f"another ketasim sweep is running in this directory ({holder}); "
                                             "wait for it to finish, or use another --out") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} on {os.uname().nodename}\n")
    handle.flush()
    return handle


class SweepStore:
    """A sweep directory's SQLite store."""

    def __init__(self, directory: Path, connection: sqlite3.Connection):
        self.directory = directory
        self._db = connection
        self._lock = None  # the open, flock-ed sweep.lock of a store opened for a run

    # ------------------------------------------------------------ opening
    @staticmethod
    def check(directory: str | Path) -> None:
        """Refuse a directory that exists but is not a sweep store (writes nothing)."""
        directory = Path(directory)
        where = str(directory)
        if directory.exists() and not directory.is_dir():
            raise StoreError(where, "", "exists and is not a directory; choose another --out")
        if not directory.exists():
            return
        # Our own leftovers of an interrupted write (".results.nc.x1y2", ".sweep.sqlite.new-...") are ours too.
        entries = {p.name for p in directory.iterdir()
                   if not (p.name.startswith(".") and any(p.name[1:].startswith(own) for own in OWN_FILES))}
        entries.discard(LOCK_FILE)  # left by a run that stopped before it made the store
        if entries and STORE_FILE not in entries:
            foreign = sorted(entries - OWN_FILES)[:3] or sorted(entries)[:3]
            raise StoreError(where, "", f"not a ketasim sweep directory (holds {', '.join(foreign)}, no {STORE_FILE}); "
                                        "it is left untouched: choose another --out")

    @classmethod
    def open_existing(cls, directory: str | Path) -> SweepStore:
        """Open a store for export and analysis."""
        directory = Path(directory)
        if not (directory / STORE_FILE).is_file():
            raise StoreError(str(directory), "", f"not a ketasim sweep directory (no {STORE_FILE})")
        return cls(directory, cls._connect(directory))

    @classmethod
    def open_for_run(cls, directory: str | Path, base_hash: str, model: str, quick: bool,
                     allow_code_change: bool = False) -> SweepStore:
        """Create a new store or reopen a matching one; refuse a mismatch (nothing written).

        ``allow_code_change`` accepts a store made by other ketasim source
        code (same release, Brian2 and target): finished points are kept,
        each with the code fingerprint it was computed with, and the store's
        own ``code_hash`` stays that of the code it was made with.
        """
        directory = Path(directory)
        cls.check(directory)
        wanted = _identity(base_hash, model, quick)
        if (directory / STORE_FILE).is_file():
            store = cls(directory, cls._connect(directory))
            stored = store.meta
            for key, explanation in _EXPLAIN.items():
                if key == "code_hash" and allow_code_change:
                    continue
                if stored.get(key) != wanted[key]:
                    store.close()
                    old, new = stored.get(key, "?"), wanted[key]
                    if key in ("base_hash", "code_hash"):
                        old, new = old[:12], new[:12]
                    hint = " (or --allow-code-change to continue it)" if key == "code_hash" else ""
                    raise StoreError(str(directory), "", f"{explanation} (stored {old}, now {new}); results are not "
                                                         f"mixed: use a new --out{hint}, or move this directory away")
            try:
                store._lock = _take_lock(directory)
            except StoreError:
                store.close()
                raise
            if not store._has_code_hash():
                # Every point of an older store was made by the code the store records (resume was strict).
                with store._db:
                    store._db.execute("ALTER TABLE points ADD COLUMN code_hash TEXT NOT NULL DEFAULT ''")
                    store._db.execute("UPDATE points SET code_hash = ?", (stored.get("code_hash", ""),))
            return store
        directory.mkdir(parents=True, exist_ok=True)
        lock = _take_lock(directory)
        # Build the store under a temporary name and rename it into place, so a kill at any
        # moment leaves either no store (a fresh start) or a complete one.
        staging = Path(tempfile.mkdtemp(prefix=f".{STORE_FILE}.new-", dir=directory))
        try:
            db = sqlite3.connect(staging / STORE_FILE, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            db.execute("BEGIN")
            db.executemany("INSERT INTO meta VALUES (?, ?)", [*wanted.items(), ("created", repr(time.time()))])
            db.execute("COMMIT")
            db.close()  # checkpoints the WAL into the main file
            os.replace(staging / STORE_FILE, directory / STORE_FILE)
        except BaseException:
            lock.close()
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        try:
            store = cls(directory, cls._connect(directory))
        except BaseException:
            lock.close()
            raise
        store._lock = lock
        return store

    @classmethod
    def _connect(cls, directory: Path) -> sqlite3.Connection:
        """Open the database; an existing one is checked before anything could write to it."""
        path = directory / STORE_FILE
        where = str(path)
        with path.open("rb") as handle:
            header = handle.read(16)
        if header != b"SQLite format 3\x00":
            raise StoreError(where, "", "corrupted or not a ketasim sweep store (not an SQLite database); "
                                        "it is left untouched")
        db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        try:
            cls._verify(db, where)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
        except sqlite3.DatabaseError as exc:
            db.close()
            raise StoreError(where, "", f"corrupted or not a ketasim sweep store ({exc}); it is left untouched") from None
        except StoreError:
            db.close()
            raise
        db.isolation_level = "DEFERRED"
        return db

    @staticmethod
    def _verify(db: sqlite3.Connection, where: str) -> None:
        """Read-only checks of the format mark and schema."""
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"meta", "points"} <= tables:
            raise StoreError(where, "", "not a ketasim sweep store (an SQLite database without its tables); "
                                        "it is left untouched")
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        db.execute("SELECT hash, status, metrics, error, started, elapsed_s, worker, version FROM points LIMIT 1")
        if meta.get("format") != FORMAT:
            raise StoreError(where, "", "not a ketasim sweep store (no ketasim-sweep format mark); it is left untouched")
        if meta.get("format_version") != FORMAT_VERSION:
            raise StoreError(where, "", f"store format {meta.get('format_version')} is not supported "
                                        f"(this ketasim reads {FORMAT_VERSION})")
        check = db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise StoreError(where, "", f"corrupted store ({check}); it is left untouched")

    @property
    def meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def close(self) -> None:
        self._db.close()
        if self._lock is not None:
            self._lock.close()  # releases the flock
            self._lock = None

    # ------------------------------------------------------------ records
    def commit(self, record: dict[str, Any], config: dict[str, Any]) -> None:
        """Store one finished point in its own transaction.

        The version and code fingerprint stored are those the worker reported
        (``record["identity"]``), falling back to this process's for records
        without one (a point whose worker died).
        """
        identity = record.get("identity") or worker_identity()
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO points (hash, config, status, metrics, error, started, elapsed_s, worker, "
                "version, committed, code_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record["hash"], json.dumps(config, sort_keys=True), record["status"],
                 json.dumps(record.get("metrics", {}), sort_keys=True), record.get("error", ""),
                 record.get("started"), record.get("elapsed_s"), record.get("worker", ""),
                 identity.get("ketasim_version", __version__), time.time(), identity.get("code_hash", "")),
            )

    def set_meta(self, key: str, value: str) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def records(self) -> dict[str, dict[str, Any]]:
        """Every stored point by hash."""
        try:
            code_hash = "code_hash" if self._has_code_hash() else "''"
            rows = self._db.execute(
                f"SELECT hash, status, metrics, error, started, elapsed_s, worker, version, {code_hash} FROM points"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(str(self.directory / STORE_FILE), "", f"corrupted store ({exc})") from None
        out = {}
        for hash_, status, metrics, error, started, elapsed, worker, version, code_hash in rows:
            out[hash_] = {"hash": hash_, "status": status, "metrics": json.loads(metrics), "error": error,
                          "started": started, "elapsed_s": elapsed, "worker": worker, "version": version,
                          "code_hash": code_hash}
        return out

    def _has_code_hash(self) -> bool:
        """Stores made before per-point fingerprints lack the column (added when opened for a run)."""
        return any(row[1] == "code_hash" for row in self._db.execute("PRAGMA table_info(points)"))
