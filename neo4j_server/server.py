"""Start and stop a real Neo4j Community server (5.26.x: Bolt, and HTTP with Neo4j Browser) for
ror-graph.

The jars come from Maven Central through ``pom.xml`` beside this file; ``Launcher.java`` runs them
with Java 17's single-file source launcher, through Neo4j's own ``CommunityBootstrapper``. Only the standard library and the ``neo4j`` driver are
used, and this file is importable by path (it is not part of a package)::

    spec = importlib.util.spec_from_file_location("neo4j_server", "neo4j_server/server.py")
    server = importlib.util.module_from_spec(spec); spec.loader.exec_module(server)
    info = server.start()          # free ports, fresh temporary home
    ...                            # info.browser_url: Neo4j Browser (http_port=0 turns HTTP off)
    ...                            # info.uri, info.user, info.password
    server.stop(info)              # terminates, waits, removes the temporary home

Command line::

    python neo4j_server/server.py fetch            # download the jars (skipped when present)
    eval "$(python neo4j_server/server.py start)"  # prints export NEO4J_URI=... lines
    python neo4j_server/server.py status
    python neo4j_server/server.py stop

Environment: ROR_NEO4J_CACHE (default ~/.cache/ror-graph), ROR_NEO4J_LIB (jar folder, default
$ROR_NEO4J_CACHE/neo4j-<version>/lib), ROR_NEO4J_STATE (CLI state file, default
$ROR_NEO4J_CACHE/neo4j-server.json), ROR_NEO4J_PASSWORD (default "ror-graph-test"),
ROR_NEO4J_JAVA (java executable; else $JAVA_HOME/bin/java, else java on PATH).
"""

import argparse
import dataclasses
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
LAUNCHER = HERE / "Launcher.java"

USER = "neo4j"
DEFAULT_PASSWORD = "ror-graph-test"
DEFAULT_CLI_PORT = 7687
DEFAULT_HTTP_PORT = 7474
READY_PREFIX = "NEO4J READY "
BROWSER_PREFIX = "NEO4J BROWSER "
GUIDE_PREFIX = "NEO4J GUIDE "
GUIDE_FILE = "ror-graph.html"

# Flags from Neo4j's own neo4j.conf, plus a small heap (the page cache is set in Launcher.java).
JVM_FLAGS = [
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Xmx1g",
]

_children: dict[int, subprocess.Popen] = {}  # servers started by this process, to reap them


class Neo4jServerError(RuntimeError):
    """The server could not be fetched, started or stopped; the message says why."""


@dataclasses.dataclass(frozen=True)
class ServerInfo:
    uri: str
    user: str
    password: str
    pid: int
    home: str
    log_path: str
    temporary: bool = False  # home was created by start() and is removed by stop()
    browser_url: str = ""  # Neo4j Browser, http://127.0.0.1:<port>/browser/ ("" with HTTP off)
    guide_url: str = ""  # the ror-graph guide for Browser's :play ("" when not served)

    @property
    def port(self) -> int:
        return int(self.uri.rsplit(":", 1)[1])

    def env(self) -> dict[str, str]:
        """The connection settings under the names Neo4j's own tools use."""
        return {
            "NEO4J_URI": self.uri,
            "NEO4J_USERNAME": self.user,
            "NEO4J_PASSWORD": self.password,
            "NEO4J_DATABASE": "neo4j",
        }


# --- paths and versions -----------------------------------------------------------------------


def neo4j_version() -> str:
    """The Neo4j version pinned in pom.xml."""
    match = re.search(r"<neo4j\.version>([^<]+)</neo4j\.version>", POM.read_text())
    if not match:
        raise Neo4jServerError(f"no <neo4j.version> in {POM}")
    return match.group(1).strip()


def cache_dir() -> Path:
    return Path(os.environ.get("ROR_NEO4J_CACHE") or Path.home() / ".cache" / "ror-graph")


def lib_dir() -> Path:
    env = os.environ.get("ROR_NEO4J_LIB")
    return Path(env) if env else cache_dir() / f"neo4j-{neo4j_version()}" / "lib"


def state_path() -> Path:
    env = os.environ.get("ROR_NEO4J_STATE")
    return Path(env) if env else cache_dir() / "neo4j-server.json"


def default_password() -> str:
    return os.environ.get("ROR_NEO4J_PASSWORD") or DEFAULT_PASSWORD


# --- Java and the jars ------------------------------------------------------------------------


def java_command() -> str | None:
    """The java executable to use, or None."""
    if os.environ.get("ROR_NEO4J_JAVA"):
        return os.environ["ROR_NEO4J_JAVA"]
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    return shutil.which("java")


def java_major_version(java: str | None = None) -> int | None:
    java = java or java_command()
    if not java:
        return None
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if out.returncode != 0 or not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def java_available() -> bool:
    """True when a Java 17 or newer runtime is there to run Neo4j 5.26."""
    major = java_major_version()
    return major is not None and major >= 17


def browser_version() -> str:
    """The Neo4j Browser version pinned in pom.xml."""
    match = re.search(r"<neo4j\.browser\.version>([^<]+)</neo4j\.browser\.version>", POM.read_text())
    if not match:
        raise Neo4jServerError(f"no <neo4j.browser.version> in {POM}")
    return match.group(1).strip()


def jars_present(lib: Path | None = None) -> bool:
    lib = lib or lib_dir()
    return (lib / f"neo4j-{neo4j_version()}.jar").is_file() and (lib / f"neo4j-browser-{browser_version()}.jar").is_file()


def fetch_jars(lib: Path | None = None, quiet: bool = True) -> Path:
    """Copy Neo4j's runtime jars from Maven Central into ``lib`` (skipped when present)."""
    lib = Path(lib) if lib else lib_dir()
    if jars_present(lib):
        return lib
    mvn = shutil.which("mvn")
    if not mvn:
        raise Neo4jServerError("Maven (mvn) is not installed; it is needed once to fetch the jars")
    cmd = [mvn, "-B", "-Dstyle.color=never", "-f", str(POM), "dependency:copy-dependencies", f"-Dneo4j.lib.dir={lib}"]
    if quiet:
        cmd.insert(1, "-q")
    result = subprocess.run(cmd, capture_output=quiet, text=True)
    if result.returncode != 0 or not jars_present(lib):
        tail = "\n".join(((result.stdout or "") + (result.stderr or "")).splitlines()[-30:])
        raise Neo4jServerError(f"fetching the Neo4j jars failed ({' '.join(cmd)}):\n{tail}")
    return lib


# --- processes and ports ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:port (TIME_WAIT leftovers do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _alive(pid: int) -> bool:
    """True while ``pid`` runs and is one of our launchers (guards against a reused pid)."""
    proc = _children.get(pid)
    if proc is not None:
        return proc.poll() is None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return b"Launcher.java" in cmdline and state != "Z"


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- start / stop -----------------------------------------------------------------------------


def start(
    port: int | None = None,
    home: str | os.PathLike | None = None,
    timeout: float = 180,
    password: str | None = None,
    detach: bool = False,
    http_port: int | None = None,
    guide: bool = True,
    jvm_flags: tuple[str, ...] = (),
) -> ServerInfo:
    """Start a server on 127.0.0.1 and wait until Bolt accepts our credentials.

    port: the Bolt port; None picks a free one. http_port: Neo4j Browser's HTTP port; None picks
    a free one, 0 turns HTTP off. guide: also serve the ror-graph Browser guide (written from
    the shipped queries when the ror_graph package can be imported) on another free port.
    home: None makes a temporary one, removed by stop(). detach: False ties the server to this
    Python process (it exits when this process dies); True lets it outlive this process (the
    CLI uses that). jvm_flags: more JVM flags, after the defaults (a later -Xmx wins).
    Raises Neo4jServerError on failure.
    """
    java = java_command()
    if not java or not java_available():
        raise Neo4jServerError("Java 17 or newer is needed to run Neo4j (set ROR_NEO4J_JAVA or JAVA_HOME)")
    lib = fetch_jars()
    password = password or default_password()
    for wanted in (port, http_port):
        if wanted and not port_is_free(wanted):
            raise Neo4jServerError(f"port {wanted} on 127.0.0.1 is busy (another server is listening)")
    temporary = home is None
    home_path = Path(tempfile.mkdtemp(prefix="ror-graph-neo4j-")) if temporary else Path(home).resolve()
    home_path.mkdir(parents=True, exist_ok=True)
    guide_dir = write_guide(home_path / "guide") if guide and http_port != 0 else None
    for attempt in range(3):
        try:
            ports = (port or free_port(), free_port() if http_port is None else http_port,
                     free_port() if guide_dir else 0)
            return _start_once(java, lib, ports, home_path, temporary, password, timeout, detach, guide_dir,
                               tuple(jvm_flags))
        except _PortTaken:
            if (port is not None and http_port is not None) or attempt == 2:
                raise
    raise AssertionError("unreachable")


def write_guide(folder: Path) -> Path | None:
    """Write the ror-graph Browser guide into ``folder``; None when ror_graph is not importable."""
    try:
        from ror_graph.backends.neo4j.guide import guide_html
    except ImportError:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / GUIDE_FILE).write_text(guide_html(), encoding="utf-8")
    return folder


class _PortTaken(Neo4jServerError):
    pass


def _start_once(java: str, lib: Path, ports: tuple[int, int, int], home_path: Path, temporary: bool,
                password: str, timeout: float, detach: bool, guide_dir: Path | None,
                jvm_flags: tuple[str, ...]) -> ServerInfo:
    port, http_port, guide_port = ports
    log_path = home_path / "launcher.log"
    cmd = [java, *JVM_FLAGS, *jvm_flags, "-cp", f"{lib}/*", str(LAUNCHER), "--home", str(home_path),
           "--bolt-port", str(port), "--http-port", str(http_port)]
    if guide_dir is not None:
        cmd += ["--guide-dir", str(guide_dir), "--guide-port", str(guide_port)]
    if not detach:
        cmd += ["--watch-pid", str(os.getpid())]
    env = dict(os.environ, ROR_NEO4J_PASSWORD=password)
    with open(log_path, "wb") as log:  # one run per log; Neo4j keeps its own in home/logs
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                env=env, cwd=home_path, start_new_session=detach)
    _children[proc.pid] = proc
    info = ServerInfo(f"bolt://127.0.0.1:{port}", USER, password, proc.pid, str(home_path),
                      str(log_path), temporary,
                      browser_url=f"http://127.0.0.1:{http_port}/browser/" if http_port else "",
                      guide_url=f"http://127.0.0.1:{guide_port}/{GUIDE_FILE}" if guide_dir else "")
    try:
        _wait_ready(info, proc, log_path, time.monotonic() + timeout, timeout)
    except BaseException:
        stop(info, timeout=30, remove_home=False)  # keep the log to read
        raise
    return info


def _wait_ready(info: ServerInfo, proc: subprocess.Popen, log_path: Path, deadline: float,
                timeout: float) -> None:
    import neo4j  # imported here so that java_available() etc. work without the driver

    ready_line = READY_PREFIX + info.uri
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        code = proc.poll()
        if code is not None:
            log = _tail(log_path)
            if "Address already in use" in log_path.read_text(errors="replace"):
                raise _PortTaken(f"Neo4j could not start: a port it needs on 127.0.0.1 is busy; "
                                 f"last lines of {log_path}:\n{log}")
            raise Neo4jServerError(
                f"Neo4j exited during start-up (exit code {code}); last lines of {log_path}:\n{log}")
        if ready_line in log_path.read_text(errors="replace"):
            try:
                with neo4j.GraphDatabase.driver(info.uri, auth=(info.user, info.password)) as driver:
                    driver.verify_connectivity()
                return
            except neo4j.exceptions.AuthError as e:
                raise Neo4jServerError(f"Neo4j started but refused the password: {e}") from e
            except Exception as e:  # noqa: BLE001 - not ready yet; retried until the deadline
                last_error = e
        time.sleep(0.25)
    raise Neo4jServerError(
        f"Neo4j did not become ready within {timeout:.0f} s (last error: {last_error}); "
        f"last lines of {log_path}:\n{_tail(log_path)}")


def stop(info: ServerInfo | None = None, timeout: float = 60, remove_home: bool | None = None) -> bool:
    """Terminate the server (SIGTERM, then SIGKILL after ``timeout``) and wait until it is gone.

    info: None reads the CLI state file. remove_home: None removes it only when start() created it.
    Returns True when a running server was stopped.
    """
    if info is None:
        info = read_state()
        if info is None:
            return False
    pid = info.pid
    stopped = False
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(0.1)
        stopped = True
    proc = _children.pop(pid, None)
    if proc is not None:
        proc.wait()
    if remove_home if remove_home is not None else info.temporary:
        shutil.rmtree(info.home, ignore_errors=True)
    return stopped


def running(info: ServerInfo) -> bool:
    return _alive(info.pid)


# --- state file (CLI) -------------------------------------------------------------------------


def write_state(info: ServerInfo, path: Path | None = None) -> Path:
    path = Path(path) if path else state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(dataclasses.asdict(info), indent=2) + "\n")
    tmp.chmod(0o600)
    tmp.replace(path)
    return path


def read_state(path: Path | None = None) -> ServerInfo | None:
    path = Path(path) if path else state_path()
    try:
        return ServerInfo(**json.loads(path.read_text()))
    except FileNotFoundError:
        return None
    except (ValueError, TypeError) as e:
        raise Neo4jServerError(f"unreadable state file {path}: {e}") from e


def _exports(info: ServerInfo) -> str:
    lines = [f"export {k}={shlex.quote(v)}" for k, v in info.env().items()]
    if info.browser_url:
        lines.append(f"# Neo4j Browser: {info.browser_url} (user {info.user}, password in NEO4J_PASSWORD)")
    if info.guide_url:
        lines.append(f"# ror-graph guide, in Browser: :play {info.guide_url}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch", help="download the jars with Maven (skipped when present)")
    p_start = sub.add_parser("start", help="start a server in the background; print export lines")
    p_start.add_argument("--port", type=int, default=None,
                         help=f"Bolt port (default {DEFAULT_CLI_PORT} when free, else a free one; 0: a free one)")
    p_start.add_argument("--http-port", type=int, default=None,
                         help=f"Neo4j Browser's HTTP port (default {DEFAULT_HTTP_PORT} when free, else a free "
                              "one; 0: no HTTP, no Browser)")
    p_start.add_argument("--home", default=None, help="data and logs (default $ROR_NEO4J_CACHE/neo4j-home)")
    p_start.add_argument("--timeout", type=float, default=180)
    sub.add_parser("stop", help="stop the server recorded in the state file")
    sub.add_parser("status", help="show the server recorded in the state file; exit 1 if not running")
    args = parser.parse_args(argv)

    try:
        if args.command == "fetch":
            print(fetch_jars(quiet=False))
            return 0
        if args.command == "start":
            old = read_state()
            if old is not None and running(old):
                print(f"already running (pid {old.pid}), state in {state_path()}", file=sys.stderr)
                print(_exports(old))
                return 0
            port = args.port
            if port is None:
                port = DEFAULT_CLI_PORT if port_is_free(DEFAULT_CLI_PORT) else None
            elif port == 0:
                port = None
            http_port = args.http_port
            if http_port is None:
                http_port = DEFAULT_HTTP_PORT if port_is_free(DEFAULT_HTTP_PORT) else None
            home = args.home or cache_dir() / "neo4j-home"
            t0 = time.monotonic()
            info = start(port=port, home=home, timeout=args.timeout, detach=True, http_port=http_port)
            path = write_state(info)
            print(f"Neo4j {neo4j_version()} ready at {info.uri} in {time.monotonic() - t0:.1f} s "
                  f"(pid {info.pid}, log {info.log_path}, state {path})", file=sys.stderr)
            if info.browser_url:
                print(f"Neo4j Browser: {info.browser_url} (log in as {info.user} with NEO4J_PASSWORD)",
                      file=sys.stderr)
            print(_exports(info))
            return 0
        if args.command == "stop":
            info = read_state()
            if info is None:
                print(f"no server recorded in {state_path()}", file=sys.stderr)
                return 0
            was_running = stop(info)
            state_path().unlink(missing_ok=True)
            print(f"stopped pid {info.pid}" if was_running else f"pid {info.pid} was not running",
                  file=sys.stderr)
            return 0
        if args.command == "status":
            info = read_state()
            if info is None:
                print(f"no server recorded in {state_path()}")
                return 1
            alive = running(info)
            print(json.dumps({**dataclasses.asdict(info), "running": alive}, indent=2))
            return 0 if alive else 1
    except Neo4jServerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
