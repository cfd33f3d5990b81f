"""The script environment of BPMN expressions: an allow-list, and code checked before it runs.

SpiffWorkflow's TaskDataEnvironment runs plain eval/exec; a restricted `__builtins__` alone still
lets `().__class__.__base__.__subclasses__()` or a generator's frame reach `os`. Every script,
condition and timer expression is therefore parsed and refused if it imports, touches a name or
attribute starting with `_`, or inspects frames and code; the allow-list is applied after task
data, so data cannot shadow an allowed function.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Mapping
from functools import lru_cache
from types import CodeType
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

SAFE_BUILTIN_NAMES = (
    "abs", "all", "any", "bool", "dict", "divmod", "enumerate", "filter", "float", "frozenset",
    "int", "isinstance", "len", "list", "map", "max", "min", "range", "reversed", "round", "set",
    "sorted", "str", "sum", "tuple", "zip", "True", "False", "None",
    "Exception", "ValueError", "KeyError", "TypeError",
)  # fmt: skip
SAFE_BUILTINS = {name: getattr(builtins, name) for name in SAFE_BUILTIN_NAMES}

# RestrictedPython 9.0's INSPECT_ATTRIBUTES, plus the format helpers that read attributes.
DENIED_ATTRIBUTES = frozenset(
    {
        "f_builtins", "gi_code", "f_trace", "f_code", "ag_code", "tb_frame", "cr_frame",
        "gi_frame", "f_locals", "gi_yieldfrom", "tb_next", "f_generator", "f_globals", "ag_frame",
        "co_code", "cr_code", "cr_origin", "ag_await", "f_back", "cr_await", "format",
        "format_map",
    }
)  # fmt: skip
DENIED_NODES = (
    ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.AsyncFunctionDef, ast.Await,
    ast.Yield, ast.YieldFrom, ast.ClassDef, ast.FunctionDef, ast.Lambda,
)  # fmt: skip


class UnsafeScript(ValueError):
    """BPMN code outside the allowed subset (refused before it runs)."""


def check_source(source: str, mode: str) -> ast.AST:
    tree = ast.parse(source, mode=mode)
    for node in ast.walk(tree):
        if isinstance(node, DENIED_NODES):
            raise UnsafeScript(f"{type(node).__name__} is not allowed in BPMN code")
        if isinstance(node, ast.Attribute) and (
            node.attr.startswith("_") or node.attr in DENIED_ATTRIBUTES
        ):
            raise UnsafeScript(f"attribute {node.attr!r} is not allowed in BPMN code")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise UnsafeScript(f"name {node.id!r} is not allowed in BPMN code")
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith("__")
        ):
            raise UnsafeScript("dunder strings are not allowed in BPMN code")
    return tree


@lru_cache(maxsize=4096)
def compile_checked(source: str, mode: str) -> CodeType:
    tree: Any = check_source(source, mode)
    code: CodeType = compile(tree, "<bpmn>", mode)
    return code


class GuardedEnvironment(TaskDataEnvironment):  # type: ignore[misc]
    """TaskDataEnvironment whose allow-listed globals task data cannot shadow."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]]) -> None:
        env: dict[str, Any] = {"__builtins__": dict(SAFE_BUILTINS)}
        env.update(functions)
        super().__init__(env)

    def evaluate(
        self,
        expression: str,
        context: Mapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        code = compile_checked(expression, "eval")
        scope = dict(context)
        scope.update(external_context or {})
        scope.update(self.globals)
        return eval(code, scope)  # noqa: S307 - checked by check_source, allow-listed globals

    def execute(
        self,
        script: str,
        context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> bool:
        code = compile_checked(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        context.update(external_context or {})
        context.update(self.globals)
        try:
            exec(code, context)  # noqa: S102 - checked by check_source, allow-listed globals
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True


def script_engine(functions: Mapping[str, Callable[..., Any]]) -> Any:
    return PythonScriptEngine(environment=GuardedEnvironment(functions))
