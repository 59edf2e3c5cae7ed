"""Form texts changed by a publish, taken up by a running app without a restart.

A publish (generator/site/publishing.py) switches the site folder, a symlink,
to a new build, so the link's target changes exactly when something was
published. `FormReloader.check()` reads the link (one readlink(2), cheap enough
for every request) and, when it changed, loads the form files again and puts
the new forms into the app's forms mapping, in place.

Only texts are taken up this way (labels, hints, messages, introductions,
privacy text: what the content editor changes). A form whose structure changed
(its schema, rules, notifications, report or sensitive fields, workflow states,
retention) or a form added or removed needs a restart, because the store counts
report fields and wires notifications when it opens: such a change is logged
once and the running forms are kept. So are they when the files have errors.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any, MutableMapping

from generator.core.problems import Problems

from .loading import load_forms
from .model import Form

log = logging.getLogger("qalb.forms")


def published_stamp(site_dir: Path) -> str:
    """The name the site link points to ("" when it is not a link): changes with each publish."""
    try:
        return os.readlink(site_dir)
    except OSError:
        return ""


def structure(form: Form) -> Any:
    """What of a form cannot change while the app runs (everything but its texts)."""
    states = tuple(state.id for state in form.workflow.states) if form.workflow else ()
    fields = tuple((f.name, f.type, f.control, f.report, f.sensitive) for f in form.fields)
    return (form.descriptor, form.rules, form.notify, form.retention_days, form.response_days, fields, states)


class FormReloader:
    def __init__(self, root: Path, site_dir: Path, forms: MutableMapping[str, Form]) -> None:
        self.root, self.site_dir, self.forms = root, site_dir, forms
        self._stamp = published_stamp(site_dir)
        self._lock = threading.Lock()

    def check(self) -> bool:
        """Take up the form texts of a new publish; True when the forms were replaced."""
        stamp = published_stamp(self.site_dir)
        if stamp == self._stamp:
            return False
        with self._lock:
            if stamp == self._stamp:
                return False
            self._stamp = stamp
            problems = Problems()
            new = load_forms(self.root, problems)
            if problems.errors:
                log.warning("the published forms have errors: the running forms are kept (%s)", problems.errors[0])
                return False
            changed = sorted(form_id for form_id in set(new) | set(self.forms)
                             if form_id not in new or form_id not in self.forms
                             or structure(new[form_id]) != structure(self.forms[form_id]))
            if changed:
                log.warning("the structure of forms %s changed: restart to use them; their texts are kept as "
                            "they were", ", ".join(changed))
                return False
            self.forms.update(new)
            return True
