"""What a project installs for its tests: the distributions it declares, those installed where
testlint runs, and what the well-known pytest plugins among them provide.

- `names`: requirement strings to normalised distribution names (PEP 503);
- `declared`: the distributions a project's files declare (pyproject, requirements files,
  setup.cfg/setup.py, tox.ini, Pipfile, lock files, conda environments, CI and nox install
  commands), read once per directory;
- `installed`: the distributions installed in the environment testlint runs in;
- `plugins`: well-known pytest plugins, the markers they register and the evidence that a
  project uses them.
"""
