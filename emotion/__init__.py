"""emotion: caller audio (+ transcript) -> arousal / agitation timeline. Imports nothing from ivr or qa."""
