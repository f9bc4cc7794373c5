"""A throwaway PostgreSQL cluster for the tests on the PostgreSQL backend: initdb and pg_ctl on a
temporary directory and port, no system service (Debian's ``postgresql`` package gives the binaries).
PostgreSQL refuses to run as root: under root the cluster runs as the ``postgres`` user."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


class Cluster:
    """A PostgreSQL server on a free port with its data and socket in a new temporary folder
    (outside pytest's, which the ``postgres`` user may not enter); ``url(db)`` names a database
    on it. ``stop()`` ends it and removes the folder."""

    def __init__(self):
        bindir = binaries()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql): initdb not found")
        self.folder, self.bin = Path(tempfile.mkdtemp(prefix="clusteratlas-pg-")), bindir
        self.data = self.folder / "data"
        self.user = "postgres" if os.geteuid() == 0 else None
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "ca", "--no-sync", "-E", "UTF8",
                  "--locale=C.UTF-8")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses='127.0.0.1' -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200", "start")

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bin / tool), *args]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=self.folder)
        if done.returncode:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://ca@127.0.0.1:{self.port}/{db}"

    def admin(self):
        import psycopg

        return psycopg.connect(self.url(), autocommit=True)

    def create(self, name: str, template: str | None = None) -> str:
        """A new database (a copy of ``template`` when given); its URL."""
        with self.admin() as a:
            a.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            a.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
