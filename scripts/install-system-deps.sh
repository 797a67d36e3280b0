#!/usr/bin/env bash
# Install the Debian packages Bilag needs when they are missing. As root this installs them;
# otherwise it names what is missing and stops, since nothing else can work without them.
set -euo pipefail

packages=(
  python3-venv     # the .venv
  libmagic1        # file types from bytes (python-magic)
  redis-server     # the pipeline queue (the demo starts its own)
  postgresql       # the production database; the tests run on it
  tesseract-ocr tesseract-ocr-nor tesseract-ocr-swe  # OCR of scans and photos
  poppler-utils    # pdftoppm / pdfinfo for inspecting PDFs
)

missing=()
for package in "${packages[@]}"; do
  if [ "$package" = python3-venv ] && python3 -c 'import ensurepip, venv' 2>/dev/null; then
    continue
  fi
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them (sudo apt-get install ${missing[*]}) or run make as root." >&2
  exit 1
fi

echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
