"""One place that turns every error into the API's error body and HTTP status.

Body: {"code": stable English code, "message": 中文说明, "field": the offending field or null},
plus `current` (the case as it now is) on a 409 about a case, and `errors` listing every
problem of a request that broke several rules.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from engine.domain.errors import (
    CaseExists,
    CaseNotFound,
    ConcurrentUpdate,
    DomainError,
    InvalidTaskData,
    NotPermitted,
    TaskNotFound,
    TransitionNotAllowed,
)

STATUS: dict[type[DomainError], int] = {
    CaseNotFound: 404,
    TaskNotFound: 409,  # the task is no longer waiting: someone else completed it
    CaseExists: 409,
    ConcurrentUpdate: 409,
    TransitionNotAllowed: 409,
    InvalidTaskData: 422,
    NotPermitted: 403,
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        current: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.current = current
        self.headers = headers or {}
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "field": self.field}
        if self.current is not None:
            body["current"] = self.current
        if self.errors:
            body["errors"] = self.errors
        return body

    def response(self) -> Response:
        return json_response(self.status, self.body(), self.headers)


def from_domain(exc: DomainError, current: dict[str, Any] | None = None) -> ApiError:
    status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
    return ApiError(
        status, exc.code, exc.message, field=exc.field, current=current if status == 409 else None
    )


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        content=orjson.dumps(body),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )


def unauthenticated(message: str = "请先登录或提供有效的 API 密钥") -> ApiError:
    return ApiError(401, "unauthenticated", message, headers={"WWW-Authenticate": "Bearer"})


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


# -- request validation ---------------------------------------------------------------------------

LABELS = {
    "process_id": "流程",
    "case_id": "案号",
    "facts": "案件信息",
    "claim_amount": "索赔金额",
    "consumer": "消费者",
    "business": "经营者",
    "name": "名称",
    "phone": "电话号码",
    "id_number": "身份证号码",
    "channel": "收案渠道",
    "court": "受理法院",
    "summary": "纠纷概要",
    "action": "操作",
    "reason": "理由",
    "party": "当事人",
    "mediator_org": "调解组织",
    "procedure": "审理程序",
    "until": "日期",
    "amount": "协议金额",
    "effective_on": "协议生效日期",
    "joint": "双方共同申请",
    "voluntary": "自动履行",
    "session_at": "调解时间",
    "place": "调解地点",
    "username": "用户名",
    "password": "密码",
    "role": "角色",
    "org": "单位",
    "scope": "范围",
    "display_name": "姓名",
    "after": "游标",
    "limit": "条数",
    "offset": "偏移",
    "days": "天数",
    "unit": "计算方式",
    "from": "起算日",
    "as_of": "审计时点",
    "status": "状态",
    "Idempotency-Key": "幂等键",
    "idempotency-key": "幂等键",
}


OWN_CODES = frozenset({"control_character", "date_out_of_range"})


def _message(error: dict[str, Any], label: str) -> tuple[str, str]:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in ("missing", "missing_argument"):
        return "missing_field", f"请填写{label}"
    if kind in OWN_CODES:  # our own validators (api/http/validators.py): code and message
        return kind, str(error.get("msg", ""))
    if kind == "extra_forbidden":
        return "unknown_field", f"不支持的字段“{label}”"
    if kind == "literal_error" or kind == "enum":
        return "invalid_choice", f"{label}须为：{ctx.get('expected', '')}".replace("'", "")
    if kind.startswith("string_too_long"):
        return "too_long", f"{label}不能超过{ctx.get('max_length')}字"
    if kind.startswith("string_too_short"):
        return "too_short", f"{label}不能为空"
    if kind.startswith("string") or kind == "str_type":
        return "invalid_type", f"{label}须为文字"
    if kind.startswith(("int_", "float_", "decimal_")):
        return "invalid_number", f"{label}须为数字"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        words = {"greater_than_equal": "不能小于", "greater_than": "须大于"}
        return "out_of_range", f"{label}{words.get(kind, '不能超过')}{bound}"
    if kind.startswith("date"):
        return "invalid_date", f"{label}须为日期（YYYY-MM-DD）"
    if kind.startswith("bool"):
        return "invalid_bool", f"{label}须为是或否（true/false）"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "invalid_type", f"{label}须为 JSON 对象"
    if kind == "list_type":
        return "invalid_type", f"{label}须为列表"
    if kind == "json_invalid":
        return "malformed_body", "请求体不是有效的 JSON"
    if "_" in kind and kind.startswith("invalid_"):  # our own validators: code and message
        return kind, str(error.get("msg", ""))
    return "invalid_value", f"{label}格式不正确"


def validation_error(exc: RequestValidationError) -> ApiError:
    problems = []
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "header", "path")]
        field = ".".join(loc) or None
        label = LABELS.get(loc[-1], loc[-1]) if loc else "请求"
        code, message = _message(dict(error), label)
        problems.append({"code": code, "message": message, "field": field})
    first: dict[str, str | None] = (
        problems[0] if problems else {"code": "invalid_request", "message": "请求无效"}
    )
    status = 400 if first["code"] == "malformed_body" else 422
    if first["code"] == "invalid_type" and not first.get("field"):
        status, first = 400, {"code": "malformed_body", "message": "请求体须为 JSON 对象"}
    return ApiError(
        status,
        str(first["code"]),
        str(first["message"]),
        field=first.get("field"),
        errors=problems if len(problems) > 1 else None,
    )


def install(app: FastAPI) -> None:
    async def on_api_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)  # noqa: S101
        return exc.response()

    async def on_domain_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)  # noqa: S101
        return from_domain(exc).response()

    async def on_validation(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)  # noqa: S101
        return validation_error(exc).response()

    async def on_http(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)  # noqa: S101
        codes = {
            404: ("not_found", "没有这个地址"),
            405: ("method_not_allowed", "不支持此方法"),
            # FastAPI's words for a body it could not decode (its own text is English)
            400: ("malformed_body", "请求体无法解析，须为 UTF-8 编码的 JSON"),
        }
        code, message = codes.get(exc.status_code, ("http_error", str(exc.detail)))
        return json_response(
            exc.status_code,
            {"code": code, "message": message, "field": None},
            dict(exc.headers or {}),
        )

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
