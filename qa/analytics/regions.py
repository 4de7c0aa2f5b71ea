"""The caller's region from their number, with ``phonenumbers``' offline geocoder.

Chinese mobile and landline numbers resolve to a province (or a municipality such as
Beijing or Chongqing); numbers abroad resolve to their country code. The geocoder's data
ships with the library and is kept up to date there, not in hand-written prefix tables.
"""

from __future__ import annotations

import os
from collections import defaultdict
from functools import lru_cache

import phonenumbers
from phonenumbers import geocoder

#: the region of a number the geocoder cannot place
UNKNOWN = "unknown"


@lru_cache(maxsize=65536)
def region_of(number: str, default_region: str = "CN") -> str:
    """The caller's province in English ("Guangdong", "Beijing"), a country code ("US"), or ``UNKNOWN``.

    ``number`` is as Twilio sends it (E.164, ``+8613912345678``) or national (``13912345678``).
    """
    try:
        parsed = phonenumbers.parse(number, default_region)
    except phonenumbers.NumberParseException:
        return UNKNOWN
    if not phonenumbers.is_possible_number(parsed):
        return UNKNOWN
    country = phonenumbers.region_code_for_number(parsed)
    if country != "CN":
        return country or UNKNOWN
    place = geocoder.description_for_number(parsed, "en")
    if not place or place == "China":
        return UNKNOWN
    # "Changzhou, Jiangsu" -> Jiangsu; "Beijing" (a municipality) -> Beijing
    return place.rsplit(",", 1)[-1].strip()


@lru_cache(maxsize=1)
def _chinese_province_names() -> dict[str, str]:
    """English province key -> its Chinese name, read from the geocoder's own zh/en data (once, ~0.5 s).

    Every Chinese prefix has both descriptions ("Guangzhou, Guangdong" / "广东省广州市"); what all of
    a province's Chinese descriptions share is its name (cut after 省 where one city stands for all).
    """
    from phonenumbers.geodata import GEOCODE_DATA  # every prefix of every language: loaded only when asked

    described: dict[str, set[str]] = defaultdict(set)
    for prefix, names in GEOCODE_DATA.items():
        if prefix.startswith("86") and "en" in names and "zh" in names:
            described[names["en"].rsplit(",", 1)[-1].strip()].add(names["zh"])
    out = {}
    for region, names in described.items():
        common = os.path.commonprefix(sorted(names))
        if "省" in common:
            common = common[:common.index("省") + 1]
        if common:
            out[region] = common
    return out


def region_name(region: str, lang: str) -> str:
    """A region key from :func:`region_of` as a reader of ``lang`` (``zh``/``zh-CN``, ``en``) names it."""
    if lang.lower().startswith("zh"):
        return "未知" if region == UNKNOWN else _chinese_province_names().get(region, region)
    return region
