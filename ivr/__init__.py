"""ivr: the telephony side of hotline — flows, flow engine, Twilio webhooks, routing, CLI."""
