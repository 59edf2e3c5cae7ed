#!/usr/bin/env python3
"""Validation benchmark (issue 7): the cost of checking one help-request submission.

Three ways to check the same rows (2,000 different valid help-request answers,
as browsers post them: see bench/common.py `help_request_answers`):

1. ours: `generator.forms.read_submission(form, answers)` with the form loaded
   by `load_forms` (its cell readers built once at load), exactly as the
   endpoint calls it: text tidied, digits normalised, frictionless readers, rules;
2. frictionless `Resource(data=[header, row], schema=schema).validate()` per row
   (the schema object built once);
3. frictionless cell readers built once (`Schema.create_cell_readers()`, the
   frictionless 5 API), applied to each cell of the row: the floor under (1).

(2) and (3) get the answers already normalised by our `normalise` (outside the
timing), so all three judge the same text and must agree that every row is
valid; a few broken rows check that they also agree on what is wrong.

    .venv/bin/python bench/validate.py           # a few seconds
    .venv/bin/python bench/validate.py --quick   # a fraction of a second of timing (the test suite)

Exit code 0 also when the target is missed (it is a benchmark); 1 when the
three ways disagree about a row.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
from common import REPO, help_request_answers, load_note, machine

FORM_ID = "help-request"
TARGET_US = 30.0
# rows per pass and timed passes (after one untimed pass) per method
FULL = {"rows": 2000, "ours_passes": 7, "readers_passes": 7, "resource_rows": 200, "resource_passes": 3}
QUICK = {"rows": 200, "ours_passes": 2, "readers_passes": 2, "resource_rows": 5, "resource_passes": 1}


def per_row_us(check: Callable[[Any], Any], rows: list[Any], passes: int) -> list[float]:
    """µs per row of each timed pass over `rows` (after one untimed warm-up pass)."""
    for row in rows[: max(1, len(rows) // 10)]:
        check(row)
    times = []
    for _ in range(passes):
        started = time.perf_counter()
        for row in rows:
            check(row)
        times.append((time.perf_counter() - started) / len(rows) * 1e6)
    return times


def broken_rows(answers: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    """(field that must be flagged, answers) for a few ways of getting the form wrong."""
    return [
        ("national_id", {**answers, "national_id": "3123456789"}),
        ("mobile", {**answers, "mobile": "0612345678"}),
        ("applicant_name", {**answers, "applicant_name": ""}),
        ("applicant_name", {**answers, "applicant_name": "x" * 101}),
        ("relation", {**answers, "relation": "neighbour"}),
        ("email", {**answers, "email": "not-an-address"}),
        ("consent", {**answers, "consent": "false"}),
    ]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rows and passes (for the tests)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL

    import frictionless
    from frictionless import Resource, Schema

    from generator.core.problems import Problems
    from generator.forms import load_forms, read_submission
    from generator.forms.fields import normalise, runtime_descriptor

    started = time.perf_counter()
    info = machine()
    print(f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM, {info['os']}, "
          f"Python {info['python']}, frictionless {frictionless.__version__}")
    print(f"Command: {' '.join([os.path.relpath(sys.executable), 'bench/validate.py', *argv])}")
    print(f"At start: {load_note()}", flush=True)

    problems = Problems()
    form = load_forms(REPO, problems).get(FORM_ID)
    if form is None:
        print(f"forms/{FORM_ID}.yml did not load:\n" + "\n".join(map(str, problems.sorted())), file=sys.stderr)
        return 1
    fields = form.fields
    names = [f.name for f in fields]
    schema = Schema.from_descriptor(runtime_descriptor(form.descriptor))  # anchored patterns, as ours
    readers = schema.create_cell_readers()  # (3): built once

    def prepared(answers: dict[str, str]) -> list[str]:
        return [normalise(f, answers.get(f.name, "")) for f in fields]

    def ours(answers: dict[str, str]) -> Any:
        return read_submission(form, answers)

    def resource(values: list[str]) -> Any:
        return Resource(data=[names, values], schema=schema).validate()

    email_field = form.field("email")

    def normalise_email(answers: dict[str, str]) -> str:
        return normalise(email_field, answers.get("email", ""))

    def cell_readers(values: list[str]) -> dict[str, Any]:
        notes = {}
        for name, value in zip(names, values):
            _, note = readers[name](value)
            if note:
                notes[name] = note
        return notes

    rows = help_request_answers(plan["rows"])
    values = [prepared(r) for r in rows]
    print(f"Rows: {len(rows):,} different valid {FORM_ID} answers, {len(fields)} fields, "
          f"{statistics.fmean(sum(len(v) for v in r.values()) for r in rows):,.0f} characters of answers on average")

    # The three must agree before their speed means anything.
    disagree: list[str] = []
    for i, (answers, vals) in enumerate(zip(rows, values)):
        if i >= plan["resource_rows"] and i % 50:
            continue  # Resource.validate() is slow: check every row it is timed on, then every 50th
        verdicts = (ours(answers).ok, resource(vals).valid, not cell_readers(vals))
        if verdicts != (True, True, True):
            disagree.append(f"row {i}: ours/Resource/readers valid = {verdicts}")
    for field_name, answers in broken_rows(rows[0]):
        vals = prepared(answers)
        flagged = (field_name in ours(answers).errors,
                   field_name in {e.field_name for e in resource(vals).tasks[0].errors
                                  if getattr(e, "field_name", None)},
                   field_name in cell_readers(vals))
        if flagged != (True, True, True):
            disagree.append(f"broken {field_name}: flagged by ours/Resource/readers = {flagged}")

    ours_us = per_row_us(ours, rows, plan["ours_passes"])
    readers_us = per_row_us(cell_readers, values, plan["readers_passes"])
    # Where ours spends it: the tidying alone, and the one costly reader (format: email).
    tidy_us = per_row_us(prepared, rows, plan["readers_passes"])
    email_reader = readers["email"]
    email_us = per_row_us(lambda answers: email_reader(normalise_email(answers)), rows, plan["readers_passes"])
    resource_us = per_row_us(resource, values[: plan["resource_rows"]], plan["resource_passes"])
    med = {"ours": statistics.median(ours_us), "resource": statistics.median(resource_us),
           "readers": statistics.median(readers_us)}

    def spread(times: list[float]) -> str:
        return f"median of {len(times)} passes, {min(times):,.1f}-{max(times):,.1f}" if len(times) > 1 else "1 pass"

    print(f"(1) ours, read_submission(form, answers) with the loaded form: {med['ours']:,.1f} µs/row "
          f"({spread(ours_us)}; {len(rows):,} rows per pass)")
    print(f"(2) frictionless Resource(data=[header, row], schema).validate() per row: {med['resource']:,.1f} µs/row "
          f"({spread(resource_us)}; {plan['resource_rows']:,} rows per pass)")
    print(f"(3) frictionless cell readers built once (Schema.create_cell_readers()), per row: "
          f"{med['readers']:,.1f} µs/row ({spread(readers_us)}; {len(rows):,} rows per pass)")
    print(f"Of which, measured alone: text tidying and digit normalisation of every answer "
          f"(fields.normalise) {statistics.median(tidy_us):,.1f} µs/row; the email cell reader "
          f"(frictionless format: email, via the validators package; half the rows have an address) "
          f"{statistics.median(email_us):,.1f} µs/row")
    print(f"Ratio (2)/(1), Resource.validate() per row against ours: {med['resource'] / med['ours']:,.0f}x")
    print(f"Ratio (1)/(3), ours against the bare cell readers: {med['ours'] / med['readers']:.2f}x "
          f"(ours adds text tidying, digit normalisation, unknown-field and rule checks)")
    print(f"Agreement: {'all three judge every checked row valid and flag the same field in each broken row' if not disagree else 'DISAGREE'}")
    for line in disagree:
        print(f"  {line}")
    print(f"At end: {load_note()}")
    ok = med["ours"] <= TARGET_US
    print(f"Target ours <= {TARGET_US:.0f} µs/row: {med['ours']:,.1f} µs -> {'PASS' if ok else 'MISS'}")
    print(f"\nBenchmark took {time.perf_counter() - started:.1f} s.")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "plan": plan, "us_per_row": med, "passes": {
            "ours": ours_us, "resource": resource_us, "readers": readers_us}, "disagree": disagree}, indent=2),
            encoding="utf-8")
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
