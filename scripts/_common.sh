# Shared by the scripts: pick a Python and keep its virtual environment current.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UV_VERSION="0.13.9"

python_ok() {
    # Home Assistant 2025.4 needs 3.13; the 2026 line needs 3.14.2 or newer.
    "$1" -c 'import sys; v = sys.version_info[:3]; sys.exit(not ((3, 13) <= v[:2] < (3, 14) or v >= (3, 14, 2)))' 2>/dev/null
}

find_python() {
    if [ -n "${PYTHON:-}" ]; then
        if ! python_ok "$PYTHON"; then
            echo "PYTHON=$PYTHON is not Python 3.13 or >= 3.14.2." >&2
            return 1
        fi
        command -v "$PYTHON"
        return 0
    fi
    local candidate
    for candidate in python3.14 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    # pyenv's interpreters are off PATH unless selected; take the newest suitable one.
    for candidate in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[34]*/bin/python3 2>/dev/null | sort -rV); do
        if python_ok "$candidate"; then
            echo "$candidate"
            return 0
        fi
    done
    cat >&2 <<'MSG'
No suitable Python found. Home Assistant needs Python 3.13 (for 2025.4)
or Python 3.14.2 or newer (for 2026.x). Install one and put it on PATH as
python3.14 or python3.13, or name it: PYTHON=/path/to/python scripts/setup
MSG
    return 1
}

venv_dir() {
    local minor
    minor="$("$1" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    echo "$ROOT/.venv/$minor"
}

# Sets UV: a pinned uv, a standalone binary that any Python with pip can fetch
# (some builds of 3.14 have no pip).
ensure_uv() {
    UV="$ROOT/.venv/uv-$UV_VERSION/bin/uv"
    [ -x "$UV" ] && return 0
    local pip_python
    for pip_python in "$1" python3 python; do
        if "$pip_python" -m pip --version >/dev/null 2>&1; then
            "$pip_python" -m pip install --quiet --disable-pip-version-check \
                --target "$ROOT/.venv/uv-$UV_VERSION" "uv==$UV_VERSION" && break
        fi
    done
    if [ ! -x "$UV" ]; then
        echo "Could not install uv: no Python with pip found on PATH." >&2
        return 1
    fi
}

setup_stamp() {
    cat "$ROOT/requirements_test.txt" "$ROOT/scripts/setup" "$ROOT/scripts/_common.sh" \
        "$ROOT/scripts/requirements_for.py" | sha256sum | cut -d' ' -f1
}

# Sets PY and VENV; builds or refreshes the environment when it is missing or stale.
ensure_env() {
    PY="$(find_python)" || exit 1
    VENV="$(venv_dir "$PY")"
    if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.stamp" 2>/dev/null)" != "$(setup_stamp)" ]; then
        PYTHON="$PY" "$ROOT/scripts/setup" || exit 1
    fi
    export PATH="$VENV/bin:$PATH"
}
