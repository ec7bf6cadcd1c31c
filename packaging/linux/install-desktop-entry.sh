#!/bin/sh
# Adds Strata to the desktop's application menu for this user (Linux, freedesktop.org menus): the entry runs
# `strata-window`, which `pip install .` or `pipx install .` puts on the PATH. Undo: remove the two files named.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
mkdir -p "$data/applications" "$data/icons/hicolor/scalable/apps"
cp "$here/strata.desktop" "$data/applications/strata.desktop"
cp "$here/../../gui/resources/strata.svg" "$data/icons/hicolor/scalable/apps/strata.svg"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$data/applications" || true
echo "installed $data/applications/strata.desktop and $data/icons/hicolor/scalable/apps/strata.svg"
