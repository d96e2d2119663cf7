# Sourced by the chaos tests that need chorus chaos's network mode.
# skip_without_netns RC OUTPUT_FILE: when the run that wrote OUTPUT_FILE ended with RC 2 because
# network namespaces cannot be made here (no root), show why and exit 77, which ctest reports as
# skipped.
skip_without_netns() {
  if [ "$1" -eq 2 ] && grep -q '^chaos: --mode netns:' "$2"; then
    cat "$2"
    rm -f "$2"
    echo "skipped: this machine cannot run chorus chaos's network mode"
    exit 77
  fi
}
