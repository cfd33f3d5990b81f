"""Mutation testing, one mutant at a time: which small changes to the code does the suite miss?

    .venv/bin/python tools/mutate.py                       # the default targets, every mutant
    .venv/bin/python tools/mutate.py --sample 60 --seed 1  # a reproducible sample
    .venv/bin/python tools/mutate.py --paths engine/moving_deadlines.py engine/bpmn/clock.py \\
        --tests tests/workflows -x -q

A target is a file, optionally narrowed to functions: `standard_rules/audit.py::Checker,_online`
mutates only Checker's methods and the function _online. Each mutant changes one operator or one
number (a comparison flipped or loosened, + for -, a whole number off by one, `and` for `or`, a
`not` dropped, True for False) and is written into a private copy of the repository, so the
checkout and the other engineers' runs are never touched; the chosen tests then run there. A
mutant the tests fail on is killed; one they pass is a survivor, printed with its line and written
to --report as Markdown. mutmut was not used: it rewrites the checkout in place and its runner
assumes one source tree per package, neither of which suits a shared machine.
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PATHS = [
    "standard_rules/deadlines.py",
    "standard_rules/legal_calendar.py",
    "standard_rules/audit.py::Checker,_is_lapse,_online,_conditions,case_org",
]
DEFAULT_TESTS = ["tests/unit", "tests/property/test_calendar_properties.py", "-x", "-q"]

_COMPARE_SWAPS: dict[type[ast.cmpop], list[type[ast.cmpop]]] = {
    ast.Lt: [ast.LtE, ast.Gt],
    ast.LtE: [ast.Lt, ast.GtE],
    ast.Gt: [ast.GtE, ast.Lt],
    ast.GtE: [ast.Gt, ast.LtE],
    ast.Eq: [ast.NotEq],
    ast.NotEq: [ast.Eq],
    ast.In: [ast.NotIn],
    ast.NotIn: [ast.In],
    ast.Is: [ast.IsNot],
    ast.IsNot: [ast.Is],
}
_BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
}


@dataclass(frozen=True)
class Mutant:
    path: str
    index: int  # position of the node in ast.walk order
    choice: int  # which replacement for that node
    line: int
    function: str
    description: str


def _functions(tree: ast.Module) -> dict[ast.AST, str]:
    """Every node inside a function, mapped to its qualified name (Class.method)."""
    owner: dict[ast.AST, str] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                for inner in ast.walk(child):
                    owner.setdefault(inner, name)
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return owner


def _annotations(tree: ast.Module) -> set[ast.AST]:
    """Nodes inside type annotations and docstrings: mutating them changes no behaviour."""
    skip: set[ast.AST] = set()
    for node in ast.walk(tree):
        notes: list[ast.expr | None] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            notes.append(node.returns)
            args = node.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            notes += [a.annotation for a in every if a is not None]
        elif isinstance(node, ast.AnnAssign):
            notes.append(node.annotation)
        for note in notes:
            if note is not None:
                skip.update(ast.walk(note))
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        value = first.value if isinstance(first, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            skip.update(ast.walk(first))
    return skip


def _replacements(node: ast.AST) -> list[str]:
    """What each mutation of this node would do, described; empty when none applies."""
    if isinstance(node, ast.Compare):
        return [
            f"{type(op).__name__} -> {new.__name__} (comparison {i})"
            for i, op in enumerate(node.ops)
            for new in _COMPARE_SWAPS.get(type(op), [])
        ]
    if isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in _BINOP_SWAPS:
        return [f"{type(node.op).__name__} -> {_BINOP_SWAPS[type(node.op)].__name__}"]
    if isinstance(node, ast.BoolOp):
        other = "Or" if isinstance(node.op, ast.And) else "And"
        return [f"{type(node.op).__name__} -> {other}"]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ["not x -> x"]
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return [f"{node.value} -> {not node.value}"]
        if isinstance(node.value, int):
            return [f"{node.value} -> {node.value + 1}", f"{node.value} -> {node.value - 1}"]
    return []


def _apply(node: ast.AST, choice: int) -> ast.AST:
    """The node with mutation number `choice` applied (a new node where the type changes)."""
    if isinstance(node, ast.Compare):
        flat = [(i, new) for i, op in enumerate(node.ops) for new in _COMPARE_SWAPS[type(op)]]
        position, new = flat[choice]
        node.ops[position] = new()
        return node
    if isinstance(node, ast.BinOp | ast.AugAssign):
        node.op = _BINOP_SWAPS[type(node.op)]()
        return node
    if isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        return node
    if isinstance(node, ast.UnaryOp):
        return node.operand
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            node.value = not node.value
        elif isinstance(node.value, int):
            node.value = node.value + (1 if choice == 0 else -1)
        return node
    raise ValueError(f"no mutation for {node!r}")


def _target(spec: str) -> tuple[str, tuple[str, ...]]:
    path, _, names = spec.partition("::")
    return path, tuple(n for n in names.split(",") if n)


def enumerate_mutants(spec: str) -> Iterator[Mutant]:
    path, only = _target(spec)
    tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
    owner = _functions(tree)
    skip = _annotations(tree)
    for index, node in enumerate(ast.walk(tree)):
        function = owner.get(node)
        if function is None or node in skip:
            continue  # module-level code runs at import: a mutant there breaks everything
        if only and not any(function == n or function.startswith(n + ".") for n in only):
            continue
        for choice, description in enumerate(_replacements(node)):
            line = getattr(node, "lineno", 0)
            yield Mutant(path, index, choice, line, function, description)


def mutated_source(mutant: Mutant) -> str:
    tree = ast.parse((REPO / mutant.path).read_text(encoding="utf-8"))
    nodes = list(ast.walk(tree))
    target = nodes[mutant.index]
    replacement = _apply(target, mutant.choice)
    if replacement is not target:
        for parent in nodes:
            for field, value in ast.iter_fields(parent):
                if value is target:
                    setattr(parent, field, replacement)
                elif isinstance(value, list):
                    value[:] = [replacement if v is target else v for v in value]
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _copy_repo(into: Path) -> None:
    git = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    listed = subprocess.run(  # noqa: S603 (fixed arguments)
        git,
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        source = REPO / raw.decode()
        if source.is_file():
            (into / raw.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / raw.decode())


def _run_tests(workdir: Path, tests: list[str], timeout: float) -> str:
    """'killed', 'survived' or 'timeout' (a mutant that hangs is counted as killed)."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0")
    env["SUITIAO_SHARED"] = env.get("SUITIAO_SHARED", str(REPO.parent / "shared"))
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *tests]
    try:
        done = subprocess.run(  # noqa: S603 (this interpreter, the caller's test arguments)
            command, cwd=workdir, env=env, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return "timeout"
    return "survived" if done.returncode == 0 else "killed"


def _report_line(m: Mutant) -> str:
    code = (REPO / m.path).read_text(encoding="utf-8").splitlines()[m.line - 1].strip()
    return f"- `{m.path}:{m.line}` {m.function}: {m.description} — `{code}`"


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paths", nargs="+", default=DEFAULT_PATHS, help="file[::func,Class]")
    parser.add_argument("--tests", nargs=argparse.REMAINDER, default=DEFAULT_TESTS)
    parser.add_argument("--sample", type=int, default=0, help="run this many mutants at random")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=20 * 60, help="seconds for all mutants")
    parser.add_argument("--report", type=Path, default=None, help="write survivors (Markdown)")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument(
        "--rerun", type=Path, default=None, help="run only the survivors of an earlier --report"
    )
    args = parser.parse_args(argv)

    mutants = [m for spec in args.paths for m in enumerate_mutants(spec)]
    if args.rerun:
        # matched by place and change (the source line after it is informative only)
        wanted = {
            line.split(" — ")[0] for line in args.rerun.read_text(encoding="utf-8").splitlines()
        }
        mutants = [m for m in mutants if _report_line(m).split(" — ")[0] in wanted]
        args.sample = 0
    if args.sample and args.sample < len(mutants):
        chooser = random.Random(args.seed)  # noqa: S311 (a reproducible sample, not a secret)
        mutants = sorted(
            chooser.sample(mutants, args.sample),
            key=lambda m: (m.path, m.line, m.index, m.choice),
        )
    if args.list:
        for m in mutants:
            say(f"{m.path}:{m.line} {m.function}: {m.description}")
        return 0
    say(f"{len(mutants)} mutants over {', '.join(args.paths)}; tests: {' '.join(args.tests)}")
    with tempfile.TemporaryDirectory(prefix="suitiao-mutate-") as tmp:
        workdir = Path(tmp)
        _copy_repo(workdir)
        started = time.monotonic()
        if _run_tests(workdir, args.tests, timeout=args.budget) != "survived":
            sys.stderr.write("the tests fail without any mutant: fix them first\n")
            return 2
        baseline = time.monotonic() - started
        timeout = 3 * baseline + 10
        say(f"baseline run {baseline:.1f}s; a mutant is given {timeout:.0f}s")
        survivors: list[Mutant] = []
        counts = {"killed": 0, "survived": 0, "timeout": 0}
        begun = time.monotonic()
        ran = 0
        for mutant in mutants:
            if time.monotonic() - begun > args.budget:
                say(f"budget of {args.budget:.0f}s spent after {ran} mutants")
                break
            target = workdir / mutant.path
            original = target.read_text(encoding="utf-8")
            try:
                target.write_text(mutated_source(mutant), encoding="utf-8")
                outcome = _run_tests(workdir, args.tests, timeout)
            finally:
                target.write_text(original, encoding="utf-8")
            ran += 1
            counts[outcome] += 1
            if outcome == "survived":
                survivors.append(mutant)
            say(f"{outcome:8} {mutant.path}:{mutant.line} {mutant.function}: {mutant.description}")
        elapsed = time.monotonic() - begun
    say(
        f"{ran} mutants in {elapsed:.0f}s: {counts['killed']} killed, {counts['timeout']} timed "
        f"out (counted killed), {counts['survived']} survived"
    )
    if args.report:
        lines = [
            f"{ran} mutants ({', '.join(args.paths)}), tests `{' '.join(args.tests)}`: "
            f"{counts['killed'] + counts['timeout']} killed, {counts['survived']} survived.",
            "",
            *(_report_line(m) for m in sorted(survivors, key=lambda m: (m.path, m.line))),
        ]
        args.report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 1 if survivors else 0


if __name__ == "__main__":
    raise SystemExit(main())
