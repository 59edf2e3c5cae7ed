"""Everything that builds the public static site: load and check content, render
pages, run MkDocs (one build per language) with our hooks, fonts, the search
index, the live preview and screenshots.

May import: core, forms. Never the web apps (endpoint, staff) or submissions.
"""
