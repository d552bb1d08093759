#!/usr/bin/env bash
# The whole test suite: Rasa-environment tests, then the main suite (which trains the model if
# needed, checks the Rasa project, and starts the real stack for the end-to-end tests).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
export HELPLINE_ENV=test

scripts/services.sh

echo "==> training the model if data or config changed"
.venv/bin/python -m devstack.training
echo "==> model ready after ${SECONDS} s"

echo "==> Rasa-environment tests (custom NLU components, tracker store)"
.venv-rasa/bin/python -m pytest bot/tests -q -p no:cacheprovider

echo "==> main test suite"
status=0
.venv/bin/python -m pytest -q -p no:cacheprovider "$@" || status=$?
echo "==> test script finished after ${SECONDS} s"
exit $status
