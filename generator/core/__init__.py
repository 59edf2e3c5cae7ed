"""What every part shares: the languages (one list), gettext catalogs and locale
formatting, the `path:line: [code]` problems, YAML with line numbers, and the
organisation settings file (content/settings.yml).

May import: nothing of ours (only the standard library and third-party packages).
"""
