"""The README's "Where things live" table points at files and names that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONNECTOR = "layers/connector/python/connector/"
# `path`, then optionally ": `Name`, `Name`": names that must appear in that file
PLACE = re.compile(r"`([\w/.]+\.(?:py|json))`(?::\s*((?:`[\w(.,) ]+`(?:,\s*)?)+))?")


def _rows() -> list[str]:
    text = (ROOT / "README.md").read_text()
    table = text.split("### Where things live", 1)[1].split("\n## ", 1)[0]
    return [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| to")]


def test_every_newcomer_task_names_files_and_names_that_exist() -> None:
    rows = _rows()
    assert len(rows) == 6
    for row in rows:
        task, change = row.strip("| ").split(" | ", 1)
        places = PLACE.findall(change)
        assert places, task
        for path, names in places:
            file = ROOT / path.replace("connector/", CONNECTOR, 1)
            assert file.is_file(), f"{task}: {path} does not exist"
            source = file.read_text()
            for name in re.findall(r"`([\w]+)", names or ""):
                assert name in source, f"{task}: {name} is not in {path}"
