"""The built site as static files, with the 404 page in the visitor's language.

Starlette's StaticFiles (html=True) answers every missing path with the root
404.html, which is the Arabic one; a missing page under /en/ should get
site/en/404.html instead, still with status 404. Every answer carries the
site's Content-Security-Policy (protection.site_content_security_policy).

site/ is a symlink that a build renames over (generator/site/switch.py): each
request resolves it once, then reads every file from that one build, so a
request during a switch sees the old site or the new one, never a mix.
"""
from __future__ import annotations

import os

from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import get_route_path
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from generator.core import i18n

from .protection import site_content_security_policy


class SiteFiles(StaticFiles):
    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        # Starlette's own check, with the folder resolved once (it resolves it anew per
        # path otherwise, which a switch between two calls could split across two builds).
        if path.startswith(("/", "\\")):
            return "", None
        for directory in self.all_directories:
            base = os.path.realpath(directory)
            full_path = os.path.realpath(os.path.join(base, path))
            if os.path.commonpath([full_path, base]) != base:
                continue
            try:
                return full_path, os.stat(full_path)
            except (FileNotFoundError, NotADirectoryError):
                continue
        return "", None

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404:
                raise
            return self.not_found(scope)
        if response.status_code == 404:
            return self.not_found(scope)
        response.headers.setdefault("Content-Security-Policy", site_content_security_policy())
        return response

    def not_found(self, scope: Scope) -> Response:
        route_path = get_route_path(scope).lstrip("/")
        for lang in i18n.LANGUAGES:
            prefix = lang.prefix  # "" for Arabic at the root, "en/" for English
            if prefix and (route_path + "/").startswith(prefix):
                candidate = os.path.join(str(self.directory), prefix, "404.html")
                break
        else:
            candidate = os.path.join(str(self.directory), "404.html")
        if os.path.isfile(candidate):
            return FileResponse(candidate, status_code=404, media_type="text/html",
                                headers={"Content-Security-Policy": site_content_security_policy()})
        return PlainTextResponse("Not Found", status_code=404)
