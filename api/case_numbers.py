"""A court's case number on a new case: well formed, its own court's code, the right type, not
a duplicate of the same number typed another way; and the next free number to offer.

Committee cases (complaints, supported lawsuits) carry the committee's own numbering, which the
standard does not fix, so only court processes are checked.
"""

from __future__ import annotations

from datetime import date

from engine.domain.errors import CaseExists, InvalidTaskData
from standard_rules.case_number import CaseNumber, CaseNumberError, parse, try_parse
from standard_rules.orgs import Registry
from storage.scoped import ScopedReads

# The case type a court process is numbered under: 诉前调解 before filing, a filed case after.
PROCESS_TYPES = {
    "pre_filing_referral": ("民诉前调",),
    "post_filing_referral": ("民初", "民终", "民再"),
}


class CaseNumberRefused(InvalidTaskData):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, field="case_id")
        self.code = code


def spellings(number: CaseNumber) -> list[str]:
    """The texts the same number was stored under before numbers were normalised: half- or
    full-width brackets, the serial as typed or padded to four digits (as the demo did)."""
    serials = {str(number.serial), f"{number.serial:04d}"}
    return sorted(
        f"{opening}{number.year}{closing}{number.court_code}{number.type}{serial}号"
        for opening, closing in (("（", "）"), ("(", ")"))
        for serial in serials
    )


def check(
    registry: Registry, reads: ScopedReads, process_id: str, court_org: str, raw: str, today: date
) -> str:
    """The canonical case number for a new court case, or a refusal naming case_id."""
    allowed = PROCESS_TYPES.get(process_id)
    if allowed is None:
        return raw
    try:
        number = parse(raw)
    except CaseNumberError as exc:
        raise CaseNumberRefused("invalid_case_number", str(exc)) from None
    court = registry.find(court_org)
    if court is None or court.kind != "court":
        raise CaseNumberRefused("unknown_org", f"您所属的法院“{court_org}”不在组织名录中")
    if number.court_code != court.court_code:
        raise CaseNumberRefused(
            "court_code_mismatch",
            f"案号中的法院代字“{number.court_code}”不是{court.short}的代字（{court.court_code}）",
        )
    if number.type not in allowed:
        raise CaseNumberRefused(
            "case_type_mismatch",
            f"此类案件的案号类型须为{'、'.join(allowed)}，而不是“{number.type}”",
        )
    if number.year > today.year:
        raise CaseNumberRefused("invalid_case_number", f"案号年份{number.year}晚于今年")
    taken = reads.existing_ids(spellings(number))
    if taken:
        raise CaseExists(f"案件{number}已存在（登记为“{taken[0]}”）", field="case_id")
    return str(number)


def next_number(reads: ScopedReads, court_code: str, case_type: str, year: int) -> str:
    """One more than the highest serial this court has used for this type and year."""
    base = CaseNumber(year, court_code, case_type, 1)
    highest = 0
    for prefix in {base.prefix(), f"({year}){court_code}{case_type}"}:
        last = reads.last_id_with_prefix(prefix)
        found = try_parse(last) if last else None
        if found is not None and found.prefix() == base.prefix():
            highest = max(highest, found.serial)
    return str(CaseNumber(year, court_code, case_type, highest + 1))
