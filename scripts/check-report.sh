#!/usr/bin/env bash
# Renders a stadscan HTML report in headless Chromium and fails when the page
# is not the self-contained document it must be:
#   - the page logs anything to the console (the report has no scripts, so
#     any console line is an error: a CSP violation for a blocked resource,
#     a parse problem...);
#   - the page loads any file besides itself (Chromium's file loader logs
#     every file:// URL it starts; the report must load none);
#   - the rendered DOM holds a resource-loading element or attribute
#     (script, link, img, iframe..., src/href/url() pointing outside the
#     page);
#   - a section id is missing.
# Optionally writes a screenshot (PNG) of the rendered page.
#
# Usage: scripts/check-report.sh REPORT.html [SCREENSHOT.png]
# Environment: CHROMIUM (browser binary), WINDOW_SIZE (default 1280,4000).
#
# Network: the page is opened as a file:// URL; every host name resolves to
# nothing and every proxied request goes to 127.0.0.1:9 (discard), so
# neither the page nor Chromium's own background services reach the network.
set -euo pipefail

usage() {
    echo "usage: $0 REPORT.html [SCREENSHOT.png]" >&2
    exit 2
}
[[ $# -ge 1 && $# -le 2 ]] || usage
report=$1
shot=${2:-}
[[ -f $report ]] || { echo "check-report: no such file: $report" >&2; exit 2; }

browser=${CHROMIUM:-}
if [[ -z $browser ]]; then
    for b in chromium chromium-browser google-chrome; do
        if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
    done
fi
[[ -n $browser ]] || { echo "check-report: Chromium not found (apt-get install chromium, or set CHROMIUM)" >&2; exit 2; }

abs=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
url="file://$abs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_chromium() {
    local profile
    profile=$(mktemp -d "$work/profile.XXXXXX")
    timeout 90 "$browser" --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking --disable-component-update \
        --disable-sync --disable-extensions --disable-default-apps \
        --user-data-dir="$profile" \
        --host-resolver-rules="MAP * ~NOTFOUND" --proxy-server="127.0.0.1:9" \
        --enable-logging=stderr --v=0 --vmodule="file_url_loader_factory=1" \
        "$@" "$url"
}

fail=0
problem() {
    echo "check-report: FAIL: $*" >&2
    fail=1
}

# 1. Render and dump the DOM, with the console and file loads in the log.
if ! run_chromium --dump-dom >"$work/dom.html" 2>"$work/log.txt"; then
    echo "check-report: Chromium failed; its log:" >&2
    tail -n 30 "$work/log.txt" >&2
    exit 1
fi
[[ -s $work/dom.html ]] || { echo "check-report: FAIL: Chromium produced an empty DOM" >&2; exit 1; }

# Console output of the page ("INFO:CONSOLE" lines; every level lands there).
if grep -E ':CONSOLE[(:]' "$work/log.txt" >"$work/console.txt"; then
    problem "the page logged to the console:"
    sed -e 's/^\[[^]]*\] */    /' "$work/console.txt" >&2
fi

# Files the page loaded besides itself.
grep -o 'FileURLLoader::Start: .*' "$work/log.txt" | sed 's/^FileURLLoader::Start: //' \
    | grep -v -x -F "$url" >"$work/loads.txt" || true
if [[ -s $work/loads.txt ]]; then
    problem "the page loaded other files:"
    sed 's/^/    /' "$work/loads.txt" >&2
fi

# 2. Static checks on the rendered DOM.
dom=$work/dom.html
if grep -Eio '<(script|link|iframe|frame|object|embed|img|image|video|audio|source|track|base|portal)[[:space:]>/]' "$dom" \
    | sort -u >"$work/elements.txt" && [[ -s $work/elements.txt ]]; then
    problem "resource-loading elements in the page: $(tr '\n' ' ' <"$work/elements.txt")"
fi
if grep -Eio '[[:space:]](src|href|xlink:href|srcset|action|poster|data|background)="[^#"][^"]*"' "$dom" \
    | sort -u >"$work/attrs.txt" && [[ -s $work/attrs.txt ]]; then
    problem "attributes pointing outside the page:"
    sed 's/^/    /' "$work/attrs.txt" >&2
fi
if grep -Eio "url\\([[:space:]]*['\"]?[^#'\") ][^)]*\\)|@import[^;]*" "$dom" \
    | sort -u >"$work/urls.txt" && [[ -s $work/urls.txt ]]; then
    problem "style references outside the page:"
    sed 's/^/    /' "$work/urls.txt" >&2
fi

for id in summary compliance trend changes risk fixes inventory personal-data vendors notes; do
    grep -q "id=\"$id\"" "$dom" || problem "section #$id is missing"
done

# 3. Screenshot.
if [[ -n $shot ]]; then
    mkdir -p "$(dirname "$shot")"
    shot_abs=$(cd "$(dirname "$shot")" && pwd)/$(basename "$shot")
    rm -f "$shot_abs"
    if ! run_chromium --hide-scrollbars --window-size="${WINDOW_SIZE:-1280,4000}" \
        --screenshot="$shot_abs" >/dev/null 2>"$work/shot-log.txt" || [[ ! -s $shot_abs ]]; then
        problem "no screenshot written; Chromium's log ends with:"
        tail -n 10 "$work/shot-log.txt" >&2
    else
        echo "check-report: screenshot $shot ($(wc -c <"$shot_abs") bytes)"
    fi
fi

if [[ $fail -ne 0 ]]; then
    exit 1
fi
echo "check-report: OK: $report renders without console output or resource loads, all sections present"
