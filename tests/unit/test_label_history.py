"""labels.csv is a history of label events: the latest stands, every row is kept."""

from __future__ import annotations

from pathlib import Path

from conftest import write_csv
from graphfraud.loaders import read_dataset

MERCHANTS = "merchant_id\nm1\nm2\nm3\n"


def _load(tmp_path: Path, labels: str):  # type: ignore[no-untyped-def]
    d = tmp_path / "d"
    write_csv(d, "merchants.csv", MERCHANTS)
    write_csv(d, "labels.csv", "entity_type,entity_id,label,source,labeled_at\n" + labels)
    return read_dataset(d)


def _standing(loaded) -> dict[str, str]:  # type: ignore[no-untyped-def]
    labels = loaded.dataset.tables["labels"]
    return dict(zip(labels["entity_id"], labels["label"], strict=True))


def test_a_later_clearing_stands_over_an_earlier_blacklisting(tmp_path: Path) -> None:
    loaded = _load(tmp_path, "merchant,m1,fraud,platform,2024-03-01\n"
                             "merchant,m1,legit,investigator,2024-06-01\n")
    assert _standing(loaded) == {"m1": "legit"}
    assert loaded.rejects == []
    report = next(f for f in loaded.files if f.table == "labels")
    assert (report.rows, report.loaded, report.rejected, report.merged) == (2, 2, 0, 1)
    assert len(loaded.dataset.label_history) == 2


def test_the_latest_date_stands_whatever_the_row_order(tmp_path: Path) -> None:
    loaded = _load(tmp_path, "merchant,m1,legit,investigator,2024-06-01\n"
                             "merchant,m1,fraud,platform,2024-03-01\n")
    assert _standing(loaded) == {"m1": "legit"}


def test_without_dates_the_last_row_stands(tmp_path: Path) -> None:
    loaded = _load(tmp_path, "merchant,m2,legit,,\nmerchant,m2,fraud,,\nmerchant,m3,fraud,,\n")
    assert _standing(loaded) == {"m2": "fraud", "m3": "fraud"}
