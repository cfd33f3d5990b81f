"""The handoff letters of a case over HTTP: list what was produced, produce one and download it.

A document is rendered from the case as it stands and kept with it, hashed (api/documents); a
document asked for before its step, or with a required field the case lacks, is refused with
the reason, never produced with a blank.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response

from api.documents import FieldConflict, MissingFields, NotReady, produce, timeline
from api.documents.fonts import FontMissing
from api.documents.template import kinds
from api.errors import ApiError
from api.http.cases import CaseId
from api.http.deps import Reader, Svc, Writer
from api.http.responses import CASE_READ, WRITE, errors
from api.http.views import visible_case

router = APIRouter(prefix="/cases", tags=["文书"])
MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
Kind = Annotated[
    str, Path(min_length=1, max_length=64, description="文书种类，如 assignment_letter")
]


@router.get(
    "/{case_id}/documents",
    response_model=list[dict[str, Any]],
    responses=errors(*CASE_READ),
    summary="案件已生成的文书",
)
def case_documents(case_id: CaseId, services: Svc, account: Reader) -> list[dict[str, Any]]:
    visible_case(services, account, case_id)
    return timeline(services.documents, case_id)


@router.post(
    "/{case_id}/documents/{kind}",
    response_class=Response,
    responses={
        200: {
            "description": "文书文件（PDF 或 Word），已随案保存并计算哈希",
            "content": {media: {} for media in MEDIA.values()},
        },
        **errors(*WRITE, 503),
    },
    summary="生成文书（委派调解函、调解协议书等）并下载",
)
def produce_document(
    case_id: CaseId,
    kind: Kind,
    services: Svc,
    account: Writer,
    fmt: Annotated[str, Query(alias="format", pattern="^(pdf|docx)$")] = "pdf",
    fields: Annotated[
        dict[str, Annotated[str, Body(max_length=2000)]] | None,
        Body(
            embed=True,
            description="案件数据中没有的字段，如移送材料 materials（不得与案件记录矛盾）",
        ),
    ] = None,
) -> Response:
    visible_case(services, account, case_id)
    if kind not in kinds():
        raise ApiError(404, "unknown_document", f"没有名为“{kind}”的文书", field="kind")
    store = services.documents
    try:
        record, content = produce(
            services.engine, store, case_id, kind, fmt, fields, created_by=account.id
        )
    except MissingFields as exc:
        raise ApiError(422, "missing_fields", str(exc), field=",".join(exc.fields)) from exc
    except NotReady as exc:
        raise ApiError(409, "document_not_ready", str(exc), field="kind") from exc
    except FieldConflict as exc:
        raise ApiError(422, "field_conflict", str(exc)) from exc
    except FontMissing as exc:
        raise ApiError(503, "font_missing", str(exc)) from exc
    return Response(
        content,
        media_type=MEDIA[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{kind}.{fmt}"',
            "X-Document-SHA256": record.sha256,
        },
    )
