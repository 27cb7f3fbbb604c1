#!/bin/sh
# The console login of a small device, for busybox telnetd -l in
# tests/it/real_creds.rs: asks `login: ` and `Password: `, lets in only the
# pair in STADSCAN_LOGIN_USER / STADSCAN_LOGIN_PASSWORD (set on telnetd,
# which passes its environment on), then serves a `$ ` prompt until `exit`.
# A wrong pair gets `Login incorrect` and the connection ends. A password
# of `*` lets the user in with any password (a console that checks none).

printf 'login: '
IFS= read -r user || exit 1
printf 'Password: '
stty -echo 2>/dev/null
IFS= read -r password || exit 1
stty echo 2>/dev/null
printf '\n'
# The terminal may hand over a carriage return with each line.
user=$(printf '%s' "$user" | tr -d '\r\000')
password=$(printf '%s' "$password" | tr -d '\r\000')

if [ -z "${STADSCAN_LOGIN_USER:-}" ] || [ "$user" != "$STADSCAN_LOGIN_USER" ] ||
    { [ "${STADSCAN_LOGIN_PASSWORD:-}" != '*' ] &&
        [ "$password" != "${STADSCAN_LOGIN_PASSWORD:-}" ]; }; then
    printf 'Login incorrect\n'
    exit 1
fi

printf 'Welcome to the kade-gw console\n'
while printf '$ ' && IFS= read -r line; do
    line=$(printf '%s' "$line" | tr -d '\r\000')
    case "$line" in
        exit) exit 0 ;;
        '') ;;
        *) printf '%s: not found\n' "$line" ;;
    esac
done
