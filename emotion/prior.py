"""Population prior and per-cue constants of the arousal score.

The prior stands in for the caller's own baseline until 12 s of their speech has been heard. Its values are
generic starting points (typical telephone speech levels and espeak-ng neutral read speech measured with this
package); replace them with medians from the project's own non-emotional IVR traffic when it exists.
"""

from __future__ import annotations

from types import MappingProxyType

#: cues of the arousal sum -> (weight, direction): higher/wider F0, louder, brighter, faster = more aroused
AROUSAL_CUES = MappingProxyType(
    {
        "f0_med_st": (0.30, +1),
        "f0_range_st": (0.10, +1),
        "loud_db": (0.30, +1),
        "alpha_db": (0.10, +1),
        "hammarberg_db": (0.10, -1),
        "rate_syl_s": (0.10, +1),
    }
)
#: voice-quality cues: reported for QA (a "voice instability" indicator), never part of the arousal sum,
#: because their direction differs between anger (pressed voice) and distress (trembling, breathy)
QUALITY_CUES = MappingProxyType({"jitter_pct": +1, "shimmer_pct": +1, "hnr_db": -1})

#: robust-scale floors (same units as the features): a very steady baseline must not turn noise into z = 4
SCALE_FLOOR = MappingProxyType(
    {
        "f0_med_st": 1.0,
        "f0_range_st": 0.8,
        "loud_db": 2.0,
        "alpha_db": 1.5,
        "hammarberg_db": 2.0,
        "rate_syl_s": 0.6,
        "hnr_db": 1.5,
        "jitter_pct": 0.3,
        "shimmer_pct": 1.5,
    }
)

#: F0 below this uses the low-voice prior, Hz
PRIOR_SPLIT_HZ = 165.0
_COMMON = {
    "f0_range_st": (3.5, 1.5),
    "loud_db": (-24.0, 6.0),
    "alpha_db": (-12.0, 3.0),
    "hammarberg_db": (20.0, 5.0),
    "rate_syl_s": (4.0, 1.0),
    "hnr_db": (10.0, 3.0),
    "jitter_pct": (2.0, 1.0),
    "shimmer_pct": (12.0, 4.0),
}
#: (mean, sd) per cue for low (< 165 Hz) and high voices
PRIOR_LOW = MappingProxyType({"f0_med_st": (23.0, 2.5), **_COMMON})
PRIOR_HIGH = MappingProxyType({"f0_med_st": (35.0, 2.5), **_COMMON})
#: weight of the prior in windows (mean = (n * caller + N0 * prior) / (n + N0))
PRIOR_WINDOWS = 10
