"""The command line: parse, build config + store + clock, then run the app or one subcommand.

Errors print one plain line on standard error and exit non-zero; nothing is left half written.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from gmassist import __version__, i18n, paths
from gmassist.clock import Clock, SystemClock
from gmassist.config import Settings
from gmassist.errors import GmassistError, InvalidInput, NeedSecret, StoreNotFound
from gmassist.i18n import _

Command = Callable[[argparse.Namespace, Settings, Clock], int]

COMMAND_MODULES: list[str] = ["gmassist.commands.followups", "gmassist.commands.capture"]
"""Modules that add the commands of one area; each has `register(add)`, where
`add(name, func, help) -> argparse.ArgumentParser` adds one subcommand (see build_parser)."""
COMMAND_MODULES.append("gmassist.commands.brief")
COMMAND_MODULES.append("gmassist.commands.agenda")
COMMAND_MODULES.append("gmassist.commands.ics")
COMMAND_MODULES.append("gmassist.commands.board")
COMMAND_MODULES.append("gmassist.commands.inbox")


# --- asking for secrets ----------------------------------------------------------------------------


def _interactive() -> bool:
    return sys.stdin.isatty() and not os.environ.get("CI")


def ask_secret(prompt: str) -> str:
    """Read a secret from the terminal without echo; InvalidInput when there is no terminal."""
    if not _interactive():
        raise NeedSecret(_("a passphrase is needed: set GMASSIST_PASSPHRASE or GMASSIST_PASSPHRASE_FILE"))
    return getpass.getpass(prompt)


def ask_new_passphrase(what: str | None = None) -> str:
    """A new passphrase: GMASSIST_NEW_PASSPHRASE for scripts, else typed twice."""
    env = os.environ.get("GMASSIST_NEW_PASSPHRASE")
    if env:
        return env
    first = ask_secret(what or _("New passphrase: "))
    if ask_secret(_("Repeat it: ")) != first:
        raise InvalidInput(_("the two passphrases differ"), "passphrase")
    return first


def ask_recovery_key() -> str:
    """The recovery key: GMASSIST_RECOVERY_KEY for scripts, else typed."""
    env = os.environ.get("GMASSIST_RECOVERY_KEY")
    if env:
        return env
    if not _interactive():
        raise NeedSecret(_("the recovery key is needed: set GMASSIST_RECOVERY_KEY"))
    return input(_("Recovery key: "))


def open_store(
    args: argparse.Namespace, settings: Settings, clock: Clock, *, check: bool = True, reader: bool = False
) -> Any:
    """Open the chosen store, asking for the passphrase when the keyring cannot open it; `reader`: the light
    read-only reader when it can read the store (see `services.open_reader`)."""
    from gmassist import services

    root = paths.resolve_store(args.store)

    def opened(passphrase: str | None = None) -> Any:
        if reader:
            return services.open_reader(root, settings, clock, passphrase=passphrase)
        return services.open_store(root, settings, clock, passphrase=passphrase, check=check)

    try:
        return opened()
    except NeedSecret as exc:
        if not _interactive():
            raise
        print(exc, file=sys.stderr)
        return opened(ask_secret(_("Passphrase: ")))


def unlock_confidential(store: Any) -> None:
    """Unlock confidential items for a command that asked for them (--include-confidential)."""
    from gmassist import services

    try:
        services.unlock_confidential(store, passphrase=None)
    except NeedSecret:
        passphrase = os.environ.get("GMASSIST_CONFIDENTIAL_PASSPHRASE") or services.passphrase_from_env()
        if passphrase is None:
            passphrase = ask_secret(_("Confidential passphrase: "))
        services.unlock_confidential(store, passphrase=passphrase)


# --- commands --------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Open the TUI on the chosen store."""
    from gmassist.tui.app import run_app

    return run_app(paths.resolve_store(args.store), settings, clock)


def cmd_init(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Create a new store and show its recovery key once."""
    from gmassist import services

    root = paths.resolve_store(args.store)
    passphrase = None
    if args.passphrase:
        passphrase = ask_new_passphrase()
    else:
        problem = services.keyring_problem(settings)
        if problem is not None:
            print(problem, file=sys.stderr)
            passphrase = services.passphrase_from_env() or ask_new_passphrase()
    store, recovery, _problem = services.create_store(
        root, settings, clock, passphrase=passphrase, use_keyring=not args.passphrase
    )
    store.close()
    how = _("the passphrase") if passphrase else _("the OS keyring")
    print(_("Created a store at {path}; it opens with {how}.").format(path=root, how=how))
    print_recovery(recovery)
    return 0


def print_recovery(recovery: str) -> None:
    """Show the recovery key with what it is for."""
    print()
    print(_("Recovery key (shown only now; write it down and keep it apart from this computer):"))
    print()
    print("    " + recovery)
    print()
    print(
        _("It alone reopens the store on a new machine. Lose it and every other key, and the data is lost.")
    )


def cmd_demo(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Build a demo store (and open it unless --no-tui)."""
    from gmassist import services
    from gmassist.store import demo

    root = Path(args.store).expanduser().resolve() if args.store else paths.demo_store()
    passphrase = None
    if (root / "keys.json").exists():
        if args.size is not None:
            raise GmassistError(
                _("a store already exists at {path}; choose another --store").format(path=root)
            )
        print(_("Opening the existing demo store at {path}").format(path=root))
    else:
        problem = services.keyring_problem(settings)
        if problem is not None:
            passphrase = demo.demo_passphrase()
        store, _recovery, _problem = services.create_store(
            root, settings, clock, passphrase=passphrase, use_keyring=problem is None
        )
        try:
            rows = demo.populate(store, args.size or 300)
        finally:
            store.close()
        print(_("Demo store with {rows} records at {path}").format(rows=rows, path=root))
        if passphrase:
            print(_("No native keyring here; the demo store's passphrase is: {p}").format(p=passphrase))
    if args.no_tui:
        return 0
    from gmassist.tui.app import run_app

    return run_app(root, settings, clock, passphrase=passphrase or _demo_env_passphrase(root))


def _demo_env_passphrase(root: Path) -> str | None:
    from gmassist.store.demo import demo_passphrase
    from gmassist.store.keys import KeyFile

    kinds = KeyFile.load(root / "keys.json").kinds("store")
    return demo_passphrase() if kinds == ["passphrase", "recovery"] and root == paths.demo_store() else None


def cmd_export(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Write the store as JSON (confidential items only with --include-confidential)."""
    from gmassist.store import transfer

    store = open_store(args, settings, clock)
    try:
        if args.include_confidential:
            unlock_confidential(store)
        data = transfer.export_data(store, include_confidential=args.include_confidential)
    finally:
        store.close()
    write_output(args.output, transfer.dumps(data))
    if data["left_out"]:
        print(
            _("{n} confidential rows left out (use --include-confidential)").format(n=data["left_out"]),
            file=sys.stderr,
        )
    return 0


def write_output(target: str | None, text: str) -> None:
    """Write to a file (0600, atomically) or to standard output."""
    if not target or target == "-":
        sys.stdout.write(text)
        return
    path = Path(target).expanduser()
    tmp = path.with_name(path.name + ".part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise GmassistError(_("cannot write {path}: {error}").format(path=path, error=exc.strerror)) from exc


def cmd_import(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Load an export into an empty store."""
    from gmassist.store import transfer

    try:
        data = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InvalidInput(_("no such file: {path}").format(path=args.file)) from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(_("cannot read {path}: {error}").format(path=args.file, error=exc)) from exc
    store = open_store(args, settings, clock)
    try:
        if isinstance(data, dict) and data.get("includes_confidential"):
            unlock_confidential(store)
        counts = transfer.import_data(store, data)
    finally:
        store.close()
    print(_("Imported {n} rows.").format(n=sum(counts.values())))
    return 0


def cmd_doctor(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Check the keyring, the store's files, keys, schema and integrity; exit 1 on a problem."""
    from gmassist import services
    from gmassist.paths import StorePaths
    from gmassist.store.db import SCHEMA_VERSION
    from gmassist.store.keys import KeyFile

    report = services.DoctorReport()
    problem = services.keyring_problem(settings)
    if problem is None:
        import keyring

        backend = keyring.get_keyring()
        report.add(_("keyring"), f"{type(backend).__module__}.{type(backend).__name__}")
    else:
        report.add(_("keyring"), problem)
    root = paths.resolve_store(args.store)
    store_paths = StorePaths(root)
    report.add(_("store"), str(root))
    for line in services.permissions_problems(store_paths):
        report.add(_("permissions"), line, problem=True)
    try:
        keyfile = KeyFile.load(store_paths.keyfile)
        report.add(
            _("key file"),
            _("intact; store opens with: {kinds}").format(kinds=", ".join(keyfile.kinds("store"))),
        )
        store = open_store(args, settings, clock)
    except GmassistError as exc:
        report.add(_("store"), str(exc), problem=True)
        return _print_report(report)
    try:
        with store.engine.connect() as connection:
            from gmassist.store.db import schema_version

            version = schema_version(connection) if not store.damage else None
        report.add(
            _("schema"), _("version {v} (this program: {ours})").format(v=version, ours=SCHEMA_VERSION)
        )
        report.add(_("lock state"), _("store unlocked; confidential items locked"))
        if store.damage:
            for line in store.damage[:20]:
                report.add(_("integrity"), line, problem=True)
        else:
            report.add(_("integrity"), _("ok"))
    finally:
        store.close()
    return _print_report(report)


def print_pairs(rows: Sequence[tuple[str, object]]) -> None:
    """Print label/value lines with the labels padded by terminal cells, so Chinese labels line up."""
    from rich.cells import cell_len

    width = max((cell_len(label) for label, _value in rows), default=0)
    for label, value in rows:
        print(f"{label}{' ' * (width - cell_len(label))}  {value}")


def _print_report(report: Any) -> int:
    print_pairs(report.lines)
    if report.problems:
        print(_("{n} problem(s) found").format(n=len(report.problems)), file=sys.stderr)
        return 1
    return 0


def cmd_locate(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Print every path gmassist uses."""
    from gmassist.paths import StorePaths

    store_paths = StorePaths(paths.resolve_store(args.store))
    rows = [
        (_("config"), paths.config_file()),
        (_("data folder"), paths.data_dir()),
        (_("store"), store_paths.root),
        (_("database"), store_paths.database),
        (_("key file"), store_paths.keyfile),
        (_("demo store"), paths.demo_store()),
        (
            _("inbox folder"),
            Path(settings.inbox.watch_folder).expanduser()
            if settings.inbox.watch_folder
            else paths.data_dir() / "inbox",
        ),
        (_("keyring"), _("service 'gmassist', one entry per store id")),
    ]
    print_pairs(rows)
    return 0


def cmd_lock(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Ask the running app on this store to lock confidential items and truncate its WAL."""
    from gmassist.paths import StorePaths

    pidfile = StorePaths(paths.resolve_store(args.store)).pidfile
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, signal.SIGUSR1)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        print(_("No running gmassist on this store; nothing to lock."))
        return 0
    print(_("Asked gmassist (process {pid}) to lock.").format(pid=pid))
    return 0


def cmd_rekey(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Change the passphrase, or move between keyring and passphrase, without re-encrypting data."""
    from gmassist import services

    root = paths.resolve_store(args.store)
    try:
        keyfile, store_key, conf_key = services.unwrap_both(root, settings)
    except NeedSecret as exc:
        if exc.target == "store":
            passphrase = ask_secret(_("Current passphrase: "))
            keyfile, store_key, conf_key = services.unwrap_both(root, settings, passphrase=passphrase)
        else:
            keyfile, store_key, conf_key = services.unwrap_both(
                root, settings, confidential_passphrase=ask_secret(_("Confidential passphrase: "))
            )
    to = args.to
    if to is None and not args.confidential_passphrase:
        to = "passphrase" if "passphrase" in keyfile.kinds("store") else "keyring"
    new_passphrase = ask_new_passphrase() if to == "passphrase" else None
    conf_passphrase = None
    if args.confidential_passphrase:
        conf_passphrase = os.environ.get("GMASSIST_NEW_CONFIDENTIAL_PASSPHRASE") or ask_new_passphrase(
            _("New confidential passphrase: ")
        )
    for line in services.rewrap(
        root,
        settings,
        store_key=store_key,
        confidential_key=conf_key,
        keyfile=keyfile,
        to=to,
        new_passphrase=new_passphrase,
        confidential_passphrase=conf_passphrase,
    ):
        print(line)
    return 0


def cmd_recover(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Open the store with the recovery key and give it a new keyring entry or passphrase."""
    from gmassist import services

    root = paths.resolve_store(args.store)
    if not (root / "keys.json").exists():
        raise StoreNotFound(_("no store at {path}").format(path=root))
    recovery = ask_recovery_key()
    keyfile, store_key, conf_key = services.unwrap_both(root, settings, recovery=recovery)
    to = "passphrase" if args.passphrase or services.keyring_problem(settings) else "keyring"
    new_passphrase = ask_new_passphrase() if to == "passphrase" else None
    for line in services.rewrap(
        root,
        settings,
        store_key=store_key,
        confidential_key=conf_key,
        keyfile=keyfile,
        to=to,
        new_passphrase=new_passphrase,
    ):
        print(line)
    return 0


# --- parsing ---------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="gmassist", description=_("A terminal workstation for the assistant to a general manager.")
    )
    parser.add_argument("--version", action="version", version=f"gmassist {__version__}")
    parser.add_argument(
        "--store", metavar="PATH", help=_("the store folder (else GMASSIST_STORE, else the data folder)")
    )
    parser.set_defaults(func=cmd_run)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func: Command, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.add_argument("--store", metavar="PATH", default=argparse.SUPPRESS, help=_("the store folder"))
        command.set_defaults(func=func)
        return command

    init = add("init", cmd_init, _("create a new encrypted store"))
    init.add_argument(
        "--passphrase", action="store_true", help=_("use a passphrase instead of the OS keyring")
    )
    demo = add("demo", cmd_demo, _("build a demo store and open it"))
    demo.add_argument("--size", type=int, metavar="N", help=_("about N records (100000 for benchmarks)"))
    demo.add_argument("--no-tui", action="store_true", help=_("build it without opening the app"))
    export = add("export", cmd_export, _("export the store as JSON"))
    export.add_argument("--format", choices=["json"], default="json")
    export.add_argument(
        "--include-confidential", action="store_true", help=_("include confidential items, in the clear")
    )
    export.add_argument("-o", "--output", metavar="FILE", help=_("write here instead of standard output"))
    imp = add("import", cmd_import, _("import a JSON export into an empty store"))
    imp.add_argument("file", metavar="FILE.json")
    add("doctor", cmd_doctor, _("check the keyring, the store and its integrity"))
    add("locate", cmd_locate, _("print every path gmassist uses"))
    add("lock", cmd_lock, _("lock the running app's confidential items and truncate its WAL"))
    rekey = add("rekey", cmd_rekey, _("change the passphrase or move between keyring and passphrase"))
    rekey.add_argument(
        "--to", choices=["keyring", "passphrase"], help=_("what the store opens with afterwards")
    )
    rekey.add_argument(
        "--confidential-passphrase",
        action="store_true",
        help=_("give confidential items their own passphrase"),
    )
    recover = add("recover", cmd_recover, _("open the store with the recovery key and set a new wrapper"))
    recover.add_argument(
        "--passphrase", action="store_true", help=_("set a passphrase instead of a keyring entry")
    )
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(add)
    return parser


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None, out: TextIO | None = None) -> int:
    """Entry point of the `gmassist` console script; returns the exit code."""
    from gmassist import config

    try:
        settings = config.load(paths.config_file())
    except GmassistError as exc:
        i18n.setup(None)
        print(f"gmassist: {exc}", file=sys.stderr)
        return exc.exit_code
    i18n.setup(settings.language)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "store"):
        args.store = None
    try:
        code = int(args.func(args, settings, clock or SystemClock()))
        sys.stdout.flush()  # a closed pipe shows here, not as a traceback at exit
        return code
    except GmassistError as exc:
        print(f"gmassist: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`gmassist agenda | head`): stop quietly, as other command-line tools do;
        # what is still buffered goes nowhere instead of failing again at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:
        if os.environ.get("GMASSIST_DEBUG"):
            raise
        print(
            f"gmassist: internal error: {type(exc).__name__}: {exc} (GMASSIST_DEBUG=1 shows more)",
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":
    sys.exit(main())
