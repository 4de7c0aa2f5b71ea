"""Speech engines behind one interface (``synth.engines.base.Engine``)."""
