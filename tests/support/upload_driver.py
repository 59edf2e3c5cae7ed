"""A process that starts the endpoint as `endpoint` does (its lifespan: migrations, the
start-up sweep of attached files, the writer) and stores one help request with two
sealed files through its FileStore and Writer, as the upload path does: files sealed
and fsynced, then the fault point `upload-written`, then the writer (COMMIT, the fault
point `after-commit`, the files placed). Settings come from the environment
(DATABASE_URL, QALB_FILES_DIR, the key files, QALB_ENDPOINT_FAULT), as for the endpoint.

Prints one JSON line per step on stdout, so a test that kills it knows how far it got:
{"swept": [placed, deleted]}, {"reference": ...} (before the files are written),
{"stored": ...}. Run as `python -m tests.support.upload_driver ROOT`.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

from generator.core.config import EndpointSettings, config
from generator.endpoint.app import create_app
from generator.endpoint.context import EndpointContext
from generator.submissions.records import Attachment, Submission
from generator.submissions.references import new_reference
from generator.submissions.writer import die_at

#: The two files' contents: one over a chunk, one under (the test checks them back).
CONTENTS = (b"%PDF-1.4 report " * 8000, b"\x89PNG scan " * 100)


def say(**values: object) -> None:
    print(json.dumps(values), flush=True)


async def store_one(context: EndpointContext) -> None:
    keys = context.store.codec.keys
    reference = new_reference()
    say(reference=reference)
    attachments = []
    for number, content in enumerate(CONTENTS, 1):
        with context.files.upload(reference, number, keys) as sealed:
            for start in range(0, len(content), 50_000):
                sealed.write(content[start:start + 50_000])
        attachments.append(Attachment(number=number, field="medical_reports", name=f"report {number}.pdf",
                                      media_type="application/pdf", size=len(content),
                                      sha256=hashlib.sha256(content).hexdigest(), scan="clean", key_id=sealed.key_id))
    if context.settings.die_at_upload_written:
        die_at("upload-written")
    submission = Submission(reference=reference, form_id="help-request", form_version="1", language="ar",
                            submitted_at=dt.datetime.now(dt.timezone.utc), consent={}, status="accepted",
                            answers={"medical_reports": [1, 2]}, attachments=tuple(attachments))
    stored = await context.writer.write(submission)
    say(stored=stored.reference)


async def main(root: Path) -> None:
    settings = config(root).section(EndpointSettings)
    app = create_app(settings=settings, forms={})
    context: EndpointContext = app.state.endpoint
    async with app.router.lifespan_context(app):
        say(swept=context.files.last_sweep)
        await store_one(context)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
