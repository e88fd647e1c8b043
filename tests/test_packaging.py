"""`pip install .`: the wheel holds every module of textclf and a `textclf` command."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_holds_every_module_and_the_command(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ROOT / "textclf", source / "textclf", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", str(source), "-w", str(tmp_path / "wheel")], check=True, timeout=300)
    wheel, = (tmp_path / "wheel").glob("textclf-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "textclf").rglob("*.py")}
    assert modules - names == set()
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "textclf = textclf.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["train", "--hidden", "128,x"],
                                  ["train", "--epochs", "0"], ["train", "--dropout", "0.95"]])
def test_help_and_argument_errors_answer_without_jax(argv):
    code = (f"import sys\nfrom textclf.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "print('jax' in sys.modules, 'sklearn' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines()[-1] == "False False", done.stdout + done.stderr
    assert "usage: textclf" in done.stdout or "error: argument" in done.stderr


def test_the_install_gives_the_textclf_command():
    """After the README's install (and tests/run.sh's) `textclf` is a command, not only `python -m textclf`."""
    command = Path(sys.executable).parent / "textclf"
    assert command.exists(), "pip install -e . was not run: the README's install gives the textclf command"
    done = subprocess.run([str(command), "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "usage: textclf" in done.stdout
    assert "-e ." in (ROOT / "README.md").read_text(encoding="utf-8").split("```bash", 1)[1].split("```", 1)[0]


def test_the_installed_textclf_command_runs_the_command_line():
    """The installed metadata's console script is textclf.cli:main; tests/run.sh installs it as the README does."""
    from importlib.metadata import entry_points

    import textclf.cli

    found = entry_points(group="console_scripts", name="textclf")
    assert [ep.value for ep in found] == ["textclf.cli:main"], "run `.venv/bin/pip install -e .`"
    assert next(iter(found)).load() is textclf.cli.main
    install = [line for line in (ROOT / "tests" / "run.sh").read_text().splitlines() if "pip install" in line]
    assert install and all(line.rstrip().endswith("-e .") for line in install)


def test_every_command_line_example_of_the_readme_parses():
    import shlex

    from textclf.cli.parser import build_parser

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    examples = [line for line in readme.splitlines() if line.startswith(".venv/bin/textclf ")]
    assert len(examples) >= 8
    for line in examples:
        build_parser().parse_args(shlex.split(line)[1:])  # an unknown option exits with status 2
