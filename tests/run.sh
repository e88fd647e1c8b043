#!/usr/bin/env bash
# Sets up everything the tests need on a fresh machine, then runs them: bash tests/run.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
# Development machines and CI have the archive beside the checkout; elsewhere scikit-learn's cache is used.
if [ -z "${TEXTCLF_20NEWS_ARCHIVE:-}" ] && [ -f ../shared/data/20news-bydate.tar.gz ]; then
  export TEXTCLF_20NEWS_ARCHIVE="$PWD/../shared/data/20news-bydate.tar.gz"
fi
how_to_fix="set TEXTCLF_20NEWS_ARCHIVE=/path/to/20news-bydate.tar.gz to run them"
if [ ! -f "${TEXTCLF_20NEWS_ARCHIVE:-}" ]; then
  # First line: the tests that need the archive will be skipped, and what to do about it.
  echo "WARNING: no 20 Newsgroups archive${TEXTCLF_20NEWS_ARCHIVE:+ at $TEXTCLF_20NEWS_ARCHIVE}: the tests that need it will be skipped; $how_to_fix."
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
# -e .: the project itself too, so `.venv/bin/textclf` is a command, as after the README's install.
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -e .
# The browser tests drive Debian's Chromium (Playwright's own browser download is not used); the deployment
# test (tests/test_deploy.py) puts HAProxy in front of two Streamlit processes.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# Debian installs haproxy in /usr/sbin, which is not on every user's PATH.
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi
skips="$(mktemp)"
trap 'rm -f "$skips"' EXIT
status=0
TEXTCLF_SKIP_REPORT="$skips" .venv/bin/python -m pytest "$@" || status=$?
if [ -s "$skips" ] && [ "$(cat "$skips")" != 0 ]; then
  # Last line: how many were skipped, so a green run without the archive is not mistaken for a full one.
  n="$(cat "$skips")"
  if [ "$n" = 1 ]; then counted="1 test was"; else counted="$n tests were"; fi
  echo "WARNING: $counted skipped for want of the 20 Newsgroups archive; $how_to_fix."
fi
exit "$status"
