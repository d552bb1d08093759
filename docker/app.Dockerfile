# The Python 3.11 side: action server, gateway, console, CLI and the migration job share one image.
#
# Installed in editable mode on purpose: `helpline.paths` finds the catalogues (locales/), the
# NLU examples language detection learns from (bot/data/nlu/) and var/ beside the package, so
# the sources must stay in /app (a plain `pip install .` would look for them in site-packages
# and the gateway would answer in English only).
#
# It runs as uid 1001 (`helpline`, with a home). The only folder it writes is /app/var: the
# hotline snapshot in /app/var/shared, a volume compose shares between the action server and
# the gateway (a named volume starts with this folder's owner, so 1001 can write it). Logs go
# to standard output (compose's json-file driver), temporary files to /tmp.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN useradd --uid 1001 --user-group --create-home --home-dir /home/helpline helpline
WORKDIR /app
COPY pyproject.toml README.md ./
COPY helpline/ helpline/
COPY actions/ actions/
COPY knowledge/ knowledge/
COPY channels/ channels/
COPY console/ console/
COPY locales/ locales/
COPY bot/data/nlu/ bot/data/nlu/
COPY docker/migrate.py docker/migrate.py
RUN python -m pip install --no-cache-dir -e . \
 && python -m helpline.i18n compile \
 && mkdir -p /app/var/shared \
 && chown -R 1001:1001 /app/var
USER 1001
