"""The process definitions: workflows/*.bpmn parsed and XSD-validated once per process.

A running case stores a reference to its process version (`process@hash`), never a copy of the
definition: the definition is the larger half of a stock SpiffWorkflow document and rebuilding it
is most of the cost of loading a case.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.parser import BpmnParser, BpmnValidator

from engine.bpmn.clock import use_engine_clock
from engine.ports import ProcessArchive

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
    """Every process of a workflows directory, keyed by id and by version reference.

    New cases start on the current files. A case started on an earlier version keeps running on
    it: with an archive (the database every worker shares) each deployed version's files are
    kept, and an older version is parsed again the first time one of its cases is loaded.
    """

    def __init__(
        self, directory: Path = WORKFLOWS_DIR, archive: ProcessArchive | None = None
    ) -> None:
        files = {path.name: path.read_bytes() for path in sorted(directory.glob("*.bpmn"))}
        if not files:
            raise FileNotFoundError(f"{directory}: no BPMN files")
        self.version = version_of(files)
        self._archive = archive
        self._by_ref: dict[str, ProcessSpec] = {}
        self._ref_of: dict[int, str] = {}
        self._versions: dict[str, dict[str, ProcessSpec]] = {}
        self._by_id = self._parse(self.version, files)
        if archive is not None:
            archive.keep(self.version, files, datetime.now(UTC))

    def _parse(self, version: str, files: dict[str, bytes]) -> dict[str, ProcessSpec]:
        parser = BpmnParser(validator=BpmnValidator())
        for name, content in sorted(files.items()):
            parser.add_bpmn_str(content, filename=name)
        entries: dict[str, ProcessSpec] = {}
        for name in sorted(files):
            process_id = Path(name).stem
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
            use_engine_clock(spec, subprocess_specs)
            ref = f"{process_id}@{version}"
            entry = ProcessSpec(
                process_id, ref, spec.description or process_id, spec, subprocess_specs
            )
            entries[process_id] = entry
            self._by_ref[ref] = entry
            self._ref_of[id(spec)] = ref
        self._versions[version] = entries
        return entries

    def get(self, process_id: str) -> ProcessSpec:
        """The current version of a process (the one new cases start on)."""
        try:
            return self._by_id[process_id]
        except KeyError:
            raise KeyError(f"unknown process {process_id!r}") from None

    def deployed(self, version: str) -> dict[str, ProcessSpec]:
        """Every process of a deployed version, parsed from the archive if need be."""
        entries = self._versions.get(version)
        if entries is None:
            files = self._archive.files(version) if self._archive is not None else {}
            if not files:
                raise KeyError(
                    f"process version {version!r} is not deployed here (current {self.version})"
                )
            entries = self._parse(version, files)
        return entries

    def by_ref(self, ref: str) -> ProcessSpec:
        entry = self._by_ref.get(ref)
        if entry is None:
            process_id, _, version = ref.partition("@")
            entry = self.deployed(version).get(process_id)
        if entry is None:
            raise KeyError(f"process version {ref!r} is not loaded (current {self.version})")
        return entry

    def archived_versions(self) -> list[tuple[str, datetime]]:
        """Every deployed version with when it was first deployed (the current one at least)."""
        if self._archive is None:
            return [(self.version, datetime.now(UTC))]
        return self._archive.versions()

    def ref_of(self, spec: Any) -> str:
        return self._ref_of[id(spec)]

    @property
    def process_ids(self) -> list[str]:
        return list(self._by_id)


def version_of(files: dict[str, bytes]) -> str:
    """The content address of a set of process files (names and bytes)."""
    digest = hashlib.sha256()
    for name, content in sorted(files.items()):
        digest.update(name.encode() + b"\0" + content)
    return digest.hexdigest()[:16]
