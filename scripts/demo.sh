#!/usr/bin/env bash
# The main job on a fresh clone: install everything, then run the demo against the built-in sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
pnpm --silent demo
