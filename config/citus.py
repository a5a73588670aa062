"""A Citus cluster (a coordinator and two workers) on this machine, for `make test-citus`.

`python config/citus.py build` builds Citus from the vendored source tarball
(`CITUS_TARBALL`, by default `../shared/vendor/citus-13.2.2.tar.gz` beside the repository)
and installs it into the embedded PostgreSQL 16 of the `pgserver` package. The build lives
under `.stacks/citus-build/build-<checksum>/` and is redone only when the tarball changes.

`python config/citus.py run [--profile citus] [--keep] -- CMD ...` builds if needed, starts a
coordinator and two workers from fresh data folders under `.stacks/<profile>/nodes/` (kept
from the last run with `--keep`) on free loopback ports, makes
the `stacks` and `test_stacks` databases on every node with the extension and the workers
registered, runs CMD with `DATABASE_URL` naming the coordinator (and `STACKS_CITUS=1`,
`STACKS_CITUS_NODES` the nodes' `host:port` list, coordinator first) through
`config/embedded.py` (for Redis when `REDIS_URL` is unset), and stops the nodes when it ends.

It runs as a script, as config/embedded.py does.
"""

import argparse
import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TARBALL = ROOT.parent / "shared" / "vendor" / "citus-13.2.2.tar.gz"
CACHE = ROOT / ".stacks" / "citus-build"
DATABASES = ("stacks", "test_stacks")
# Debian packages the build needs (headers of the compression libraries Citus links).
BUILD_PACKAGES = {
    "build-essential": "/usr/bin/make",
    "libzstd-dev": "/usr/include/zstd.h",
    "liblz4-dev": "/usr/include/lz4.h",
}


def _pg_bin() -> Path:
    import pgserver

    return Path(pgserver.__file__).parent / "pginstall" / "bin"


def _pg_config(option: str) -> str:
    return subprocess.check_output([str(_pg_bin() / "pg_config"), option], text=True).strip()


def _tarball() -> Path:
    tarball = Path(os.environ.get("CITUS_TARBALL") or DEFAULT_TARBALL).resolve()
    if not tarball.is_file():
        raise SystemExit(f"Citus source not found at {tarball}; set CITUS_TARBALL.")
    return tarball


def _checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _build_packages_ensure() -> None:
    missing = [name for name, probe in BUILD_PACKAGES.items() if not Path(probe).exists()]
    if not shutil.which("gcc"):
        missing.append("build-essential")
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit(f"Building Citus needs these Debian packages: {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *sorted(set(missing))],
        check=True,
        env=env,
    )


def citus_build() -> None:
    """Build and install Citus into pgserver's PostgreSQL unless this tarball's build is there."""
    tarball = _tarball()
    checksum = _checksum(tarball)
    marker = Path(_pg_config("--pkglibdir")) / "citus.stacks-build"
    if marker.exists() and marker.read_text().strip() == checksum:
        return
    build_dir = CACHE / f"build-{checksum}"
    source = build_dir / tarball.name.removesuffix(".tar.gz")
    built = source / "src" / "backend" / "distributed" / "citus.so"
    if not built.exists():
        _build_packages_ensure()
        shutil.rmtree(build_dir, ignore_errors=True)
        build_dir.mkdir(parents=True)
        with tarfile.open(tarball) as archive:
            archive.extractall(build_dir, filter="data")
        print(f"building Citus in {source} (about a minute)", file=sys.stderr)
        log = (build_dir / "build.log").open("w")
        pg_config = str(_pg_bin() / "pg_config")
        try:
            subprocess.run(
                ["./configure", f"PG_CONFIG={pg_config}", "--without-libcurl"],
                cwd=source, check=True, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            jobs = str(max(1, os.cpu_count() or 1))
            subprocess.run(
                ["make", f"-j{jobs}"], cwd=source, check=True, stdout=log, stderr=subprocess.STDOUT
            )
        except subprocess.CalledProcessError as error:
            raise SystemExit(f"Citus build failed; see {build_dir / 'build.log'}") from error
    with (build_dir / "install.log").open("w") as log:
        subprocess.run(
            ["make", "install"], cwd=source, check=True, stdout=log, stderr=subprocess.STDOUT
        )
    marker.write_text(checksum + "\n")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _system_user() -> str | None:
    """PostgreSQL refuses to run as root: run it as pgserver's unprivileged user then."""
    if os.geteuid() != 0:
        return None
    from pgserver.utils import ensure_user_exists

    ensure_user_exists("pgserver")
    return "pgserver"


class Node:
    """One PostgreSQL server with Citus preloaded, on a loopback port."""

    def __init__(self, name: str, data_root: Path, user: str | None) -> None:
        self.name = name
        self.data = data_root / name
        self.user = user
        self.existing = (self.data / "PG_VERSION").exists()
        # A kept node comes back on its port: the coordinator knows its workers by port.
        self.port = self._configured_port() if self.existing else _free_port()

    def _configured_port(self) -> int:
        lines = (self.data / "postgresql.conf").read_text().splitlines()
        return int([line for line in lines if line.startswith("port = ")][-1].split()[-1])

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [str(_pg_bin() / program), *args],
            check=True, user=self.user, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip

    def start(self) -> None:
        if self.existing:
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.data / "log"), "-w", "start")
            return
        self._run("initdb", "-D", str(self.data), "--auth=trust", "-U", "postgres", "-E", "utf8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# Citus node for make test-citus\n"
                "shared_preload_libraries = 'citus'\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.data}'\n"
                "max_connections = 300\n"
                "max_prepared_transactions = 300\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                "wal_level = logical\n"
                "max_wal_senders = 20\n"
                "max_replication_slots = 20\n"
                "citus.shard_replication_factor = 1\n"
            )
            if self.name == "coordinator":
                # SET LOCAL (the search terms' and the import's lock_timeout) reaches the
                # workers, where a library's rows are locked. On the coordinator only: a
                # worker that also passes it on breaks the coordinator's LOCK of its tables.
                conf.write("citus.propagate_set_commands = 'local'\n")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.data / "log"), "-w", "start")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def sql(self, database: str, statement: str) -> str:
        return subprocess.check_output(
            [str(_pg_bin() / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", database, "-v", "ON_ERROR_STOP=1", "-qtAc", statement],
            text=True,
        ).strip()  # fmt: skip


@contextlib.contextmanager
def cluster(profile: str, *, workers: int = 2, fresh: bool = True) -> Iterator[list[Node]]:
    """A coordinator and `workers` workers with their data in `.stacks/<profile>/`, started
    from fresh data (or from the kept data unless `fresh`), stopped afterwards."""
    citus_build()
    data_root = ROOT / ".stacks" / profile / "nodes"
    if fresh:
        shutil.rmtree(data_root, ignore_errors=True)
    data_root.mkdir(parents=True, exist_ok=True)
    user = _system_user()
    if user:
        import pwd

        entry = pwd.getpwnam(user)
        os.chown(data_root, entry.pw_uid, entry.pw_gid)
        for parent in data_root.parents:
            if parent == Path("/"):
                break
            with contextlib.suppress(PermissionError):
                parent.chmod(parent.stat().st_mode | 0o011)
    nodes = [Node("coordinator", data_root, user)]
    nodes += [Node(f"worker{number}", data_root, user) for number in range(1, workers + 1)]
    try:
        for node in nodes:
            node.start()
        coordinator = nodes[0]
        for database in DATABASES if not coordinator.existing else ():
            for node in nodes:
                node.sql("postgres", f"CREATE DATABASE {database}")
                node.sql(database, "CREATE EXTENSION citus")
            coordinator.sql(
                database, f"SELECT citus_set_coordinator_host('127.0.0.1', {coordinator.port})"
            )
            for node in nodes[1:]:
                coordinator.sql(database, f"SELECT citus_add_node('127.0.0.1', {node.port})")
        yield nodes
    finally:
        for node in reversed(nodes):
            node.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("build", help="build and install Citus if this source's build is missing")
    run = sub.add_parser("run", help="run a command against a fresh Citus cluster")
    run.add_argument("--profile", default="citus", help="data folder under .stacks/")
    run.add_argument("--workers", type=int, default=2)
    run.add_argument("--keep", action="store_true", help="keep the nodes' data between runs")
    run.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.action == "build":
        citus_build()
        return 0
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("run needs a command after --")
    with cluster(args.profile, workers=args.workers, fresh=not args.keep) as nodes:
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{nodes[0].port}/stacks",
            "STACKS_CITUS": "1",
            "STACKS_CITUS_NODES": ",".join(f"127.0.0.1:{node.port}" for node in nodes),
        }
        print(f"Citus coordinator and workers: {env['STACKS_CITUS_NODES']}", file=sys.stderr)
        embedded = [sys.executable, str(ROOT / "config" / "embedded.py"), "run"]
        child = subprocess.Popen([*embedded, "--profile", args.profile, "--", *command], env=env)
        signal.signal(signal.SIGINT, lambda *_: None)
        signal.signal(signal.SIGTERM, lambda *_: child.terminate())
        return child.wait()


if __name__ == "__main__":
    sys.exit(main())
