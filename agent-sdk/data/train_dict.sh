#!/usr/bin/env bash
# Trains the shipped zstd dictionary agent-sdk/dict/aether-llm-v1.zdict from corpus/train
# (built by build_corpus.py from the training split only).
# Usage: agent-sdk/data/fetch.sh && python3 agent-sdk/data/build_corpus.py && agent-sdk/data/train_dict.sh
# Needs the zstd CLI (Debian package `zstd`; v1.5.4 was used). Default trainer (fastcover).
set -euo pipefail
cd "$(dirname "$0")"
zstd --version
zstd -q --train -r corpus/train --maxdict=65536 --dictID=4242 -o ../dict/aether-llm-v1.zdict
sha256sum ../dict/aether-llm-v1.zdict
