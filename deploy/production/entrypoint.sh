#!/bin/sh
# Container entrypoint: runs one process type of the Procfile beside this script.
#   entrypoint.sh web|worker|beat|release
# Anything else is run as given, e.g. `entrypoint.sh python manage.py list_centres`.
set -eu

procfile="$(dirname "$0")/Procfile"

if [ "$#" -eq 0 ]; then
    echo "usage: $0 <process type> | <command ...>" >&2
    echo "process types: $(sed -n 's/^\([A-Za-z0-9_-]*\):.*/\1/p' "$procfile" | tr '\n' ' ')" >&2
    exit 64
fi

# Only a lone argument naming a process type is looked up; the line's own `exec` makes the
# process (gunicorn, celery) replace the shell, so it receives the container's stop signal.
if [ "$#" -eq 1 ]; then
    case "$1" in
        *[!A-Za-z0-9_-]*) ;;
        *)
            command="$(sed -n "s/^$1:[[:space:]]*//p" "$procfile")"
            if [ -n "$command" ]; then
                exec /bin/sh -c "$command"
            fi
            ;;
    esac
fi

exec "$@"
