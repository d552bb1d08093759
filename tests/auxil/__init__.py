"""Helpers shared by the test suite, imported as `tests.auxil.<module>` (fixtures stay in conftest).

- `networking`: a free port, an ASGI app served on loopback, LISTEN addresses, polling;
- `fake_rasa`: a stand-in for Rasa's REST channel and tracker API, for gateway tests;
- `fake_apis`: the Telegram Bot API and Twilio's REST API, faked at their HTTP boundary;
- `settings`: gateway settings on temporary databases;
- `processes`: environments and start/stop helpers for tests that run real processes.
"""
