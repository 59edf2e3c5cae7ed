"""The content editor at /staff/content/: communications staff (the `editor` role, and admins)
edit the collections (services, FAQ, charter, channels) in the browser, Arabic and English side
by side. A save writes the same YAML files people edit by hand (round-trip, layout kept), runs
the site's own checker on the result before anything is written, stops over a change made
since the page was opened, updates the translation lock and commits to git in the project
folder; an item's versions can be compared and restored.

Read in this order: yamlfile.py (round-trip YAML in the files' layout) -> catalogue.py (the
items, their fields and states) -> history.py (git, fixed argument lists, no shell) ->
saving.py (check, conflict, write, commit) -> pages.py (the routes, mounted by the staff app).

May import: core, forms, site, submissions, staff. Never endpoint.
"""
