"""The farm's devices and herd: ids, topics, MQTT identities, and each cow's traits."""
import random
from dataclasses import dataclass

from webhooks.device_types import BY_NAME


@dataclass(frozen=True)
class Device:
    device_id: str
    device_type: str  # webhooks.device_types name
    farm_id: str
    role: str  # what it watches: "bulk_tank", "cold_storage", "parlour_exit", "paddock", ...
    index: int  # 0-based within its role

    @property
    def clientid(self):
        return self.device_id  # devices log in as themselves (username = client id = device id)

    @property
    def username(self):
        return self.device_id

    def topic(self, kind):
        return f"dairy/{self.farm_id}/{BY_NAME[self.device_type].path}/{self.device_id}/{kind}"


@dataclass(frozen=True)
class Cow:
    animal_id: str
    rfid_tag: str
    daily_yield: float  # litres per day at this stage of lactation
    fat: float
    protein: float
    scc: int  # somatic cells per ml (udder health)
    activity: float  # temperament: scales activity and steps


@dataclass(frozen=True)
class Farm:
    devices: tuple
    cows: tuple

    def of_role(self, role):
        return [d for d in self.devices if d.role == role]

    def of_type(self, device_type):
        return [d for d in self.devices if d.device_type == device_type]


# device type -> the roles it plays, in id order; the count of each comes from FarmConfig
def _layout(cfg):
    return [
        ("milk_meter", "parlour", cfg.milk_meters),
        ("temperature", "bulk_tank", cfg.bulk_tanks),
        ("temperature", "cold_storage", cfg.cold_rooms),
        ("collar", "cow", cfg.collar_count),
        ("feeder", "feed_station", cfg.feeders),
        ("gate", "parlour_exit", min(cfg.gates, 1)),
        ("gate", "paddock", max(cfg.gates - 1, 0)),
        ("waterer", "trough", cfg.waterers),
        ("environmental", "barn", cfg.environmental),
    ]


def build(cfg):
    rng = random.Random(f"{cfg.seed}:roster")
    devices, numbers = [], {}
    for device_type, role, count in _layout(cfg):
        prefix = BY_NAME[device_type].prefix
        for index in range(count):
            number = numbers.get(prefix, cfg.first_device_number)
            numbers[prefix] = number + 1
            devices.append(Device(f"{prefix}{number:03d}", device_type, cfg.farm_id, role, index))
    cows = tuple(_cow(rng, n) for n in range(1, cfg.cows + 1))
    return Farm(tuple(devices), cows)


def _cow(rng, n):
    return Cow(
        animal_id=f"COW{n:04d}",
        rfid_tag=f"{rng.getrandbits(64):016X}",
        daily_yield=rng.uniform(24.0, 40.0),
        fat=rng.uniform(3.6, 4.4),
        protein=rng.uniform(3.1, 3.5),
        # log-normal around 120k cells/ml: most cows healthy, a few with subclinical mastitis
        scc=int(min(max(rng.lognormvariate(11.7, 0.45), 50_000), 400_000)),
        activity=rng.uniform(0.8, 1.2),
    )
