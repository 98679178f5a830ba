"""The native half of herken (Rust, PyO3): use the functions of `herken` instead."""

from typing import Any, Optional

class HerkenError(Exception):
    """Base of herken's errors. `kind` is `usage`, `input`, `findings` or `interrupted`; `code`
    a diagnostic code (`case::wrong-type`, `bundle::untrusted`, …) where one applies; `file`,
    `line`, `column`, `row` and `field` say where, when known. Never an answer value."""

    kind: str
    code: Optional[str]
    file: Optional[str]
    line: Optional[int]
    column: Optional[int]
    row: Optional[int]
    field: Optional[str]
    rows: Any
    """From a batch that stopped after some rows: the rows scored before (a DataFrame), else
    absent or None."""

class UsageError(HerkenError):
    """An option or argument that cannot be (the CLI's exit code 2)."""

class InputError(HerkenError):
    """An input that cannot be used: a file, a mapping, a case, a rule set, a bundle."""

class RuleSetError(InputError):
    """A rule set that does not load; `diagnostics` has every error (`code`, `file`, `line`,
    `column`, `message`, `help`)."""

    diagnostics: list[dict[str, Any]]

class CaseError(InputError):
    """A case that does not fit the questions; `errors` has every problem (`code`, `field`,
    `message`, `help`)."""

    errors: list[dict[str, Any]]

class RuleSet:
    @staticmethod
    def open(spec: str, trusted_keys: list[str] = ...) -> "RuleSet": ...
    @property
    def id(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def languages(self) -> list[str]: ...
    @property
    def spec(self) -> str: ...
    @property
    def trusted_keys(self) -> list[str]: ...
    @property
    def notes(self) -> list[str]: ...
    @property
    def questions(self) -> list[str]: ...
    @property
    def outcomes(self) -> list[str]: ...
    def title(self, language: str = "en") -> str: ...
    def screen_json(self, case_json: str, language: str = "nl", next_questions: bool = True) -> str: ...

SET_FIELDS: list[str]
"""The columns each rule set gets in a batch row, after ``<set id>.``."""

def bundled() -> list[str]: ...
def version() -> str: ...
def run_batch(
    argv: list[str], data: Optional[bytes] = None, name: Optional[str] = None, jsonl: bool = False
) -> tuple[str, str, list[str], Optional[str]]: ...
