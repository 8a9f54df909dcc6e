"""Contact details for the route sheets: a contact per farm, a driver and plate per vehicle.

Drawn from their own random stream (the seed and :data:`CONTACT_STREAM`), so adding them
changes no other drawn value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Second key of the contacts' random stream (``default_rng([seed, CONTACT_STREAM])``).
CONTACT_STREAM = 13
SURNAMES = ("李", "王", "张", "刘", "陈", "杨", "吴", "周", "徐", "朱", "叶", "潘", "毛", "蓝")
GIVEN = ("建国", "秀英", "伟", "芳", "海涛", "丽华", "志强", "春燕", "国平", "小红", "卫东", "美玲")
#: Mobile prefixes of Chinese carriers.
MOBILE_PREFIXES = ("138", "139", "150", "151", "158", "187", "188", "135")
#: Plate letters for trucks of Lishui (浙K), where the bundled county lies.
PLATE_PREFIX = "浙K"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Contacts:
    """Names and phones of the farms' contacts and the vehicles' drivers, and plates."""

    farm_names: list[str]
    farm_phones: list[str]
    driver_names: list[str]
    driver_phones: list[str]
    plates: list[str]


def person(rng: np.random.Generator) -> str:
    return str(rng.choice(SURNAMES)) + str(rng.choice(GIVEN))


def mobile(rng: np.random.Generator) -> str:
    digits = "".join(str(d) for d in rng.integers(0, 10, size=8))
    return f"{rng.choice(MOBILE_PREFIXES)} {digits[:4]} {digits[4:]}"


def plate(rng: np.random.Generator) -> str:
    digits = "".join(str(d) for d in rng.integers(0, 10, size=4))
    return f"{PLATE_PREFIX}·{rng.choice(list(PLATE_LETTERS))}{digits}"


def draw_contacts(seed: int, n_farms: int, n_vehicles: int) -> Contacts:
    """Contacts for ``n_farms`` farms and ``n_vehicles`` vehicles (seeded)."""
    rng = np.random.default_rng([seed, CONTACT_STREAM])
    farm_names = [person(rng) for _ in range(n_farms)]
    farm_phones = [mobile(rng) for _ in range(n_farms)]
    driver_names = [person(rng) for _ in range(n_vehicles)]
    driver_phones = [mobile(rng) for _ in range(n_vehicles)]
    plates = [plate(rng) for _ in range(n_vehicles)]
    return Contacts(farm_names, farm_phones, driver_names, driver_phones, plates)


__all__ = ["CONTACT_STREAM", "Contacts", "draw_contacts"]
