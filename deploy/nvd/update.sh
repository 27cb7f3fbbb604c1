#!/bin/sh
# Keeps a stadscan NVD index current: downloads the NVD CVE JSON 2.0 feeds
# and the CISA KEV catalogue, checks each feed against the SHA-256 in its
# .meta file, and imports them (`stadscan nvd import`). The first run (no
# index yet) takes every year feed; later runs take the `modified` feed,
# which holds every CVE added or changed in the last eight days, so a daily
# run misses nothing. Run it where the NVD can be reached, and copy the
# index into a closed network if the scanner lives in one: scans never go
# online.
#
#   deploy/nvd/update.sh /var/lib/stadscan/nvd.sqlite
#
# Environment: NVD_FEEDS (default https://nvd.nist.gov/feeds/json/cve/2.0),
# KEV_URL (default CISA's JSON feed), FIRST_YEAR (default 2002), STADSCAN
# (default: stadscan on the PATH).
set -eu
db=${1:?usage: update.sh INDEX.sqlite}
feeds=${NVD_FEEDS:-https://nvd.nist.gov/feeds/json/cve/2.0}
kev_url=${KEV_URL:-https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json}
stadscan=${STADSCAN:-stadscan}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { # name: download name.json.gz and check it against name.meta
    curl -fsSL --retry 3 -o "$work/$1.meta" "$feeds/$1.meta"
    curl -fsSL --retry 3 -o "$work/$1.json.gz" "$feeds/$1.json.gz"
    want=$(sed -n 's/^sha256:\([0-9A-Fa-f]*\).*/\1/p' "$work/$1.meta" | tr 'A-F' 'a-f')
    have=$(gunzip -c "$work/$1.json.gz" | sha256sum | cut -d' ' -f1)
    [ "$want" = "$have" ] || { echo "$1: SHA-256 does not match its .meta" >&2; exit 1; }
}

years() { # every year feed, from FIRST_YEAR to this year
    year=${FIRST_YEAR:-2002}
    names=""
    while [ "$year" -le "$(date +%Y)" ]; do
        fetch "nvdcve-2.0-$year"
        names="$names $work/nvdcve-2.0-$year.json.gz"
        year=$((year + 1))
    done
}

fetch nvdcve-2.0-modified
curl -fsSL --retry 3 -o "$work/kev.json" "$kev_url"
if [ ! -s "$db" ]; then
    years
    # shellcheck disable=SC2086 # word splitting of the file list is wanted
    "$stadscan" nvd import --db "$db" --kev "$work/kev.json" $names "$work/nvdcve-2.0-modified.json.gz"
elif ! "$stadscan" nvd import --db "$db" --kev "$work/kev.json" "$work/nvdcve-2.0-modified.json.gz" 2>"$work/err"; then
    cat "$work/err" >&2
    # An index written by another stadscan version has another layout,
    # which `nvd import` refuses to mix: build a new one beside it from
    # every year feed, and replace the old one only when that succeeded.
    grep -q "index layout" "$work/err" || exit 1
    echo "$db: rebuilding the index from every year feed" >&2
    years
    rm -f "$db.new"
    # shellcheck disable=SC2086 # word splitting of the file list is wanted
    "$stadscan" nvd import --db "$db.new" --kev "$work/kev.json" $names "$work/nvdcve-2.0-modified.json.gz"
    mv "$db.new" "$db"
fi
