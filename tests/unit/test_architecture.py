"""The shape of the tree: no import cycle inside violet, and no module in src/ too big to read in one sitting."""

from __future__ import annotations

from pathlib import Path

import grimp

MAX_LINES = 420
SRC = Path(__file__).resolve().parents[2] / "src" / "violet"


def test_no_import_cycle() -> None:
    graph = grimp.build_graph("violet")
    cycles = sorted(
        {
            tuple(sorted((module, imported)))
            for module in graph.modules
            for imported in graph.find_modules_directly_imported_by(module)
            if imported.startswith("violet") and graph.chain_exists(importer=imported, imported=module)
        }
    )
    assert cycles == [], f"modules importing each other (directly or not): {cycles}"


def test_no_module_over_the_line_limit() -> None:
    sizes = {str(p.relative_to(SRC)): len(p.read_text().splitlines()) for p in SRC.rglob("*.py")}
    over = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert over == {}, f"modules over {MAX_LINES} lines: {over}"
