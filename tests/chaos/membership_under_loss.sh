#!/bin/sh
# chaos_membership_under_loss: membership changes while another fault runs. Every fault of this
# run removes a follower, wipes it and adds it back empty while 5 to 15% of every member's
# packets are dropped (replace-follower-under-loss); the checkers must all pass.
# Exit 77 (skipped) where network namespaces cannot be made (no root).
# Usage: membership_under_loss.sh CHORUS_BINARY SEED
. "$(dirname "$0")/skip_without_netns.sh"
chorus="$1"
seed="$2"
out=$(mktemp) || exit 2
"$chorus" chaos --duration 45s --mode netns --faults replace-follower-under-loss \
  --fault-interval 12s --seed "$seed" >"$out" 2>&1
rc=$?
skip_without_netns "$rc" "$out"
tail -40 "$out"
# The run must have changed the membership at least twice (a skipped fault proves nothing).
changes=$(grep -c 'healed .*added back as a new member, empty; then the network' "$out")
rm -f "$out"
if [ "$rc" -ne 0 ]; then
  echo "chorus chaos exited $rc"
  exit 1
fi
if [ "$changes" -lt 2 ]; then
  echo "only $changes membership changes under loss completed; expected at least 2"
  exit 1
fi
echo "$changes membership changes under packet loss; every checker passed"
