"""A report directory never passes for whole when its run was cut off, and has one writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import write_csv
from graphfraud.cli import cli
from graphfraud.report.writer import INCOMPLETE, MANIFEST, out_lock


@pytest.fixture
def export(tmp_path: Path) -> Path:
    d = tmp_path / "d"
    shops = [f"s{i}" for i in range(5)]
    write_csv(d, "merchants.csv", "merchant_id\n" + "\n".join(shops) + "\n")
    write_csv(d, "merchant_devices.csv", "merchant_id,device_id\n"
              + "".join(f"{s},phone-1\n{s},phone-2\n" for s in shops))
    return d


def _scan(export: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["scan", str(export), "--out", str(out), "-q", *extra])


def test_a_run_cut_off_while_writing_is_refused_by_readers_and_healed_by_a_rescan(
        export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert _scan(export, out).exit_code == 0
    assert (out / MANIFEST).exists() and not (out / INCOMPLETE).exists()

    def disk_full(*_: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("graphfraud.report.html.render_html", disk_full)
    assert _scan(export, out).exit_code == 1  # rings.json new, report.html old
    monkeypatch.undo()
    assert (out / INCOMPLETE).exists() and not (out / MANIFEST).exists()

    explicit = _scan(export, tmp_path / "other", "--previous", str(out / "rings.json"))
    assert explicit.exit_code == 2 and "was interrupted while writing its files" in \
        explicit.stderr
    index = CliRunner().invoke(cli, ["check", "--index", str(out), "--device", "phone-1"])
    assert index.exit_code == 2 and "was interrupted" in index.stderr

    again = _scan(export, out)
    assert again.exit_code == 0
    assert (out / MANIFEST).exists() and not (out / INCOMPLETE).exists()


def test_a_file_changed_after_its_run_is_refused(export: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _scan(export, out).exit_code == 0
    (out / "rings.json").write_text((out / "rings.json").read_text() + " ", "utf-8")
    index = CliRunner().invoke(cli, ["check", "--index", str(out), "--device", "phone-1"])
    assert index.exit_code == 2 and "the manifest's checksum differs" in index.stderr


def test_a_second_writer_into_the_same_out_fails_at_once(export: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with out_lock(out):
        second = _scan(export, out)
    assert second.exit_code == 1
    assert "another graphfraud run is writing here" in second.stderr
    assert not (out / "rings.json").exists()


def test_a_failed_run_keeps_the_rejects_of_the_last_complete_run(
        export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graphfraud.report.writer import check_published

    out = tmp_path / "out"
    assert _scan(export, out).exit_code == 0
    before = (out / "rejects.csv").read_text("utf-8")
    assert "rejects.csv" in (out / MANIFEST).read_text("utf-8")
    write_csv(export, "merchants.csv", "merchant_id,registered_at\ns0,2024-01-01\n"
              "s1,never\ns2,never\n")

    def crash(*_: object, **__: object) -> None:
        raise RuntimeError("the scan broke")

    monkeypatch.setattr("graphfraud.pipeline.scan", crash)
    assert _scan(export, out).exit_code == 1
    monkeypatch.undo()
    assert (out / "rejects.csv").read_text("utf-8") == before
    check_published(out)  # the last complete run, whole
    assert _scan(export, out).exit_code == 0
    assert (out / "rejects.csv").read_text("utf-8").count("'never'") == 2
    (out / "rejects.csv").write_text(before, "utf-8")
    index = CliRunner().invoke(cli, ["check", "--index", str(out), "--device", "phone-1"])
    assert index.exit_code == 2 and "the manifest's checksum differs" in index.stderr


def test_a_scan_of_a_missing_folder_leaves_out_as_it_was(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-export"
    fresh = tmp_path / "fresh"
    assert _scan(missing, fresh).exit_code == 2
    assert not fresh.exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    assert _scan(missing, kept).exit_code == 2
    assert list(kept.iterdir()) == []
