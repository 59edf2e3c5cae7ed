"""The content editor at /staff/content/: communications staff (the `editor` role, and admins)
edit the collections (services, FAQ, charter, channels), the prose pages, the forms' texts,
the organisation settings and the search synonyms in the browser, Arabic and English side by side. A save
writes the same YAML files people edit by hand (round-trip, layout kept), runs the site's own
checker on the result before anything is written, stops over a change made since the page was
opened, updates the translation lock and commits to git in the project folder; an item's
versions can be compared and restored.

Read in this order: yamlfile.py (round-trip YAML in the files' layout) -> catalogue.py (the
items, their fields and states) -> history.py (git, fixed argument lists, no shell) ->
saving.py (check, conflict, write, commit) -> structure.py (add, move, delete; ids) -> review.py
(what changed since the languages were in step) -> pages.py (the routes, mounted by the staff
app). The other pages, each its texts and its routes: form_texts.py with form_pages.py,
settings_texts.py with settings_page.py, synonyms.py, prose.py; file_history.py restores one of
those files whole; rendering.py renders an item's typed text (its "preview");
publish_pages.py previews and publishes the whole site (site/publishing.py).

May import: core, forms, site, submissions, staff, web. Never endpoint.
"""
