#!/usr/bin/env bash
# Fetch the reference implementations that the `reference`-marked text tests compare against, so the tests
# themselves never touch the network:
#   $DEST/wordnet/usr/share/wordnet/   WordNet 3.0 dict files (Debian packages wordnet-base, and
#                                      wordnet-sense-index for index.sense, which newer NLTK releases need)
#   $DEST/nltk-3.8.1/                  NLTK 3.8.1, the release LAMM evaluated with in 2023 (unpacked wheel;
#                                      imported only by a subprocess the tests start, never installed)
# DEST is $1, else $LAMM_REFERENCE_DIR, else .reference (git-ignored). Needs apt-get (Debian/Ubuntu) and pip.
# To use already downloaded packages instead: WORDNET_DEB=/path/to/wordnet-base_*.deb
#   WORDNET_SENSE_DEB=/path/to/wordnet-sense-index_*.deb tools/get_reference_data.sh
set -euo pipefail

dest="${1:-${LAMM_REFERENCE_DIR:-.reference}}"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$dest"

if [[ ! -f "$dest/wordnet/usr/share/wordnet/index.noun" ]]; then
    deb="${WORDNET_DEB:-}"
    if [[ -z "$deb" ]]; then
        (cd "$work" && apt-get download wordnet-base >&2)
        deb="$(ls "$work"/wordnet-base_*.deb)"
    fi
    rm -rf "$dest/wordnet"
    dpkg -x "$deb" "$dest/wordnet"
    echo "WordNet dict files: $dest/wordnet/usr/share/wordnet ($(basename "$deb"))" >&2
fi

if [[ ! -f "$dest/wordnet/usr/share/wordnet/index.sense" ]]; then
    sense="${WORDNET_SENSE_DEB:-}"
    if [[ -z "$sense" ]]; then
        (cd "$work" && apt-get download wordnet-sense-index >&2)
        sense="$(ls "$work"/wordnet-sense-index_*.deb)"
    fi
    dpkg -x "$sense" "$dest/wordnet"
fi

if [[ ! -f "$dest/nltk-3.8.1/nltk/__init__.py" ]]; then
    "$python" -m pip download --quiet --no-deps --only-binary=:all: nltk==3.8.1 -d "$work" >&2
    rm -rf "$dest/nltk-3.8.1"
    "$python" -m zipfile -e "$work"/nltk-3.8.1-py3-none-any.whl "$dest/nltk-3.8.1"
    echo "NLTK 3.8.1: $dest/nltk-3.8.1" >&2
fi
