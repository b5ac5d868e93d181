"""Report the weight of each built chapter page: its HTML plus the images it references.

    python scripts/page_weight.py [_build/html]

Figures are embedded by Jupyter Book as PNG files in _images/; explorers carry their frames
inline as data URIs, so they count in the HTML. The limit per chapter is 5 MB.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

LIMIT_MB = 5.0


def page_weight(html_dir: Path, page: Path) -> tuple[float, float]:
    """(MB of the page's HTML, MB of the images it references from _images/)."""
    text = page.read_text(encoding="utf-8")
    images = set(re.findall(r'src="(?:\.\./)*(_images/[^"]+)"', text))
    image_bytes = sum((html_dir / i).stat().st_size for i in images if (html_dir / i).exists())
    return page.stat().st_size / 1e6, image_bytes / 1e6


def report(html_dir: Path) -> list[tuple[str, float, float]]:
    rows = []
    for page in sorted((html_dir / "notebooks").glob("*.html")):
        html_mb, image_mb = page_weight(html_dir, page)
        rows.append((page.stem, html_mb, image_mb))
    return rows


def main() -> None:
    html_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html")
    rows = report(html_dir)
    print(f"{'page':28} {'HTML MB':>8} {'images MB':>10} {'total MB':>9}")
    for name, html_mb, image_mb in rows:
        flag = "  over the limit!" if html_mb + image_mb > LIMIT_MB else ""
        print(f"{name:28} {html_mb:8.2f} {image_mb:10.2f} {html_mb + image_mb:9.2f}{flag}")


if __name__ == "__main__":
    main()
