#!/usr/bin/env bash
# Make sure the system libraries Qt needs (offscreen and under Xvfb) are present.
# Used by `make run`, `make test`, `make screenshot` and CI, so there is one list to keep.
# As root: installs what is missing with apt-get. Otherwise: prints the exact line and fails.
set -euo pipefail

PACKAGES=(
  libegl1 libgl1 libopengl0 libfontconfig1 libfreetype6 libxkbcommon0 libxkbcommon-x11-0
  libdbus-1-3 libglib2.0-0 fonts-dejavu-core
  libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libxcb-xkb1
)
# Extra tools only needed to look at the app on a virtual screen.
if [ "${1:-}" = "--screen" ]; then
  PACKAGES+=(xvfb xauth imagemagick)
fi

# A bare Debian python3 lacks ensurepip, which `python3 -m venv` needs.
if command -v python3 >/dev/null && ! python3 -c "import ensurepip" 2>/dev/null; then
  PACKAGES+=(python3-venv)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $line >/dev/null
else
  echo "Strata needs these system packages. Install them with:" >&2
  echo "  sudo apt-get update && sudo $line" >&2
  exit 1
fi
