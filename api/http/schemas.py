"""Request and response bodies (CaseCreate, CaseRead, TaskSubmission, ...), as in OpenAPI."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field

from api.http.validators import Amount, IdNumber, Line, NearDate, Paragraph, Phone
from engine import catalogue

# The processes a case may be opened on and the values of the tasks' choice fields are the
# catalogue's: the API offers what the forms do.
if TYPE_CHECKING:
    ProcessId: TypeAlias = str
    Party: TypeAlias = str
    Procedure: TypeAlias = str
    ServedBy: TypeAlias = str
else:
    ProcessId = Literal[tuple(p.id for p in catalogue.PROCESSES if p.selectable)]
    Party = Literal[catalogue.field_choices("party")]
    Procedure = Literal[catalogue.field_choices("procedure")]
    ServedBy = Literal[catalogue.field_choices("channel")]
Role = Literal["court_clerk", "mediator", "judge", "auditor", "supervisor", "admin"]
Text = str


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorBody(BaseModel):
    code: str = Field(description="稳定的错误代码（英文）")
    message: str = Field(description="中文说明")
    field: str | None = Field(default=None, description="出错的字段，如 facts.consumer.phone")
    current: CaseRead | None = Field(default=None, description="409 时：案件的当前状态")
    errors: list[dict[str, Any]] | None = Field(default=None, description="多处错误时逐项列出")


# -- cases -------------------------------------------------------------------------------------


class Consumer(Strict):
    name: Line = Field(min_length=1, max_length=50)
    phone: Phone | None = None
    id_number: IdNumber | None = None


class Business(Strict):
    name: Line = Field(min_length=1, max_length=200)


class CaseFacts(Strict):
    claim_amount: Amount | None = None
    consumer: Consumer | None = None
    business: Business | None = None
    channel: Literal["offline", "online"] | None = None
    summary: Paragraph | None = Field(default=None, max_length=2000)


class CaseCreate(Strict):
    process_id: ProcessId
    case_id: str = Field(
        min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f/\\?#%]+$", description="案号"
    )
    facts: CaseFacts = Field(default_factory=CaseFacts)


class FieldRead(BaseModel):
    name: str
    label_zh: str
    kind: str
    required: bool
    choices: list[str]
    future: bool


class ChoiceRead(BaseModel):
    id: str
    label_zh: str
    fields: list[FieldRead]


class TaskRead(BaseModel):
    case_id: str
    task_id: str
    bpmn_id: str
    title_zh: str
    roles: list[str]
    org: str | None
    due: date | None = Field(description="法定期限（上海日期），无则为空")
    due_provisional: bool = Field(
        default=False,
        description="期限按尚未公布放假安排的年度暂定计算；公布后重新计算",
    )
    choices: list[ChoiceRead]
    actionable: bool = Field(description="当前用户能否办理")
    assignee: str | None = Field(
        default=None, description="主管指派的办理人（用户名）；空为本单位任一人"
    )
    assignee_name: str | None = Field(default=None, description="指派办理人的姓名")


class CaseRead(BaseModel):
    id: str
    process_id: str
    status: str
    version: int = Field(description="版本号，即 ETag")
    court_org: str | None
    mediator_org: str | None
    outcome: str | None
    facts: dict[str, Any]
    tasks: list[TaskRead]
    next_due: datetime | None
    opened_at: datetime
    closed_at: datetime | None
    pack_version: str | None = Field(
        default=None, description="期限据以计算的规则包版本（声明版本@内容哈希，含地方协议）"
    )
    calendar_version: str | None = Field(
        default=None, description="期限据以计算的法定日历版本（已载入的国务院放假安排的哈希）"
    )


class CasePage(BaseModel):
    items: list[CaseRead]
    limit: int
    offset: int


class AssigneeBody(Strict):
    """Assigns a waiting task to one person of the organisation that acts on it."""

    username: str = Field(min_length=1, max_length=64, description="办理人的用户名")


class TaskSubmission(Strict):
    """Completes a waiting task: `action` is one of the task's choices, the rest its fields."""

    action: str = Field(min_length=1, max_length=40)
    reason: Paragraph | None = Field(default=None, max_length=500)
    party: Party | None = None
    mediator_org: Line | None = Field(default=None, max_length=200)
    procedure: Procedure | None = None
    until: NearDate | None = None
    amount: Amount | None = None
    effective_on: NearDate | None = None
    joint: bool | None = None
    voluntary: bool | None = None
    session_at: Line | None = Field(default=None, max_length=500)
    place: Line | None = Field(default=None, max_length=500)
    # How the 调解通知 was served (notify_parties), and the court a complaint agreement goes to
    # for judicial confirmation (R41): without them a complaint case could not get there.
    channel: ServedBy | None = None
    court: Line | None = Field(
        default=None, min_length=1, max_length=200, description="受理司法确认的法院"
    )
    # The agreement's terms (mediate/agree) the 调解协议书 prints; the form always had them.
    terms: Paragraph | None = Field(default=None, max_length=500)
    performance_method: Line | None = Field(default=None, max_length=500)
    performance_deadline: NearDate | None = None


class EventRead(BaseModel):
    seq: int
    activity: str
    activity_zh: str | None
    at: datetime
    actor: str | None
    actor_name: str | None = Field(default=None, description="经办人姓名（如 王书记员）")
    role: str | None
    org: str | None
    data: dict[str, Any]
    hash: str


class FeedEvent(BaseModel):
    id: int = Field(description="游标：下次以 after=id 继续读取")
    case: str
    seq: int
    activity: str
    at: datetime
    actor: str | None
    role: str | None
    org: str | None
    data: dict[str, Any]


class FeedPage(BaseModel):
    events: list[FeedEvent]
    next_after: int = Field(description="下次请求的 after 值")


class MyTask(BaseModel):
    case_id: str
    process_id: str
    status: str
    task: TaskRead


# -- audit and statistics ----------------------------------------------------------------------


class EvidenceRead(BaseModel):
    activity: str
    at: str
    file: str
    line: int


class FindingRead(BaseModel):
    case: str
    rule: str
    kind: str
    due: date | None
    at: str | None
    message: str
    message_en: str
    explanation: str
    evidence: list[EvidenceRead]
    org: str | None = Field(default=None, description="问题归属机构（案件的机构，与审计命令一致）")


class AuditReport(BaseModel):
    cases: int
    events: int
    as_of: datetime
    rule_pack: str
    findings: list[FindingRead]
    total: int | None = Field(
        default=None, description="符合筛选条件的问题总数（分页时本页之外的也计入）"
    )
    next_after: str | None = Field(
        default=None, description="下一页的游标（传给 after）；没有下一页时为空"
    )


class Statistics(BaseModel):
    cases: int
    by_status: dict[str, int]
    by_process: dict[str, int]
    by_outcome: dict[str, int]
    deadline_within_3_days: int = Field(
        description="未结案件中，下一期限在今天起三日内（含已逾期）到期的件数（按北京时间日历日）"
    )
    findings_by_rule: dict[str, int]
    by_province: dict[str, int] = Field(default_factory=dict, description="按省汇总的案件数")
    by_city: dict[str, int] = Field(
        default_factory=dict, description="按设区市汇总（调解组织所在地，未委派的按法院）"
    )
    by_county: dict[str, int] = Field(default_factory=dict, description="按县（市、区）汇总")
    period: list[date] | None = Field(
        default=None, description="给出 from/to 时：按立案（登记）日期统计的区间 [from, to]"
    )
    same_period_last_year: dict[str, dict[str, int]] | None = Field(
        default=None, description="上年同期的 by_province / by_city / by_county"
    )
    year_on_year: dict[str, dict[str, float | None]] | None = Field(
        default=None, description="同比增减（本期/上年同期 - 1）；上年同期为0时为空"
    )


# -- reference -----------------------------------------------------------------------------------


class PeriodRead(BaseModel):
    name: str
    days: int | None
    months: int | None
    years: int | None
    unit: str
    start: str = Field(alias="from")
    until: list[str]
    when: dict[str, str]
    adjust: list[str]
    target: bool
    overridden_by: str | None

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class RuleRead(BaseModel):
    id: str
    title_zh: str
    title_en: str
    kind: list[str]
    parameters: list[PeriodRead]
    source: str
    confidence: str
    outcomes: list[str]
    checked: str | None
    rule_pack: str


class DueRead(BaseModel):
    start: date = Field(alias="from")
    days: int
    unit: str
    due: date
    provisional: bool
    skipped: list[date]
    calendar: str
    explanation: str
    explanation_en: str

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


# -- accounts --------------------------------------------------------------------------------------


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int = Field(description="有效期（秒）")


class Me(BaseModel):
    id: str
    name: str
    role: str
    org: str
    scope: str
    kind: str


class UserCreate(Strict):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: Role
    org: str = Field(min_length=1, max_length=200)
    display_name: str = Field(default="", max_length=100)
    scope: Literal["org", "province"] = "org"


class UserRead(BaseModel):
    username: str
    display_name: str
    role: str
    org: str
    scope: str
    active: bool


class UserUpdate(Strict):
    """What an admin may change; each change revokes the user's tokens at once."""

    role: Role | None = None
    org: str | None = Field(default=None, min_length=1, max_length=200)
    scope: Literal["org", "province"] | None = None
    display_name: str | None = Field(default=None, max_length=100)
    active: bool | None = None


class PasswordReset(Strict):
    password: str = Field(min_length=8, max_length=200)


class ApiKeyCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    role: Role
    org: str = Field(min_length=1, max_length=200)
    scope: Literal["org", "province"] = "org"


class ApiKeyRead(BaseModel):
    id: str
    name: str
    role: str
    org: str
    scope: str
    active: bool


class ApiKeyIssued(ApiKeyRead):
    key: str = Field(description="密钥，仅此一次显示；调用时放在 X-API-Key 头")


ErrorBody.model_rebuild()
