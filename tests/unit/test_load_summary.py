"""``load`` says what it wrote in terms of the table it printed: the rows loaded less the
rows merged into an earlier row (and the rejected ones), and the label events it keeps
for the audit history; two totals that differ without a word no more."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import write_csv
from graphfraud.cli import cli
from graphfraud.store import writer
from graphfraud.store.connection import Neo4jSettings


class _Driver:
    """Enough of a driver for ``load`` to connect; the writer is replaced."""

    def __enter__(self) -> _Driver:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def verify_connectivity(self) -> None:
        return None


def _write(driver: Any, dataset: Any, **kwargs: Any) -> writer.WriteStats:
    """What ``write_dataset`` reports, without a server: the rows of each statement."""
    return writer.WriteStats(rows={table: len(frame) for table, _, frame
                                   in writer._statements(dataset)},
                             nodes_created=7, relationships_created=5)


def test_load_says_what_the_difference_between_its_two_totals_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # before: "loaded 11 rows into Neo4j" under a table whose total was 11 rows, 10 loaded
    d = tmp_path / "d"
    write_csv(d, "merchants.csv",  # m3 twice, conflicting: rejected
              "merchant_id,name\nm1,a\nm2,b\nm3,c\nm3,d\n")
    write_csv(d, "merchant_devices.csv", "merchant_id,device_id,logins\n"
              "m1,d1,1\nm1,d1,2\nm2,d1,1\nm3,d2,1\n")  # m1-d1 twice: merged
    write_csv(d, "labels.csv", "entity_type,entity_id,label,source,labeled_at\n"
              "merchant,m1,fraud,x,2024-01-01\nmerchant,m1,legit,y,2024-02-01\n"
              "merchant,m2,fraud,x,2024-01-01\n")  # m1's history: one label, two events
    monkeypatch.setattr(Neo4jSettings, "driver", lambda self: _Driver())
    monkeypatch.setattr(writer, "write_dataset", _write)
    result = CliRunner().invoke(cli, ["load", str(d), "--rejects", str(tmp_path / "r.csv")],
                                env={"NEO4J_URI": "bolt://127.0.0.1:1",
                                     "NEO4J_PASSWORD": "irrelevant-here"})
    assert result.exit_code == 0, result.output + result.stderr
    total = result.stdout.splitlines()[-2].split()
    assert total == ["total", "11", "10", "1", "2"]  # rows loaded rejected merged
    summary = result.stdout.splitlines()[-1]
    assert re.fullmatch(
        r"loaded into Neo4j in \d+\.\d s \([\d,]+ rows/s\): 8 rows \(the 10 loaded above "
        r"less the 2 merged into an earlier row of the same link or label; the 1 rejected "
        r"are in the rejects file\) and 3 label events \(the label history: each distinct "
        r"labels\.csv row, the superseded ones included\); 7 nodes and 5 relationships "
        r"created", summary), summary
