"""`python -m generator <command>`: the staff- and deployer-facing commands.

Each command is a small function taking the parsed arguments and returning an
exit code; the parser below is the one list of what exists.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

from . import PROJECT_ROOT
from .core.config import project_root

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from .core.problems import Problem
    from .forms import Form
    from .submissions.store import Store


def _print_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def cmd_check(args: argparse.Namespace) -> int:
    from .site.check import check_project

    problems = check_project(args.root)
    _print_problems(problems.sorted())
    errors, warnings = len(problems.errors), len(problems.warnings)
    print(f"{errors} error(s), {warnings} warning(s)", file=sys.stderr)
    if errors or (args.strict and warnings):
        return 1
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from .core.config import build_date
    from .core.environment import SettingsError
    from .core.organisation import unfilled_message
    from .core.problems import ContentError
    from .site.build import build_site

    try:
        report = build_site(args.root, site_dir=args.site_dir, strict=args.strict, date=build_date())
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ContentError as exc:
        _print_problems(exc.problems)
        if args.strict and unfilled_message(exc.problems):
            print(unfilled_message(exc.problems), file=sys.stderr)
        print("The site was not built; the previous site/ is unchanged.", file=sys.stderr)
        return 1
    _print_problems(report.warnings)
    print(f"Built {report.pages} pages into {report.site_dir} in {report.seconds:.2f} s", file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .site.preview import serve_preview

    return serve_preview(args.root, host=args.host, port=args.port)


def cmd_messages(args: argparse.Namespace) -> int:
    from .core.catalogs import catalog_problems, update_catalogs

    update_catalogs(args.root)
    for problem in catalog_problems(args.root):
        print(problem, file=sys.stderr)
    return 0


def cmd_translations(args: argparse.Namespace) -> int:
    from .core.problems import Problems
    from .site.content import load_content
    from .site.translations import update_lock

    problems = Problems()
    content = load_content(args.root, problems)
    if problems.errors:
        _print_problems(problems.sorted())
        return 1
    update_lock(args.root, content, accept_all=True)
    print("Recorded every item's current text as translated.", file=sys.stderr)
    return 0


def cmd_screenshots(args: argparse.Namespace) -> int:
    from .site.screenshots import take_screenshots

    site_dir = args.root / "site"
    if not (site_dir / "index.html").exists():
        print("Build the site first: python -m generator build", file=sys.stderr)
        return 1
    written = take_screenshots(site_dir, args.out, only=args.page or None, full_page=not args.viewport_only)
    print(f"Wrote {len(written)} screenshots to {args.out}", file=sys.stderr)
    return 0


def cmd_endpoint(args: argparse.Namespace) -> int:
    from .endpoint.commands import serve

    return serve(args.root, host=args.host, port=args.port, serve_site=False)


def cmd_run(args: argparse.Namespace) -> int:
    from .endpoint.commands import serve

    return serve(args.root, host=args.host, port=args.port, serve_site=True, beside=_staff_beside(args.root))


def _staff_beside(root: Path) -> Callable[[ASGIApp, Store, Mapping[str, Form]], ASGIApp | None]:
    """For `run` only: the staff workspace at /staff/ beside the endpoint and the site, on
    the same store (the endpoint package never imports the workspace; they meet here)."""

    def compose(endpoint_app: ASGIApp, store: Store, forms: Mapping[str, Form]) -> ASGIApp | None:
        from .core.config import StaffSettings, read_settings
        from .staff.app import create_app
        from .web.dispatch import PathDispatch

        settings = read_settings(StaffSettings, root)
        if settings is None:
            return None
        return PathDispatch({"/staff": create_app(settings=settings, forms=forms, store=store)}, endpoint_app)

    return compose


def cmd_staff(args: argparse.Namespace) -> int:
    from .staff import commands

    if args.action == "serve":
        return commands.serve(args.root, host=args.host, port=args.port)
    return commands.manage(args.root, action=args.action, email=args.email, name=args.name, role=args.role,
                           forms=args.form, staff=args.staff)


def cmd_export(args: argparse.Namespace) -> int:
    from .submissions.commands import export

    return export(args.root, form_id=args.form, out=args.out,
                  status="suspected-spam" if args.suspected_spam else "accepted", staff=args.staff)


def cmd_cases(args: argparse.Namespace) -> int:
    from .submissions.commands import cases_overdue

    return cases_overdue(args.root, form_id=args.form)


def cmd_purge(args: argparse.Namespace) -> int:
    from .submissions.commands import purge

    return purge(args.root, dry_run=args.dry_run)


def cmd_subject(args: argparse.Namespace) -> int:
    from .submissions.commands import subject
    from .submissions.subject import search_values

    return subject(args.root, action=args.action, out=args.out, dry_run=args.dry_run, staff=args.staff,
                   values=search_values(args.national_id, args.mobile, args.email))


def cmd_keys(args: argparse.Namespace) -> int:
    from .submissions.commands import keys

    return keys(args.root, action=args.action, lookup=args.lookup, staff=args.staff)


def cmd_token(args: argparse.Namespace) -> int:
    from .submissions.commands import token

    return token(args.root, action=args.action, name=args.name, staff=args.staff)


def cmd_notify(args: argparse.Namespace) -> int:
    from .notify import commands

    if args.action == "run":
        return commands.run(args.root, once=args.once)
    if args.action == "failed":
        return commands.failed(args.root)
    if args.action == "digest":
        return commands.digest(args.root, staff=args.staff)
    if args.id is None:
        print("error: say which message: python -m generator notify retry ID (ids from `notify failed`)",
              file=sys.stderr)
        return 2
    return commands.retry(args.root, message_id=args.id, staff=args.staff)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=project_root(PROJECT_ROOT),
                        help="the project folder (holding mkdocs.yml, content/, forms/)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="check content and forms; print every problem")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    check.set_defaults(run=cmd_check)

    build = commands.add_parser("build", help="check, then build the site into site/")
    build.add_argument("--site-dir", type=Path, default=None, help="output folder (default: <root>/site)")
    build.add_argument("--strict", action="store_true", help="fail on warnings too")
    build.set_defaults(run=cmd_build)

    serve = commands.add_parser("serve", help="live preview for staff: rebuild on save, reload the browser")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    serve.set_defaults(run=cmd_serve)

    messages = commands.add_parser("messages", help="extract interface strings into the gettext catalogs")
    messages.set_defaults(run=cmd_messages)

    translations = commands.add_parser("translations", help="stale-translation bookkeeping")
    translations.add_argument("action", choices=["accept"],
                              help="accept: mark both languages of every item as in step")
    translations.set_defaults(run=cmd_translations)

    shots = commands.add_parser("screenshots", help="PNG screenshots of every page, both languages, phone and desktop")
    shots.add_argument("--out", type=Path, default=Path("screenshots"))
    shots.add_argument("--page", action="append", help="only this path (e.g. policy/); repeatable")
    shots.add_argument("--viewport-only", action="store_true", help="the first screen, not the full page")
    shots.set_defaults(run=cmd_screenshots)

    endpoint = commands.add_parser("endpoint", help="run the forms endpoint alone (production, behind a proxy)")
    endpoint.add_argument("--host", default="127.0.0.1")
    endpoint.add_argument("--port", type=int, default=8000)
    endpoint.set_defaults(run=cmd_endpoint)

    run = commands.add_parser(
        "run", help="serve the built site/, the forms endpoint and the staff workspace (/staff/) on one port")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.set_defaults(run=cmd_run)

    staff = commands.add_parser("staff", help="the staff workspace: serve it; add, list, disable or reset accounts")
    staff.add_argument("action", choices=["serve", "add", "list", "disable", "reset"])
    staff.add_argument("email", nargs="?", help="the account's e-mail address (add, disable, reset)")
    staff.add_argument("--name", help="add: the person's name, as the workspace shows it")
    staff.add_argument("--role", choices=["admin", "caseworker", "viewer", "editor"],
                       help="add: what the account may do")
    staff.add_argument("--form", action="append", default=[], help="add: a form the account works on; repeatable")
    staff.add_argument("--host", default="127.0.0.1", help="serve: the address to listen on")
    staff.add_argument("--port", type=int, default=8002, help="serve: the port")
    staff.add_argument("--staff", help="who does it, for the audit log (default: the system user)")
    staff.set_defaults(run=cmd_staff)

    export = commands.add_parser("export", help="write a form's submissions as a frictionless Data Package")
    export.add_argument("form", help="the form id, e.g. help-request")
    export.add_argument("--out", type=Path, required=True, help="folder for datapackage.json and the CSV")
    export.add_argument("--suspected-spam", action="store_true",
                        help="export the submissions kept apart as suspected spam, for review")
    export.add_argument("--staff", help="who is exporting, for the audit log (default: the system user)")
    export.set_defaults(run=cmd_export)

    purge = commands.add_parser("purge", help="delete submissions older than each form's retention period")
    purge.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    purge.set_defaults(run=cmd_purge)

    cases = commands.add_parser("cases", help="case handling: list the open cases past their due date")
    cases.add_argument("action", choices=["overdue"])
    cases.add_argument("--form", metavar="FORM_ID", help="only this form's cases")
    cases.set_defaults(run=cmd_cases)

    subject = commands.add_parser("subject", help="a person's request: find, export or delete all they sent")
    subject.add_argument("action", choices=["find", "export", "delete"])
    subject.add_argument("--national-id", action="append", default=[], help="national ID or iqama number")
    subject.add_argument("--mobile", action="append", default=[], help="mobile number, any usual form")
    subject.add_argument("--email", action="append", default=[], help="e-mail address")
    subject.add_argument("--out", type=Path, help="export: folder for subject-data.html and .json")
    subject.add_argument("--dry-run", action="store_true", help="delete: only list what would be deleted")
    subject.add_argument("--staff", help="who handles the request, for the audit log (default: the system user)")
    subject.set_defaults(run=cmd_subject)

    keys = commands.add_parser("keys", help="create the encryption and lookup keys, or rotate one")
    keys.add_argument("action", choices=["create", "rotate"])
    keys.add_argument("--lookup", action="store_true", help="rotate: the lookup key instead of the data key")
    keys.add_argument("--staff", help="who rotates, for the audit log (default: the system user)")
    keys.set_defaults(run=cmd_keys)

    token = commands.add_parser("token", help="bearer tokens for the HTTP export: create, list, revoke")
    token.add_argument("action", choices=["create", "list", "revoke"])
    token.add_argument("name", nargs="?", help="the token's name (create, revoke)")
    token.add_argument("--staff", help="who does it, for the audit log (default: the system user)")
    token.set_defaults(run=cmd_token)

    notify = commands.add_parser("notify", help="e-mail notifications and webhooks: send them, list failed ones, "
                                                "retry one, send the daily digest")
    notify.add_argument("action", choices=["run", "failed", "retry", "digest"],
                        help="run: send the queued messages and webhooks (a worker); failed: list the ones that "
                             "failed; retry: queue a failed one again; digest: send today's digest e-mails "
                             "(for a daily job)")
    notify.add_argument("id", nargs="?", type=int, help="retry: the message id (from `notify failed`)")
    notify.add_argument("--once", action="store_true", help="run: send what is due now, then stop")
    notify.add_argument("--staff", help="retry, digest: who does it, for the audit log (default: the system user)")
    notify.set_defaults(run=cmd_notify)

    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.root = args.root.resolve()
    code: int = args.run(args)
    return code
