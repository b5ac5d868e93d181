"""The scaffold of every kernel-free explorer: one HTML template, one escaping path.

An explorer is a ``<div>`` holding its controls, its data as JSON in a
``<script type="application/json">`` block, and a script that reads that JSON and wires the
controls. Nothing from the caller reaches the page unescaped: text and attributes go through
:func:`text` (``html.escape``), data through :func:`script_json` (``<``, ``>``, ``&``, U+2028 and
U+2029 escaped, so no value can close the script block or break the JavaScript), and the element
id through :func:`safe_id`. Explorer scripts are constants of the package, never built from
values.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from typing import Any

_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]")
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}

# Runs once per explorer: finds its root by id, parses its data, then runs the explorer's body.
_PROLOGUE = """(function () {
  var root = document.getElementById(%s);
  if (!root || root.dataset.ready) return;
  root.dataset.ready = "1";
  var data = JSON.parse(root.querySelector("script.gm-data").textContent);
"""


def safe_id(prefix: str = "gm") -> str:
    """A fresh element id: ``prefix`` reduced to letters, digits, ``-`` and ``_``, plus a random tail."""
    clean = _UNSAFE_ID.sub("-", str(prefix)) or "gm"
    if not clean[0].isalpha():
        clean = "gm-" + clean
    return f"{clean}-{uuid.uuid4().hex[:10]}"


def text(value: Any) -> str:
    """``value`` escaped for HTML text or a quoted attribute value."""
    return html.escape(str(value), quote=True)


def script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside ``<script>``: no ``</script>``, ``<!--``, ``&`` or line
    separators can appear in it; NaN and infinities are refused (``JSON.parse`` rejects them)."""
    encoded = json.dumps(value, allow_nan=False, ensure_ascii=False)
    return re.sub("[<>&\u2028\u2029]", lambda match: _SCRIPT_ESCAPES[match.group(0)], encoded)


def explorer_html(element_id: str, css_class: str, style: str, inner_html: str, data: Any, script: str) -> str:
    """The explorer page: ``<div id class style>`` + ``inner_html`` + the data block + the script.

    ``inner_html`` must already be escaped (build it with :func:`text`); ``script`` is a constant
    JavaScript body that sees ``root`` (the div) and ``data`` (the parsed JSON).
    """
    if _UNSAFE_ID.search(element_id) or not element_id[:1].isalpha():
        raise ValueError(f"unsafe element id {element_id!r}; make one with pages.safe_id()")
    if "</script" in script.lower() or "<!--" in script:
        raise ValueError("an explorer script must not contain '</script' or '<!--'")
    return (f'<div id="{element_id}" class="{text(css_class)}" style="{text(style)}">{inner_html}'
            f'<script type="application/json" class="gm-data">{script_json(data)}</script>'
            f"<script>\n{_PROLOGUE % script_json(element_id)}{script}}})();\n</script></div>")
