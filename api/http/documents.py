"""The handoff letters of a case over HTTP: list what was produced, produce one and download it.

A document is rendered from the case as it stands and kept with it, hashed (api/documents); a
document asked for before its step, or with a required field the case lacks, is refused with
the reason, never produced with a blank.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Path, Query, Response

from api.documents import FieldConflict, MissingFields, NotReady, produce, timeline
from api.documents.fonts import FontMissing
from api.documents.template import kinds
from api.errors import ApiError, json_response
from api.http.cases import CaseId
from api.http.deps import IdempotencyKey, Reader, Services, Svc, Writer
from api.http.responses import CASE_READ, WRITE, errors
from api.http.validators import Paragraph
from api.http.views import visible_case
from storage.accounts import Account
from storage.documents import DocumentRecord, TooManyDocuments
from storage.idempotency import KeyTaken, PendingKey, Recorded, within_step

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
    key: IdempotencyKey = None,
    fields: Annotated[
        dict[str, Annotated[Paragraph, Body(max_length=2000)]] | None,
        Body(
            embed=True,
            description="案件数据中没有的字段，如移送材料 materials（不得与案件记录矛盾）",
        ),
    ] = None,
) -> Response:
    visible_case(services, account, case_id)
    if kind not in kinds():
        raise ApiError(404, "unknown_document", f"没有名为“{kind}”的文书", field="kind")
    if key is None:
        return _file(*_produce(services, account, case_id, kind, fmt, fields), replayed=False)
    # A letter is kept with its key in one transaction (storage/documents.py): a retry gets
    # the same letter, never a copy, even when the first request's process died.
    path = f"/cases/{case_id}/documents/{kind}?format={fmt}"
    payload = orjson.dumps(fields or {}, option=orjson.OPT_SORT_KEYS).decode()
    request_hash = hashlib.sha256(f"POST {path}\n{payload}".encode()).hexdigest()
    recorded = services.idempotency.lookup(account.id, key)
    if recorded is not None:
        return _replay(services, recorded, request_hash)
    pending = PendingKey(account.id, key, request_hash)
    with within_step(pending):
        try:
            record, content = _produce(services, account, case_id, kind, fmt, fields)
        except KeyTaken:
            return _replay_first(services, account, key, request_hash)
        except ApiError as exc:
            if exc.status >= 500:
                raise
            body = orjson.dumps(exc.body()).decode()
            if services.idempotency.record_new(pending, exc.status, body, None) is not None:
                return _replay_first(services, account, key, request_hash)
            return exc.response()
    return _file(record, content, replayed=False)


def _produce(
    services: Services,
    account: Account,
    case_id: str,
    kind: str,
    fmt: str,
    fields: Mapping[str, str] | None,
) -> tuple[DocumentRecord, bytes]:
    try:
        return produce(
            services.engine,
            services.documents,
            case_id,
            kind,
            fmt,
            fields,
            created_by=account.id,
            files=services.attachments,
        )
    except MissingFields as exc:
        raise ApiError(422, "missing_fields", str(exc), field=",".join(exc.fields)) from exc
    except NotReady as exc:
        raise ApiError(409, "document_not_ready", str(exc), field="kind") from exc
    except FieldConflict as exc:
        raise ApiError(422, "field_conflict", str(exc)) from exc
    except TooManyDocuments as exc:
        raise ApiError(409, "too_many_documents", str(exc), field="kind") from exc
    except FontMissing as exc:
        raise ApiError(503, "font_missing", str(exc)) from exc


def _file(record: DocumentRecord, content: bytes, replayed: bool) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="{record.kind}.{record.format}"',
        "X-Document-SHA256": record.sha256,
    }
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(content, media_type=MEDIA[record.format], headers=headers)


def _replay(services: Services, recorded: Recorded, request_hash: str) -> Response:
    if recorded.fingerprint != request_hash:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "此幂等键已用于另一请求，请换一个新键",
            field="Idempotency-Key",
        )
    if recorded.status == 0:  # a key claimed by another kind of request, still running
        raise ApiError(
            409,
            "idempotency_in_progress",
            "使用此幂等键的请求仍在处理中，请稍后重试",
            field="Idempotency-Key",
        )
    body = orjson.loads(recorded.body)
    if recorded.status != 200:
        return json_response(recorded.status, body, {"Idempotent-Replayed": "true"})
    record = services.documents.get(body["document"])
    if record is None:
        raise ApiError(404, "document_gone", "此幂等键对应的文书已不存在", field="Idempotency-Key")
    return _file(record, services.documents.content(record.id), replayed=True)


def _replay_first(services: Services, account: Account, key: str, request_hash: str) -> Response:
    """Another copy of this request kept its answer first: that answer is ours too."""
    found = services.idempotency.lookup(account.id, key)
    if found is None:
        raise ApiError(409, "idempotency_in_progress", "请稍后重试", field="Idempotency-Key")
    return _replay(services, found, request_hash)
