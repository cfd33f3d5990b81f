"""The error responses each operation documents, so OpenAPI lists every status it can answer."""

from __future__ import annotations

from typing import Any

from api.http.schemas import ErrorBody

DESCRIPTIONS = {
    400: "请求体不是有效的 JSON 对象，或请求头格式不正确",
    401: "未登录、令牌过期或 API 密钥无效",
    403: "您的角色或单位无权执行此操作",
    404: "案件不存在，或不属于您的单位（不区分两者）",
    409: "冲突：案件已被他人更新（If-Match 不符）、任务已不在等待、案号已存在，"
    "或同一幂等键的请求仍在处理；附案件当前状态",
    413: "请求体过大",
    422: "字段校验失败：code 为稳定的错误代码，message 为中文说明，field 指明字段",
    429: "该账号或该地址登录失败次数过多，暂停登录；Retry-After 为需等待的秒数",
    503: "服务端缺少生成文书所需的中文字体（管理员安装后即可）",
}
ETAG = {"ETag": {"description": "案件版本号（用于 If-Match）", "schema": {"type": "string"}}}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": ErrorBody, "description": DESCRIPTIONS[s]} for s in statuses}


READ = (401, 403, 422)
CASE_READ = (401, 403, 404, 422)
WRITE = (400, 401, 403, 404, 409, 413, 422)
