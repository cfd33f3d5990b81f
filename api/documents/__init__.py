"""The documents of the handoff (RULES.md §3) rendered from case data as PDF and .docx.

`render` fills a template (templates/KIND.toml) from the case and returns the file; `produce`
also stores it with the case (storage/documents.py); `timeline` lists what a case holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from api.documents.corrections import apply as apply_corrections
from api.documents.fields import FieldConflict, collect
from api.documents.template import MissingFields, NotReady, Template, kinds, load_template
from engine.services import Engine
from standard_rules.timezone import SHANGHAI
from storage.attachments import CaseFiles
from storage.documents import DocumentRecord, DocumentStore

__all__ = [
    "FieldConflict",
    "MissingFields",
    "NotReady",
    "kept",
    "kinds",
    "produce",
    "render",
    "timeline",
]


def _check_stage(template: Template, process_id: str, activities: set[str]) -> None:
    if template.processes and process_id not in template.processes:
        raise NotReady(f"{template.title}不适用于此类案件（{process_id}）")
    if template.after and not activities & set(template.after):
        needed = "/".join(template.after)
        raise NotReady(f"案件尚未进行到可出具{template.title}的阶段（需先有：{needed}）")


def render(
    engine: Engine,
    case_id: str,
    kind: str,
    fmt: str = "pdf",
    extra: Mapping[str, str] | None = None,
    issued_on: date | None = None,
    corrected: Mapping[str, str] | None = None,
    files: CaseFiles | None = None,
) -> bytes:
    """The document for the case as it stands (with its facts' corrections: `corrected`, or
    else those kept in `files`, which every caller passes from its Services); MissingFields
    names what the case lacks."""
    from api.documents.pdf import render_pdf
    from api.documents.word import render_docx

    template = load_template(kind)
    view = engine.case(case_id)
    if corrected is None and files is not None:
        corrected = files.corrected(case_id)
    if corrected:
        view = replace(view, facts=apply_corrections(view.facts, corrected))
    events = engine.events(case_id)
    _check_stage(template, view.process_id, {e.activity for e in events})
    day = issued_on or engine.clock.now().astimezone(SHANGHAI).date()
    values = collect(view, events, engine.pack, engine.calendar, day, extra)
    blocks = template.fill(values)
    if fmt == "pdf":
        return render_pdf(template.title, blocks, subject=case_id)
    if fmt == "docx":
        return render_docx(template.title, blocks, subject=case_id)
    raise ValueError(f"format {fmt!r} is not pdf or docx")


def produce(
    engine: Engine,
    store: DocumentStore,
    case_id: str,
    kind: str,
    fmt: str = "pdf",
    extra: Mapping[str, str] | None = None,
    created_by: str | None = None,
    corrected: Mapping[str, str] | None = None,
    files: CaseFiles | None = None,
) -> tuple[DocumentRecord, bytes]:
    """Render the document and keep it with the case (hashed); returns the record and bytes.

    The same letter produced twice (same bytes: rendering is reproducible) is kept once: the
    record already kept is returned, so a double click or a retry adds no second copy."""
    content = render(engine, case_id, kind, fmt, extra, corrected=corrected, files=files)
    digest = hashlib.sha256(content).hexdigest()
    for kept in store.list(case_id):
        if (kept.kind, kept.format, kept.sha256) == (kind, fmt, digest):
            return kept, content
    record = store.add(
        case_id=case_id,
        kind=kind,
        format=fmt,
        content=content,
        created_at=engine.clock.now(),
        created_by=created_by,
    )
    return record, content


def kept(store: DocumentStore, case_id: str, document_id: str) -> tuple[DocumentRecord, bytes]:
    """A letter kept with this case, to download again; LookupError if the case has none such
    (an id from another case is not found, not served)."""
    for record in store.list(case_id):
        if record.id == document_id:
            return record, store.content(document_id)
    raise LookupError(document_id)


def timeline(store: DocumentStore, case_id: str) -> list[dict[str, object]]:
    """A case's documents for the API and pages: kind, title, format, hash, created, served."""
    titles = {k: load_template(k).title for k in kinds()}
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "title_zh": titles.get(r.kind, r.kind),
            "format": r.format,
            "sha256": r.sha256,
            "size": r.size,
            "created_at": r.created_at.isoformat(),
            "served_via": r.served_via,
            "served_at": r.served_at.isoformat() if r.served_at else None,
        }
        for r in store.list(case_id)
    ]
