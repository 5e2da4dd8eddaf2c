"""What farm to simulate, for how long, and how badly its devices behave in the field."""
from dataclasses import dataclass, field
from datetime import datetime, timezone

from webhooks.device_types import FARM_ID_RE

# The tier rejects device time older than its backfill window (30 days by default); stay inside it.
MAX_HOURS = 24 * 28


@dataclass(frozen=True)
class Faults:
    """Field faults. Rates are fractions of the clean readings the farm produces."""

    duplicate_rate: float = 0.02  # resent with the same payload (lost PUBACK): a new EMQX id
    clock_skew_rate: float = 0.005  # device clock far ahead (RTC reset): timestamp_in_future
    non_json_rate: float = 0.005  # firmware glitch: truncated JSON or CSV: payload_not_json
    spoof_rate: float = 0.005  # claims another device's id (payload or MQTT username)
    outages_per_device_day: float = 0.1  # disconnect, buffer readings, reconnect, backfill them
    excursions_per_unit_day: float = 0.75  # cold-chain failures per tank or cold room per day

    def validate(self):
        rates = (self.duplicate_rate, self.clock_skew_rate, self.non_json_rate, self.spoof_rate)
        if any(not 0 <= r <= 0.25 for r in rates):
            raise ValueError("fault rates must be between 0 and 0.25")
        if sum(rates) > 0.5:
            raise ValueError("fault rates add up to more than half of the traffic")
        if self.outages_per_device_day < 0 or self.excursions_per_unit_day < 0:
            raise ValueError("outage and excursion rates must not be negative")


NO_FAULTS = Faults(0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class FarmConfig:
    farm_id: str = "demo-farm"
    cows: int = 40
    milk_meters: int = 4
    bulk_tanks: int = 1
    cold_rooms: int = 1
    collars: int | None = None  # None: every cow wears one
    feeders: int = 2
    gates: int = 2
    waterers: int = 2
    environmental: int = 2
    milkings_per_day: int = 2
    hours: float = 24.0  # simulated time
    # Simulated time starts here (UTC). The CLI picks it so device time never runs ahead of the
    # wall clock; tests fix it so a seed reproduces the same stream byte for byte.
    start: datetime = datetime(2026, 1, 1, tzinfo=timezone.utc)
    seed: int = 1
    first_device_number: int = 1  # lets several simulated farms share one broker without id clashes
    faults: Faults = field(default_factory=Faults)

    @property
    def collar_count(self):
        return self.cows if self.collars is None else self.collars

    def validate(self):
        if not FARM_ID_RE.match(self.farm_id):
            raise ValueError(f"farm id {self.farm_id!r} must match {FARM_ID_RE.pattern}")
        counts = (self.cows, self.milk_meters, self.bulk_tanks, self.cold_rooms, self.collar_count,
                  self.feeders, self.gates, self.waterers, self.environmental)
        if any(n < 0 for n in counts):
            raise ValueError("device and cow counts must not be negative")
        if self.collar_count > self.cows:
            raise ValueError("more collars than cows")
        if self.cows and (not self.milk_meters or not self.bulk_tanks):
            raise ValueError("a herd needs at least one milk meter and one bulk tank")
        if self.first_device_number < 1 or self.first_device_number + max(counts) > 999_999:
            raise ValueError("device numbers must stay within 1..999999")
        if self.milkings_per_day not in (2, 3):
            raise ValueError("milkings per day must be 2 or 3")
        if not 0 < self.hours <= MAX_HOURS:
            raise ValueError(f"hours must be between 0 and {MAX_HOURS}")
        if self.start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self.faults.validate()
        return self
