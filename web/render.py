"""Untrusted text to safe HTML: the recipes' Markdown with raw HTML disabled (so markup shows as text).

This is the only place that marks HTML as safe for the templates. Generated text may hold anything,
`<script>` included; markdown-it with ``html=False`` escapes every tag, and images are off (no request
leaves the page for a URL a model wrote). Everything else reaches the templates as plain strings and
is escaped by Jinja's autoescape.
"""

from __future__ import annotations

import json
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_MD.disable("image")
_ALIGN = {"text-align:left": "align-left", "text-align:center": "align-center", "text-align:right": "align-right"}


def markdown(text: str) -> Markup:
    """HTML for Markdown ``text``, with raw HTML escaped and table alignment as classes (the CSP bans inline style)."""
    tokens = _MD.parse(text)
    for token in tokens:
        style = token.attrGet("style") if token.type in ("th_open", "td_open") else None
        if style is not None:
            del token.attrs["style"]
            token.attrSet("class", _ALIGN.get(str(style), ""))
        for child in token.children or ():
            if child.type == "link_open":
                child.attrSet("rel", "nofollow noopener noreferrer")
    return Markup(_MD.renderer.render(tokens, _MD.options, {}))  # noqa: S704  (html=False: every tag is escaped)


def as_json(value: Any) -> str:
    """Pretty JSON for a <pre> block (escaped by the template like any other text)."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def point_markdown(recipe: str, payload: dict[str, Any], facts: list[dict[str, Any]]) -> str:
    """The recipe's reviewer view of ``payload`` (with gate details where the recipe shows them), as Markdown."""
    details = {row["gate"]: row.get("detail") or {} for row in facts if row["type"] == "GatePassed"}
    try:
        import recipes
        from recipes.conformance import render_point

        return render_point(recipes.get(recipe), payload, details)
    except Exception:  # unknown recipe here, or a payload it cannot render: show the JSON
        return f"```json\n{as_json(payload)}\n```"
