"""Committed habits that ruff cannot check: every noqa comment says which rule and why.

(ruff's rules and the layer contracts run in ``make lint``, which ``make test`` runs first.)
"""

from __future__ import annotations

from pathlib import Path
import re

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("simulator", "ui", "cli", "tests", "bench", "build")
#: A noqa comment, and one that names its codes (CODE[, CODE]) and a reason of two words or more.
NOQA = re.compile(r"#\s*noqa\b")
GOOD = re.compile(r"#\s*noqa:\s*[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*\s+\S+\s+\S+")


def test_every_noqa_names_its_rule_and_its_reason():
    bare = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if NOQA.search(line) and not GOOD.search(line):
                    bare.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not bare, "a noqa comment without its rule and reason:\n" + "\n".join(bare)


def test_the_readme_lists_exactly_the_debian_packages_ci_installs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ci_packages = set(re.search(r'PKGS="([^"]+)"', ci).group(1).split())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"apt-get install -y --no-install-recommends \\\n(.*?)\n```", readme, re.S).group(1)
    assert set(block.replace("\\", " ").split()) == ci_packages


def test_the_readme_stands_alone():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        if not target.startswith(("http://", "https://")):
            assert (ROOT / target).exists(), f"README links to {target}, which is not in the repository"
    assert "../" not in readme, "README points outside the repository"
