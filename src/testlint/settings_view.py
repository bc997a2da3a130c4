"""What `check --show-settings` and `check --show-files` print: the resolved settings of a run
(the configuration file, every key with the value that applies, the rules that will run, what
pytest's configuration contributes) and the files it would lint, one a line. Both are the
values the run itself uses, not a re-reading of the files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from testlint.finding import shown_path

if TYPE_CHECKING:
    from testlint.engine import Engine


def files_text(files: Sequence[Path]) -> str:
    return "".join(shown_path(path) + "\n" for path in files)


def _value(value: Any) -> str:
    if isinstance(value, tuple | list | frozenset | set):
        value = list(value)
    if isinstance(value, Path):
        value = value.as_posix()
    return json.dumps(value, ensure_ascii=False)


def settings_text(engine: Engine, files: Sequence[Path]) -> str:
    config = engine.config
    pytest = engine.project.pytest
    options = engine.registry.options()
    lines = [
        f"config-file = {_value(str(config.path) if config.path else None)}",
        f"root = {_value(config.root)}",
        f"select = {_value(config.select)}",
        f"ignore = {_value(config.ignore)}",
        f"extend-select = {_value(config.extend_select)}",
        f"rules = {_value([rule.code for rule in engine.rules])}",
        f"exclude = {_value(config.exclude)}",
        f"respect-gitignore = {_value(config.respect_gitignore)}",
        f"src = {_value(config.src)}",
        f"assertion-helper-prefixes = {_value(config.assertion_helper_prefixes)}",
        f"output-format = {_value(config.output_format)}",
        f"files = {len(files)}",
        "",
        "[per-file-ignores]",
        *(f"{_value(pattern)} = {_value(codes)}"
          for pattern, codes in config.per_file_ignores.items()),
        "",
        "[options]",
        *(f"{key} = {_value(config.options.get(key, spec.default))}"
          for key, spec in sorted(options.items())),
        "",
        "[pytest]",
        f"rootdir = {_value(pytest.rootdir)}",
        f"inifile = {_value(pytest.inifile)}",
        f"python_files = {_value(pytest.python_files)}",
        f"python_classes = {_value(pytest.python_classes)}",
        f"python_functions = {_value(pytest.python_functions)}",
        f"testpaths = {_value(pytest.testpaths)}",
        f"markers = {_value(sorted(pytest.markers))}",
    ]
    return "\n".join(lines) + "\n"
