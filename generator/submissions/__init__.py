"""Stored submissions and everything done with them: the database (db/, one small
module of queries per table), encryption and keys, identifier lookups, the group
commit writer, audit log, export tokens, Data Package export, subject requests,
retention, and the commands for these.

May import: core, forms. No web framework (no Starlette): the web apps import this.
"""
