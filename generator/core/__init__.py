"""What every part shares: the languages (one list), gettext catalogs and locale
formatting, the `path:line: [code]` problems, YAML with line numbers, the
organisation settings file (content/settings.yml), and the settings read from
environment variables (config.py, the one module that reads them).

May import: nothing of ours (only the standard library and third-party packages).
"""
