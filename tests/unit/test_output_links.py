"""Links planted in an output folder are replaced, never followed; lock files are opened
without following links; an output folder that is a link is refused unless asked for."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import write_csv
from graphfraud.cli import cli
from graphfraud.errors import UsageError

#: Every name `scan --redact --parquet` writes into OUT, and the temporary names the
#: writer used to use beside them.
_NAMES = ("rings.json", "rings.csv", "report.html", "manifest.json", "rejects.csv",
          "check-index.parquet", "rings.parquet", "ring_members.parquet",
          "redaction-key.csv", ".incomplete")


@pytest.fixture
def export(tmp_path: Path) -> Path:
    d = tmp_path / "d"
    shops = [f"s{i}" for i in range(5)]
    write_csv(d, "merchants.csv", "merchant_id,registered_at\n"
              + "".join(f"{s},2024-01-01\n" for s in shops) + "bad,not-a-date\n")
    write_csv(d, "merchant_devices.csv", "merchant_id,device_id\n"
              + "".join(f"{s},phone-1\n{s},phone-2\n" for s in shops))
    return d


def _plant(out: Path, victims: Path) -> dict[Path, Path]:
    """A link at every output name (and its old temporary name) to a file of its own."""
    out.mkdir(parents=True, exist_ok=True)
    victims.mkdir()
    planted = {}
    for name in _NAMES:
        for link_name in (name, f".{name}.partial"):
            target = victims / link_name.lstrip(".")
            target.write_text(f"precious {link_name}\n", "utf-8")
            (out / link_name).symlink_to(target)
            planted[out / link_name] = target
    return planted


def test_links_planted_at_every_output_name_are_replaced_never_followed(
        export: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    planted = _plant(out, tmp_path / "victims")
    result = CliRunner().invoke(cli, ["scan", str(export), "--out", str(out), "-q",
                                      "--redact", "--parquet"])
    assert result.exit_code == 0, result.output
    for link, target in planted.items():
        assert target.read_text("utf-8") == f"precious {link.name}\n", link.name
    for name in _NAMES[:-1]:
        assert (out / name).is_file() and not (out / name).is_symlink(), name
    assert "not-a-date" in (out / "rejects.csv").read_text("utf-8")


def test_a_lock_file_that_is_a_link_is_refused_and_its_target_kept(
        export: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", "utf-8")
    (out / ".graphfraud.lock").symlink_to(victim)
    result = CliRunner().invoke(cli, ["scan", str(export), "--out", str(out), "-q"])
    assert result.exit_code == 2
    assert ".graphfraud.lock" in result.stderr and "symbolic link" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert victim.read_text("utf-8") == "precious\n"
    assert not (out / "rings.json").exists()


def test_the_batch_lock_is_opened_without_following_a_link(tmp_path: Path) -> None:
    from graphfraud.batch.job import batch_lock

    runs = tmp_path / "runs"
    runs.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", "utf-8")
    (runs / ".batch.lock").symlink_to(victim)
    with pytest.raises(UsageError, match="symbolic link"), batch_lock(runs):
        pass
    assert victim.read_text("utf-8") == "precious\n"


def test_latest_is_written_new_and_renamed_never_through_a_link(tmp_path: Path) -> None:
    from graphfraud.batch.job import LATEST, point_latest

    runs = tmp_path / "runs"
    runs.mkdir()
    victims = {}
    for name in (LATEST, f".{LATEST}.partial"):
        victims[name] = tmp_path / f"victim-{name}"
        victims[name].write_text("precious\n", "utf-8")
        (runs / name).symlink_to(victims[name])
    point_latest(runs, runs / "2024-06-30T000000Z_x")
    assert (runs / LATEST).read_text("utf-8") == "2024-06-30T000000Z_x\n"
    assert not (runs / LATEST).is_symlink()
    assert all(v.read_text("utf-8") == "precious\n" for v in victims.values())


def test_an_output_folder_that_is_a_link_is_refused_unless_asked_for(
        export: Path, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    out = tmp_path / "out"
    out.symlink_to(real, target_is_directory=True)
    refused = CliRunner().invoke(cli, ["scan", str(export), "--out", str(out), "-q"])
    assert refused.exit_code == 2
    assert str(out) in refused.stderr and "--follow-out-link" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert os.listdir(real) == []
    followed = CliRunner().invoke(cli, ["scan", str(export), "--out", str(out), "-q",
                                        "--follow-out-link"])
    assert followed.exit_code == 0, followed.output
    assert (real / "rings.json").is_file() and (real / "manifest.json").is_file()


def test_a_runs_folder_that_is_a_link_is_refused_before_connecting(
        export: Path, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    runs = tmp_path / "runs"
    runs.symlink_to(real, target_is_directory=True)
    refused = CliRunner().invoke(cli, ["batch", str(export), "--runs", str(runs), "-q"],
                                 env={"NEO4J_URI": "bolt://127.0.0.1:1"})
    assert refused.exit_code == 2, refused.output
    assert str(runs) in refused.stderr and "--follow-runs-link" in refused.stderr
    assert os.listdir(real) == []
