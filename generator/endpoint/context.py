"""What every part of the running endpoint shares, fixed when the app is built:
the routes (app.py) and the status lookups (status.py) take this, never the app.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from generator.core.config import EndpointSettings
from generator.core.organisation import Settings as Organisation
from generator.forms import Form
from generator.submissions.cases import WorkingCalendar
from generator.submissions.files import FileStore
from generator.submissions.notices import OutboxPlanner
from generator.submissions.secure_store import open_secure_store
from generator.submissions.store import Store
from generator.submissions.writer import Writer
from generator.uploads.clamav import Scanner
from generator.web.protection import RateLimiter

from .public_pages import Shells
from .responses import Render


@dataclass(frozen=True)
class EndpointContext:
    settings: EndpointSettings
    forms: dict[str, Form]
    store: Store
    writer: Writer  # the one thread that writes (group commit)
    files: FileStore  # attached files, sealed (QALB_FILES_DIR); placed by the writer after COMMIT
    organisation: Organisation  # content/settings.yml
    calendar: WorkingCalendar  # working days, for due dates
    shells: Shells  # the built site's pages that answers are shown in
    limiter: RateLimiter | None  # posts and exports per client, when QALB_RATE_LIMIT is not off
    render: Render
    scanner: Scanner  # clamd (QALB_CLAMD_ADDRESS): every file sent with a form is scanned as it arrives

    @classmethod
    def build(cls, *, settings: EndpointSettings, forms: Mapping[str, Form], store: Store | None,
              organisation: Organisation, planner: OutboxPlanner | None = None) -> EndpointContext:
        # Never a plain store: answers are encrypted at rest whoever creates the app
        # (keys made on first use, as `make serve` does; see secure_store.py); a store of
        # its own is opened with `planner`, one passed in comes with its opener's.
        store = store or open_secure_store(settings, forms, planner=planner, time_zone=organisation.time_zone,
                                           create_keys=True)
        files = FileStore(settings.files_dir)
        return cls(
            settings=settings, forms=dict(forms), store=store, files=files,
            writer=Writer(store, max_batch=settings.writer_max_batch, die_after_batches=settings.die_after_batches,
                          files=files),
            organisation=organisation, calendar=WorkingCalendar.from_settings(organisation),
            shells=Shells(settings.site_dir, site_url=settings.site_url),
            limiter=RateLimiter(*settings.rate_limit) if settings.rate_limit else None,
            render=Render(site_url=settings.site_url), scanner=Scanner(settings.clamd_address),
        )
