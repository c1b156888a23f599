"""The ``webchat-contract`` command.

Each subcommand is one ``_add_<name>(subcommands)`` function that registers its parser and sets ``handler``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """Bad input is one line on stderr and exit status 2, without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _fail(prog: str, message: str) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"invalid port {text!r} (0-65535, 0 for a free one)")
    return int(text)


def _positive_seconds(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"invalid number of seconds {text!r} (a whole number, at least 1)")
    return int(text)


def _add_serve(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "serve",
        help="serve the embedded reference target",
        description="Serve the reference target and print a ready target config (TOML) for it.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=_port, default=8080, help="port, 0 for a free one (default: %(default)s)")
    parser.add_argument(
        "--fault", action="append", default=[], metavar="NAME", help="turn on a fault switch (repeatable)"
    )
    parser.add_argument(
        "--misbehave",
        action="append",
        default=[],
        metavar="NAME",
        help="turn on a misbehaviour mode (hang, slow, drop-connection, ...; repeatable)",
    )
    parser.add_argument("--token-ttl", type=_positive_seconds, default=None, metavar="SECONDS", help="token lifetime")
    parser.add_argument(
        "--write-config", type=Path, metavar="PATH", help="write the target config to PATH instead of stdout"
    )
    parser.add_argument(
        "--list-faults",
        action="store_true",
        help="list the faults (with the requirement each breaks, and what else a run fails) and the misbehaviours, "
        "then exit",
    )
    parser.set_defaults(handler=_serve, prog=parser.prog)


def _list_faults() -> int:
    from webchat_contract.reference.faults import FAULTS
    from webchat_contract.reference.misbehaviours import MISBEHAVIOURS

    width = max(len(name) for name in [*FAULTS, *MISBEHAVIOURS])
    print(f"faults (--fault NAME; pytest --reference-fault NAME): {len(FAULTS)}")
    for fault in FAULTS.values():
        also = f" (a run also fails {', '.join(fault.also_fails)})" if fault.also_fails else ""
        print(f"  {fault.name:<{width}}  {fault.requirement:<22} {fault.description}{also}")
    print(f"misbehaviours (--misbehave NAME; pytest --reference-misbehave NAME): {len(MISBEHAVIOURS)}")
    for name, description in MISBEHAVIOURS.items():
        print(f"  {name:<{width}}  {description}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    if args.list_faults:
        return _list_faults()
    from webchat_contract.reference.faults import validate_faults
    from webchat_contract.reference.misbehaviours import validate_misbehaviours
    from webchat_contract.reference.principals import generate_principals
    from webchat_contract.reference.server import (
        DEFAULT_TOKEN_TTL,
        ServeError,
        run_server,
        target_config_toml,
        write_private_file,
    )

    try:
        faults = validate_faults(args.fault)
        misbehaviours = validate_misbehaviours(args.misbehave)
    except ValueError as error:
        return _fail(args.prog, str(error))
    principals = generate_principals()

    def on_ready(base_url: str) -> None:
        config = target_config_toml(base_url, principals)
        if args.write_config is None:
            print(config)
        else:
            try:
                write_private_file(args.write_config, config)
            except OSError as error:
                raise ServeError(f"cannot write {args.write_config}: {error.strerror or error}") from None
            print(f"# target config written to {args.write_config}")
        faulty = f" with faults {', '.join(sorted(faults))}" if faults else ""
        faulty += f" misbehaving ({', '.join(sorted(misbehaviours))})" if misbehaviours else ""
        print(f"# serving the WebChat reference target{faulty} on {base_url} (Ctrl-C to stop)", flush=True)

    try:
        run_server(
            args.host,
            args.port,
            principals,
            faults,
            args.token_ttl or DEFAULT_TOKEN_TTL,
            on_ready,
            misbehaviours=misbehaviours,
        )
    except ServeError as error:
        return _fail(args.prog, str(error))
    return 0


def _add_verify(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "verify",
        help="check a results bundle (results.json + certificate.json)",
        description="Check a bundle left by a run of the suite: results.json and certificate.json parse, are tied by "
        "their hash, are about the current schemas, and every requirement of the current catalog passed. Prints one "
        "line per problem and a final verdict line; exit status 0 only for a valid bundle of a CONFORMANT target.",
    )
    parser.add_argument("directory", type=Path, metavar="DIR", help="the directory holding the bundle (e.g. reports)")
    parser.add_argument(
        "--public-key",
        type=Path,
        metavar="PEM",
        help="the certificate must carry a valid signature by this Ed25519 public key (needs the sign extra)",
    )
    parser.set_defaults(handler=_verify, prog=parser.prog)


def _verify(args: argparse.Namespace) -> int:
    from webchat_contract.reporting.signing import SigningError, load_public_key
    from webchat_contract.reporting.verify import verify_bundle

    try:
        public_key = load_public_key(args.public_key) if args.public_key else None
    except SigningError as error:
        return _fail(args.prog, str(error))
    verification = verify_bundle(args.directory, public_key)
    for note in verification.notes:
        print(f"note: {note}")
    for problem in verification.problems:
        print(f"problem: {problem}")
    print(verification.summary())
    return 0 if verification.accepted else 1


def _add_run(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "run",
        help="run the suite (from any directory); other arguments go to pytest",
        description="Run the contract suite against the target of --target-config (default: the embedded reference "
        "target), writing report.html, junit.xml, results.json and certificate.json to --out. Any other argument "
        "goes to pytest: -k EXPR, --requirement ID, -n 2, --hypothesis-profile=nightly, or a test of the suite "
        "(test_crud.py::test_x). A run of part of the suite writes its results to OUT/partial/.",
    )
    parser.add_argument("--target-config", type=Path, metavar="PATH", help="the target config (TOML)")
    parser.add_argument("--out", type=Path, default=Path("reports"), metavar="DIR", help="default: %(default)s")
    parser.add_argument(
        "--sign-key",
        type=Path,
        metavar="PEM",
        help="sign the certificate with this Ed25519 private key (see keygen; needs the sign extra)",
    )
    parser.set_defaults(handler=_run, prog=parser.prog, takes_pytest_args=True)


def _run(args: argparse.Namespace) -> int:
    from webchat_contract.reporting.signing import SigningError
    from webchat_contract.run import run

    try:
        return run(args.target_config, args.out, args.sign_key, args.pytest_args)
    except SigningError as error:
        return _fail(args.prog, str(error))


def _add_keygen(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "keygen",
        help="make an Ed25519 key pair for signing certificates",
        description="Write a new Ed25519 private key (PEM, readable by you only) and its public key (PEM) to publish "
        "for `verify --public-key`. Needs the sign extra: pip install 'webchat-contract[sign]'.",
    )
    parser.add_argument("private_key", type=Path, metavar="PRIVATE_PEM", help="where to write the private key (new)")
    parser.add_argument("public_key", type=Path, metavar="PUBLIC_PEM", help="where to write the public key")
    parser.set_defaults(handler=_keygen, prog=parser.prog)


def _keygen(args: argparse.Namespace) -> int:
    from webchat_contract.reporting.signing import SigningError, generate

    try:
        fingerprint = generate(args.private_key, args.public_key)
    except SigningError as error:
        return _fail(args.prog, str(error))
    print(f"key {fingerprint}: private {args.private_key}, public {args.public_key}")
    return 0


def _add_openapi(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "openapi",
        help="print the contract's OpenAPI document, bundled into one file",
        description="Print the OpenAPI document of the 8 operations with the models inlined, as OpenAPI 3.1 (the "
        "source) or translated to 3.0.3 for tools that do not read 3.1.",
    )
    parser.add_argument("--oas", choices=("3.1", "3.0"), default="3.1", help="default: %(default)s")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml", help="default: %(default)s")
    parser.set_defaults(handler=_openapi, prog=parser.prog)


def _openapi(args: argparse.Namespace) -> int:
    import json

    import yaml

    from webchat_contract import spec
    from webchat_contract.oas30 import to_oas30

    document = to_oas30() if args.oas == "3.0" else spec.bundled_openapi()
    if args.format == "json":
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        print(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), end="")
    return 0


def _add_sweep(subcommands: argparse._SubParsersAction) -> None:
    from webchat_contract.journal import DEFAULT_PATH

    parser = subcommands.add_parser(
        "sweep",
        help="delete what earlier runs of the suite left on a target",
        description="Delete the deployments earlier runs left behind (a run killed before its cleanup): those whose "
        "name carries a run prefix (wcc-XXXXXXXX-) and those the journal shows created and never deleted. "
        "Nothing else is touched.",
    )
    parser.add_argument("--target-config", type=Path, required=True, metavar="PATH", help="the target config (TOML)")
    parser.add_argument("--journal", type=Path, default=DEFAULT_PATH, metavar="PATH", help="default: %(default)s")
    parser.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    parser.set_defaults(handler=_sweep, prog=parser.prog)


def _sweep(args: argparse.Namespace) -> int:
    from webchat_contract.auth import AuthError
    from webchat_contract.config import ConfigError, load
    from webchat_contract.sweep import SweepError, sweep

    try:
        failed = sweep(load(args.target_config), args.journal, dry_run=args.dry_run)
    except (ConfigError, SweepError, AuthError) as error:
        return _fail(args.prog, str(error))
    return 1 if failed else 0


def _add_baseline(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "baseline",
        help="print a baseline accepting the causes of a run (YAML, for --baseline)",
        description="Print, as YAML, a baseline accepting every cause of the run whose results.json is in DIR: "
        "webchat-contract baseline reports > known.yaml, then pytest --baseline=known.yaml fails only on new causes.",
    )
    parser.add_argument("directory", type=Path, metavar="DIR", help="the directory holding results.json")
    parser.set_defaults(handler=_baseline, prog=parser.prog)


def _baseline(args: argparse.Namespace) -> int:
    from webchat_contract.reporting.baseline import BaselineError, document_from_results

    try:
        print(document_from_results(args.directory), end="")
    except BaselineError as error:
        return _fail(args.prog, str(error))
    return 0


def _version() -> str:
    from webchat_contract import __version__, layout

    return f"webchat-contract {__version__} ({layout.describe()})"


class _VersionAction(argparse.Action):
    """--version, computed only when asked (it looks for the suite's files)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="print the version and where the suite is, and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print(_version())
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="webchat-contract", description="Contract suite for the WebChat deployments API.")
    parser.add_argument("--version", action=_VersionAction)
    subcommands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    _add_run(subcommands)
    _add_serve(subcommands)
    _add_verify(subcommands)
    _add_sweep(subcommands)
    _add_baseline(subcommands)
    _add_keygen(subcommands)
    _add_openapi(subcommands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if rest and not getattr(args, "takes_pytest_args", False):
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if "--" in rest:  # `run -- -k crud`: the separator is the user's, not an argument for pytest
        rest.remove("--")
    args.pytest_args = rest
    return handler(args)
