"""The caller's region from their number, with ``phonenumbers``' offline geocoder.

Chinese mobile and landline numbers resolve to a province (or a municipality such as
Beijing or Chongqing); numbers abroad resolve to their country code. The geocoder's data
ships with the library and is kept up to date there, not in hand-written prefix tables.
"""

from __future__ import annotations

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
