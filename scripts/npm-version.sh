#!/usr/bin/env bash
# Sets the npm packages' version (the launcher's and every platform package it depends on) to the
# crate's version in Cargo.toml. `--check` changes nothing and fails when they drift (cargo test
# checks the same).
#
# Usage: scripts/npm-version.sh [--check]
set -euo pipefail
cd "$(dirname "$0")/.."
exec node scripts/npm-packages.js version "$@"
