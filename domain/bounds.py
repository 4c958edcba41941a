"""The range of every number a user gives Assay (command options, spec fields, settings), and one check for them.

One table and one wording, so a refusal always names the option, the value and the range; docs/options.md lists
every range (a unit test keeps it in step with this table and with the CLI's options). The upper bounds are there
so that a typo cannot ask for work no run could finish (a trillion attempts, a thousand-way fan-out per call).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from domain.errors import InvalidInput


@dataclass(frozen=True)
class Bound:
    """A closed range ``lo..hi`` of whole numbers, or of finite floats (``lo_open``: greater than ``lo``)."""

    lo: float
    hi: float
    integer: bool = True
    lo_open: bool = False

    def holds(self, value: object) -> bool:
        """Whether ``value`` is a number of the right kind inside the range (NaN and infinities never are)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.integer and not isinstance(value, int):
            return False
        if not math.isfinite(value):
            return False
        above = value > self.lo if self.lo_open else value >= self.lo
        return above and value <= self.hi

    def text(self) -> str:
        """The range as the docs and messages write it: ``1..1,000,000``, ``(0, 1]`` or ``[0, 2]``."""
        if self.integer:
            return f"{int(self.lo):,}..{int(self.hi):,}"
        return f"{'(' if self.lo_open else '['}{_number(self.lo)}, {_number(self.hi)}]"

    def why(self, value: object) -> str:
        """Why ``value`` is refused (the message without the name)."""
        kind = "a whole number" if self.integer else "a number"
        return f"{value!r} is out of range: it must be {kind} in {self.text()}"

    def check(self, name: str, value: object) -> None:
        """Refuse ``value`` outside the range: InvalidInput naming ``name``, the value and the range."""
        if not self.holds(value):
            raise InvalidInput(out_of_range(name, value, self))


def out_of_range(name: str, value: object, bound: Bound) -> str:
    """The one wording of a refused number: ``--attempts 0 is out of range: it must be a whole number in 1..10``."""
    return f"{name} {bound.why(value)}"


def _number(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


# --- command options -------------------------------------------------------------------------------------------
ATTEMPTS = Bound(1, 1_000_000)  # lever pulls of a run (run --attempts, demo --attempts)
UNTIL_ACCEPTED = Bound(1, 50_000)  # at most 20 attempts per point wanted: 1,000,000 attempts at most
CONCURRENCY = Bound(1, 256)  # candidates (run, demo, replay) or model requests (eval) in flight at once
ROWS = Bound(0, 1_000_000)  # rows a listing shows (queue --limit); 0: all of them
SEED = Bound(0, 2**63 - 1)  # a signed 64-bit seed, never negative
MAX_COST = Bound(0, 1_000_000, integer=False, lo_open=True)  # USD
PORT = Bound(0, 65_535)  # 0: any free port
SAMPLES = Bound(1, 1_000)  # samples per (point, model): eval --n, a spec's probe n
TEMPERATURE = Bound(0, 2, integer=False)  # the range hosted chat APIs accept
SIMILARITY = Bound(0, 1, integer=False, lo_open=True)  # dedup --threshold and the spec's novelty thresholds
UNIT = Bound(0, 1, integer=False)  # a rubric total (grade --cap), a spread of solve rates
SHARE = Bound(0, 1, integer=False, lo_open=True)  # a share of samples (spec [probe])

# --- settings (environment) ------------------------------------------------------------------------------------
WORKERS = Bound(1, 256)  # ASSAY_WORKERS
TIMEOUT = Bound(0, 3_600, integer=False, lo_open=True)  # seconds: ASSAY_LLM_TIMEOUT, a deployment's timeout
RETRIES = Bound(0, 20)  # ASSAY_LLM_RETRIES, a deployment's max_retries
# A quarter of an hour to 30 days: shorter signs people out mid-review, longer outlives a device.
SESSION_HOURS = Bound(0.25, 720, integer=False)  # ASSAY_SESSION_HOURS
TRUSTED_PROXIES = Bound(0, 10)  # ASSAY_TRUSTED_PROXIES

# --- spec fields -----------------------------------------------------------------------------------------------
MAX_REPAIRS = Bound(0, 20)
VARIANTS = Bound(0, 10_000)  # [gates].variants_per_template
SUPPORT = Bound(1, 1_000)  # [probe].split_min_support (samples)
WEIGHT = Bound(0, 1_000_000, integer=False, lo_open=True)  # an axis value's weight
AXIS_VALUES = Bound(1, 1_000)  # values of one axis
CELLS = Bound(1, 10_000)  # combinations of every axis's values (each pull draws one)
RATE_LIMIT = Bound(0, 1_000_000_000, integer=False, lo_open=True)  # a deployment's rpm and tpm
PRICE = Bound(0, 1, integer=False)  # USD per token
