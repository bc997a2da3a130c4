"""One real scripted run of `testlint rewrite --run` for docs/rewrite.md: the store project
(fixtures/projects/rewrite-gates), the scripted proposals of tests/test_rewrite_proposals.py
served by the fake model server on 127.0.0.1, every gate on.

    python benchmarks/rewrite_funnel.py               # print the verdicts and the funnel
    python benchmarks/rewrite_funnel.py --write-doc   # and put them into docs/rewrite.md

Run from the repository root with the worktree's src first on PYTHONPATH.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import run_cli  # noqa: E402
from tests.llm_server import serve  # noqa: E402
from tests.test_rewrite_proposals import CART, CATALOG, GATES, RULES, RUN  # noqa: E402

COMMAND = (f"testlint rewrite tests --select {RULES} --run --max-attempts 3 "
           "--base-url http://127.0.0.1:PORT/v1")
START, END = "<!-- funnel:start -->", "<!-- funnel:end -->"


def scripted_run() -> str:
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    os.environ["PYTHONHASHSEED"] = "0"
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "user-config")
        project = Path(tmp) / "store"
        shutil.copytree(GATES, project)
        pyproject = project / "pyproject.toml"
        pyproject.write_text(pyproject.read_text(encoding="utf-8").replace(
            "run-timeout = 20", "run-timeout = 3"), encoding="utf-8")
        with serve({**RUN, **CATALOG, **CART}) as llm:
            result = run_cli(["rewrite", "tests", "--select", RULES, "--run", "--max-attempts",
                              "3", "--base-url", f"{llm.url}/v1"], project)
    return result.stderr.replace(llm.url, "http://127.0.0.1:PORT")


def main() -> None:
    text = scripted_run()
    block = f"```console\n$ {COMMAND}\n{text.rstrip()}\n```"
    print(block)
    if "--write-doc" in sys.argv:
        doc = ROOT / "docs" / "rewrite.md"
        current = doc.read_text(encoding="utf-8")
        new = re.sub(re.escape(START) + ".*?" + re.escape(END),
                     lambda _m: f"{START}\n{block}\n{END}", current, flags=re.S)
        doc.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
