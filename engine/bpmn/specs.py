"""The process definitions: workflows/*.bpmn parsed and XSD-validated once per process.

A running case stores a reference to its process version (`process@hash`), never a copy of the
definition: the definition is the larger half of a stock SpiffWorkflow document and rebuilding it
is most of the cost of loading a case.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.parser import BpmnParser, BpmnValidator

from engine.bpmn.clock import use_engine_clock

WORKFLOWS_DIR = Path(__file__).resolve().parents[2] / "workflows"
TOP_LEVEL = (
    "pre_filing_referral",
    "post_filing_referral",
    "complaint_mediation",
    "supported_lawsuit",
)


@dataclass(frozen=True)
class ProcessSpec:
    process_id: str
    ref: str
    name: str
    spec: Any
    subprocess_specs: dict[str, Any]


class SpecLibrary:
    """Every process of a workflows directory, keyed by id and by version reference."""

    def __init__(self, directory: Path = WORKFLOWS_DIR) -> None:
        files = sorted(directory.glob("*.bpmn"))
        if not files:
            raise FileNotFoundError(f"{directory}: no BPMN files")
        digest = hashlib.sha256()
        for path in files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        self.version = digest.hexdigest()[:16]
        parser = BpmnParser(validator=BpmnValidator())
        for path in files:
            parser.add_bpmn_file(str(path))
        self._by_id: dict[str, ProcessSpec] = {}
        self._by_ref: dict[str, ProcessSpec] = {}
        self._ref_of: dict[int, str] = {}
        for path in files:
            process_id = path.stem
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
            use_engine_clock(spec, subprocess_specs)
            ref = f"{process_id}@{self.version}"
            entry = ProcessSpec(
                process_id, ref, spec.description or process_id, spec, subprocess_specs
            )
            self._by_id[process_id] = entry
            self._by_ref[ref] = entry
            self._ref_of[id(spec)] = ref

    def get(self, process_id: str) -> ProcessSpec:
        try:
            return self._by_id[process_id]
        except KeyError:
            raise KeyError(f"unknown process {process_id!r}") from None

    def by_ref(self, ref: str) -> ProcessSpec:
        try:
            return self._by_ref[ref]
        except KeyError:
            raise KeyError(
                f"process version {ref!r} is not loaded (this deployment has {self.version})"
            ) from None

    def ref_of(self, spec: Any) -> str:
        return self._ref_of[id(spec)]

    @property
    def process_ids(self) -> list[str]:
        return list(self._by_id)
