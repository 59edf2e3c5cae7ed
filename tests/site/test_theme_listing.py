"""generator/site/theme_listing.py: MkDocs finds the same theme files to copy through the listing
kept per process (hidden folders left out) as through Jinja's own listing."""
from __future__ import annotations

from mkdocs.config import load_config
from mkdocs.structure.files import Files

from generator import PROJECT_ROOT
from generator.site import theme_listing


def test_mkdocs_copies_the_same_theme_files_through_the_kept_listing(tmp_path):
    config = load_config(str(PROJECT_ROOT / "mkdocs.yml"), docs_dir=str(PROJECT_ROOT / "content"),
                         site_dir=str(tmp_path),
                         theme={"name": "material", "custom_dir": str(PROJECT_ROOT / "templates" / "overrides")})
    plain = Files([])
    plain.add_files_from_theme(config.theme.get_env(), config)
    theme_listing.install(config.theme)
    for _ in range(2):  # the first lists the installed theme, the second reuses that
        listed = Files([])
        listed.add_files_from_theme(config.theme.get_env(), config)
        assert [(f.src_uri, f.abs_src_path) for f in listed] == [(f.src_uri, f.abs_src_path) for f in plain]
    sources = {f.src_uri for f in plain}
    assert "assets/stylesheets/qalb.css" in sources  # the project's own (templates/overrides), listed afresh
    assert any(uri.startswith("assets/javascripts/bundle.") for uri in sources)  # Material's
    assert not any(uri.startswith(".") or "/." in uri for uri in sources)
