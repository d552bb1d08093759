#!/usr/bin/env bash
# Print the path of a Python interpreter of the wanted minor version (e.g. 3.10),
# looking on PATH first and then under pyenv. Exit 1 with advice when none is found.
set -euo pipefail
want="$1"            # "3.10" or "3.11+"
check() {
  local py="$1" v
  v=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || return 1
  if [[ "$want" == *+ ]]; then
    local base="${want%+}"
    python_ok=$(printf '%s\n%s\n' "$base" "$v" | sort -V | head -1)
    [[ "$python_ok" == "$base" ]] || return 1
  else
    [[ "$v" == "$want" ]] || return 1
  fi
  echo "$py"
}
candidates=()
if [[ "$want" == *+ ]]; then
  candidates+=(python3.13 python3.12 python3.11 python3)
else
  candidates+=("python$want")
fi
for c in "${candidates[@]}"; do
  p=$(command -v "$c" 2>/dev/null) || continue
  check "$p" && exit 0
done
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for p in $(ls -d "$root"/versions/"${want%+}"*/bin/python3 2>/dev/null | sort -rV); do
  check "$p" && exit 0
done
echo "error: Python $want was not found on PATH or under pyenv ($root/versions)." >&2
if [[ "$want" == "3.10" ]]; then
  echo "Rasa 3.6 runs only on Python 3.8-3.10. Install it with 'pyenv install 3.10'" >&2
  echo "or your system's package (e.g. 'apt-get install python3.10 python3.10-venv')." >&2
else
  echo "Install Python $want (e.g. 'pyenv install 3.11')." >&2
fi
exit 1
