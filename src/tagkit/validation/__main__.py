"""``python -m tagkit.validation write-suites``: regenerate the committed GE suites."""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

from tagkit.validation.expectations import SUITES_DIR, write_suites

logger = logging.getLogger("tagkit.validation")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tagkit.validation", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    write = sub.add_parser("write-suites",
                           help="rebuild suites/<table>.json from tagkit.contract, and suites/features.json")
    write.add_argument("--dir", type=Path, default=SUITES_DIR, help="folder to write to (default: the package's)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logger.setLevel(logging.INFO)  # GE logs chatter at INFO on import; show only ours
    for path in write_suites(args.dir):
        logger.info("wrote %s", path)
    # the features table's suite is built from the contract's schema of it
    from tagkit.contract import FEATURES_SCHEMA, HOW, SPECULATOR_SCHEMA
    from tagkit.validation.features_suite import SUITE_FILE, write_features_suite

    logger.info("wrote %s", write_features_suite(FEATURES_SCHEMA | SPECULATOR_SCHEMA, HOW,
                                                 args.dir / SUITE_FILE.name))


if __name__ == "__main__":
    main()
