"""Start real servers for tests and benchmarks: ``treatykg serve``, ``oxigraph serve`` and
Virtuoso (Debian's ``virtuoso-opensource``); and the command line of Debian's Jena.

Both listen on 127.0.0.1 only, on a port the OS picks, and are stopped (SIGTERM, then SIGKILL)
when the ``with`` block ends, so a failing test never leaves a server behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from shutil import which


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def treatykg_server(
    build: Path, *options: str, log: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Run ``treatykg serve --build BUILD --port 0`` and yield its base URL (no trailing /).

    With ``log``, the server's stderr goes there (and its access log beside it), and a
    traceback in it fails the test once the server has stopped. ``env`` adds to the server's
    environment (a benchmark's ``PYTHONPATH``, to serve another checkout's code)."""
    exe = Path(sys.executable).with_name("treatykg")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "treatykg.cli"]
    stderr = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [*command, "serve", "--build", str(build), "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=stderr,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, f"treatykg serve did not announce its address: {line!r}"
        base = f"http://127.0.0.1:{match.group(1)}"
        # uvicorn's access log goes to stdout: keep draining it, or the server blocks once
        # the pipe's buffer (64 KiB) is full.
        drain = threading.Thread(target=_drain, args=(process.stdout, log), daemon=True)
        drain.start()
        _wait(base + "/", process)
        yield base
    finally:
        _stop(process)
        if log:
            stderr.close()  # type: ignore[union-attr]
    if log:
        text = log.read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in text, f"the server logged a traceback:\n{text[-3000:]}"


def _drain(stream, log: Path | None) -> None:
    target = open(log.with_suffix(".access.log"), "wb") if log else None  # noqa: SIM115
    try:
        for line in stream:
            if target is not None:
                target.write(line)
    finally:
        if target is not None:
            target.close()


def oxigraph_exe() -> str:
    beside_python = Path(sys.executable).with_name("oxigraph")
    exe = str(beside_python) if beside_python.exists() else which("oxigraph")
    assert exe, "the oxigraph server comes with the test extra: pip install '.[test]'"
    return exe


@contextlib.contextmanager
def oxigraph_server(files: Sequence[Path], store: Path, *options: str) -> Iterator[str]:
    """Load ``files`` into a fresh on-disk store and serve it read-only; yield the base URL."""
    exe = oxigraph_exe()
    for file in files:
        subprocess.run(
            [exe, "load", "--location", str(store), "--file", str(file)],
            check=True,
            capture_output=True,
        )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [exe, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}", *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(base + "/", process)
        yield base
    finally:
        _stop(process)


def _wait(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer at {url}") from None
            time.sleep(0.05)


#: The configuration Debian's virtuoso-opensource installs; a throwaway copy points it at a
#: temporary database and at loopback ports (see ../shared/design/engines.md).
VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


def virtuoso_exe() -> str | None:
    """``virtuoso-t`` if Debian's package (or another install) put it on PATH."""
    return which("virtuoso-t")


@contextlib.contextmanager
def virtuoso_server(folder: Path) -> Iterator[str]:
    """A throwaway Virtuoso on 127.0.0.1 with its database in ``folder``; yield its HTTP base.

    The SQL and HTTP ports are free ports; the ``dba``/``dba`` account is Virtuoso's default,
    fit only for an instance that lives as long as a test."""
    exe = virtuoso_exe()
    assert exe, "virtuoso-t is not installed (Debian: apt-get install virtuoso-opensource)"
    folder.mkdir(parents=True, exist_ok=True)
    text = VIRTUOSO_INI.read_text(encoding="utf-8")
    text = text.replace("/var/lib/virtuoso-opensource-7/db/", f"{folder}/")
    sql, http = free_port(), free_port()
    text = re.sub(r"(\[Parameters\][^\[]*?ServerPort\s*=\s*)\S+", rf"\g<1>127.0.0.1:{sql}", text)
    text = re.sub(r"(\[HTTPServer\][^\[]*?ServerPort\s*=\s*)\S+", rf"\g<1>127.0.0.1:{http}", text)
    text = re.sub(r"(DirsAllowed\s*=\s*)(.*)", rf"\g<1>\g<2>, {folder}", text)
    ini = folder / "virtuoso.ini"
    ini.write_text(text, encoding="utf-8")
    process = subprocess.Popen(
        [exe, "+foreground", "+configfile", str(ini)],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{http}"
    try:
        _wait(base + "/sparql", process, seconds=120)
        yield base
    finally:
        _stop(process)


#: Debian's Jena 4.5 (ARQ, RIOT, TDB2, SHACL; no Fuseki server).
JENA_PACKAGE = "libapache-jena-java"


def jena_installed() -> bool:
    """Whether Debian's Jena and a ``java`` to run it are here."""
    if which("java") is None or which("dpkg-query") is None:
        return False
    status = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", JENA_PACKAGE], capture_output=True, text=True
    )
    return status.returncode == 0 and "install ok installed" in status.stdout


def jena_java(folder: Path) -> list[str]:
    """``java -cp …`` for Jena's commands: Debian's Jena jars, its Java dependencies, a fix.

    As packaged, every Jena command dies at start-up (ExceptionInInitializerError in
    XSSimpleTypeDecl): Debian moved the Xerces classes to the package ``xerces.*`` but left
    their ``.properties`` under ``org/apache/jena/ext/xerces/``; a copy in ``folder`` where
    the classes look for them fixes it (../shared/design/engines.md). One SLF4J binding only.
    """
    fix = folder / "jena-fix"
    prefix = "org/apache/jena/ext/xerces/impl/"
    with zipfile.ZipFile("/usr/share/java/jena-core.jar") as jar:
        for member in jar.namelist():
            if member.startswith(prefix) and not member.endswith("/"):
                target = fix / "xerces" / "impl" / member[len(prefix) :]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(member))
    packages, pending = set(), [JENA_PACKAGE]
    while pending:
        package = pending.pop()
        if package in packages:
            continue
        packages.add(package)
        depends = subprocess.run(
            ["dpkg-query", "-W", "-f=${Depends}", package], capture_output=True, text=True
        ).stdout
        for alternative in filter(None, re.split(r",\s*", depends)):
            name = alternative.split("|")[0].split()[0].split(":")[0]
            if name.endswith("-java"):
                pending.append(name)
    jars = set()
    for package in packages:
        listed = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True).stdout
        for path in listed.split():
            jar = Path(path)
            wanted = jar.suffix == ".jar" and jar.parent == Path("/usr/share/java")
            # one SLF4J binding (added below), and each jar once (not its versioned link)
            if wanted and "slf4j" not in jar.name and not re.search(r"-\d[\d.]*\.jar$", jar.name):
                jars.add(str(jar))
    jars |= {"/usr/share/java/slf4j-api.jar", "/usr/share/java/slf4j-simple.jar"}
    return ["java", "-cp", ":".join([str(fix), *sorted(jars)])]
