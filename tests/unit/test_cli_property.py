"""Property: whatever broken export a user hands the CLI, it answers by the contract.

Exit 0 with ``loaded + rejected == rows`` for every file, or exit 2 with one error line
naming what is wrong; never a traceback, never exit 1 for bad input.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphfraud.cli import cli

CELL = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(["", "m1", "m2", "-1", "9223372036854775807", "1e400", "2024-13-45",
                     "2024-03-01", "now", '"', '""', "=cmd()", "乡村直营", "\t", " , ",
                     "1e308", "10000000000000", "9999-12-31"]),
)
ROW = st.lists(CELL, min_size=0, max_size=5)


def _csv(header: list[str], rows: list[list[str]], line_end: str) -> bytes:
    def quote(cell: str) -> str:
        return cell if not re.search(r'[",\r\n]', cell) else '"' + cell.replace('"', '""') + '"'

    lines = [",".join(header)] + [",".join(quote(c) for c in row) for row in rows]
    return (line_end.join(lines) + line_end).encode("utf-8", errors="surrogatepass")


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(merchants=st.lists(ROW, max_size=8), links=st.lists(ROW, max_size=8),
       drop_column=st.booleans(), line_end=st.sampled_from(["\n", "\r\n"]),
       raw_links=st.one_of(st.none(), st.binary(max_size=40)))
def test_validate_answers_every_broken_export_by_the_contract(
        merchants: list[list[str]], links: list[list[str]], drop_column: bool, line_end: str,
        raw_links: bytes | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        header = ["registered_at", "status"] if drop_column else \
            ["merchant_id", "registered_at", "status"]
        (d / "merchants.csv").write_bytes(_csv(header, merchants, line_end))
        (d / "merchant_devices.csv").write_bytes(
            raw_links if raw_links is not None
            else _csv(["merchant_id", "device_id", "logins"], links, line_end))
        result = CliRunner().invoke(cli, ["validate", str(d), "--rejects",
                                          str(d / "rejects.csv")])
    assert "Traceback" not in result.output + result.stderr
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr)
    if result.exit_code == 2:
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("error: ") and ".csv" in last, last
        return
    totals = {}
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[1].isdigit():
            totals[parts[0]] = tuple(int(x) for x in parts[1:])
    assert "total" in totals, result.stdout
    for rows, loaded, rejected, _merged in totals.values():
        assert loaded + rejected == rows
