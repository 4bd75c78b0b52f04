"""The typed result every service returns: what happened, the report, and what to tell the user.

The CLI maps a result to an exit code and printed lines; the admin area shows its messages in
the visitor's language. An unexpected error is not a result: it propagates (the CLI prints it,
the admin area logs it with a reference)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Report = TypeVar("Report")


class Outcome(enum.Enum):
    OK = "ok"
    #: the input breaks a rule the user can fix (a file refused by its checks, an unknown name)
    REFUSED = "refused"
    #: the request could not be carried out (an unreadable file, a build running, no history)
    FAILED = "failed"


@dataclass(frozen=True)
class Result(Generic[Report]):
    """``report``: what was done (also what was found before a refusal, when anything was);
    ``messages``: why it was refused or failed, by language code (fr, nl, en where the admin
    area shows them; en alone for what only the command line says)."""

    outcome: Outcome
    report: Report | None = None
    messages: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def done(cls, report: Report) -> Result[Report]:
        return cls(Outcome.OK, report)

    @classmethod
    def refused(cls, messages: Mapping[str, str], report: Report | None = None) -> Result[Report]:
        return cls(Outcome.REFUSED, report, messages)

    @classmethod
    def failed(cls, messages: Mapping[str, str], report: Report | None = None) -> Result[Report]:
        return cls(Outcome.FAILED, report, messages)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    def message(self, lang: str) -> str:
        """The message in ``lang``, else in English ("" for a result that is ok)."""
        return self.messages.get(lang) or self.messages.get("en", "")

    def value(self) -> Report:
        """The report of a result that is ok (ValueError otherwise: check ``ok`` first)."""
        if not self.ok or self.report is None:
            raise ValueError(f"a {self.outcome.value} result has no report: {self.message('en')}")
        return self.report
