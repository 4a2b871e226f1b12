"""Entry point for ``spark-submit``: ``graphfraud scan --engine spark`` with the master
and configuration spark-submit gives (``--master yarn``, ``--conf ...``).

    spark-submit --master yarn --deploy-mode client \\
        "$(python -c 'import graphfraud.cli.spark_submit as m; print(m.__file__)')" \\
        DATA_DIR --out OUT
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    from graphfraud.cli import cli

    args = list(sys.argv[1:] if argv is None else argv)
    cli(["scan", *args, "--engine", "spark", "--spark-master", ""], prog_name="graphfraud")


if __name__ == "__main__":
    main()
