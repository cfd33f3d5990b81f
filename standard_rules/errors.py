"""Errors of the pure core. Each message names what is wrong and where."""


class StandardRulesError(Exception):
    """Base class for errors raised by standard_rules."""


class PackError(StandardRulesError):
    """A rule pack or calendar data file is malformed; the message names the file and the field."""


class CalendarError(StandardRulesError):
    """A date or period cannot be reckoned (e.g. a negative number of days)."""
