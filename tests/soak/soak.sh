#!/bin/bash
# make soak: qfota against virtual modules for a long while (not part of make check).
#  1. SOAK_SERIAL (1000) consecutive upgrades, one virtual EC200U each (fast pacing):
#     every one upgraded (END,0, new revision), released, driver back; qfota's
#     peak RSS per run, first 100 against last 100.
#  2. SOAK_ROUNDS (4) stations of 64 modules at once, each module with a random
#     fault (or none): every port gets exactly one result, the one its own fault
#     gives (exit code, error code) and its own IMEI; nothing left claimed.
#     The 64 are two `qfota station` processes of 32 on one testbed, as in
#     bench-station: umockdev's preload tracks at most 50 device fds per
#     process and aborts beyond (tests/vmodule/ADAPTER.md "Not emulated").
# Every deadline is qfota's default: a short one would turn a missed reboot
# into a pause nobody notices (issue 19). A faulted module that only a deadline
# can end (never-back, no-end, ...) takes that deadline, so a round of the
# second stage lasts about 2 minutes.
# Prints `soak <name> <value> <unit>` lines; exits 1 if a module was lost, a
# result went to the wrong port, or the peak RSS grew. Usage: soak.sh BUILD
set -u
BUILD=${1:-build}
SERIAL=${SOAK_SERIAL:-1000}
ROUNDS=${SOAK_ROUNDS:-4}
SEED=${SOAK_SEED:-6}
QF=$PWD/$BUILD/qfota
VM=$PWD/$BUILD/vmodule
TIME=/usr/bin/time
for f in "$QF" "$VM" "$TIME"; do
	[ -x "$f" ] || { echo "soak: $f missing (make test-programs; apt-get install time)" >&2; exit 2; }
done
DIR=$(mktemp -d /tmp/qfsoak.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
export QFOTA_AUDIT_LOG= QFOTA_LOCK_DIR=$DIR/locks
bad=0
t_start=$(date +%s)

# --- 1. consecutive upgrades ------------------------------------------------
"$VM" pack --profile ec200u --size 65536 "$DIR/p.pack" || exit 2
lost=0 failed=0
: >"$DIR/rss"
t0=$(date +%s.%N)
for ((i = 1; i <= SERIAL; i++)); do
	"$VM" --profile ec200u --record "$DIR/rec" -- \
		"$TIME" -q -f %M -o "$DIR/rss1" "$QF" upgrade --json --port 1-1 "$DIR/p.pack" \
		>"$DIR/out" 2>"$DIR/err"
	rc=$?
	cat "$DIR/rss1" >>"$DIR/rss"
	rec() { sed -n "s/^1-1 $1 //p" "$DIR/rec" | head -1; }
	if [ "$(rec claimed)" != 0 ] || [ "$(rec driver_bound)" != 1 ] || [ "$(rec presence)" != present ]; then
		lost=$((lost + 1)); echo "soak: run $i: module left claimed=$(rec claimed) bound=$(rec driver_bound)" >&2
	fi
	if [ $rc != 0 ] || [ "$(rec fota_end_code)" != 0 ] || [ "$(rec revision)" = "$(rec revision_before)" ] ||
	   ! grep -q '"event":"result".*"port":"1-1".*"ok":true' "$DIR/out"; then
		failed=$((failed + 1)); echo "soak: run $i: exit $rc" >&2; tail -3 "$DIR/err" >&2
	fi
done
t1=$(date +%s.%N)
first=$(head -100 "$DIR/rss" | awk '{ s += $1 } END { printf "%d", s / NR }')
last=$(tail -100 "$DIR/rss" | awk '{ s += $1 } END { printf "%d", s / NR }')
maxrss=$(sort -n "$DIR/rss" | tail -1)
echo "soak serial_upgrades $SERIAL runs"
echo "soak serial_failed $failed runs"
echo "soak serial_lost_modules $lost modules"
echo "soak serial_time $(echo "$t1 - $t0" | bc | cut -c1-6) s"
echo "soak serial_rss_first100 $first KiB"
echo "soak serial_rss_last100 $last KiB"
echo "soak serial_rss_max $maxrss KiB"
# stable: the last hundred no bigger than the first hundred (+2 %: allocator noise)
[ $failed = 0 ] && [ $lost = 0 ] && [ "$last" -le $((first + first / 50)) ] || bad=1

# --- 2. stations of 64 with random faults -----------------------------------
# fault -> expected exit code (README) and error code (- for none)
FAULTS=("none 0 -" "code:510 6 510" "code:567 5 567" "code:552 5 552" "code:502 6 502" "garbage 0 -"
	"truncated 0 -" "imei-change 7 -" "unplug-byte:30000 7 -" "no-end 9 -" "end-no-reboot 8 -"
	"never-back 7 -" "other-port 7 -" "nak 9 -" "error 5 -" "reboot-no-end 9 -" "unplug-update:50 7 -")
RANDOM=$SEED
wrong=0 lost2=0 results=0 st_rss="" st_halves=""
t0=$(date +%s.%N)
for ((round = 1; round <= ROUNDS; round++)); do
	# a round's modules are new ones, though they share IMEIs and ports with
	# the last round's: what qfota kept beside a port's lock about a module
	# left mid-update there (include/qfota/hold.h) must not follow them
	export QFOTA_LOCK_DIR=$DIR/locks.$round
	args=() ; declare -A want_exit=() want_code=() fault_of=()
	half1="" half2=""
	for ((m = 1; m <= 64; m++)); do
		read -r f e c <<<"${FAULTS[RANDOM % ${#FAULTS[@]}]}"
		port=$(printf '1-%d.%d' $((4 + (m - 1) / 31)) $(((m - 1) % 31 + 1))) # 31 ports a hub (vmodule --help)
		want_exit[$port]=$e want_code[$port]=$c fault_of[$port]=$f
		[ "$f" != none ] && args+=(--fault "$m=$f")
		if [ $m -le 32 ]; then half1="$half1 -p $port"; else half2="$half2 -p $port"; fi
	done
	# shellcheck disable=SC2016 # expanded by the inner shell
	"$VM" --count 64 --port-base 1-4. --profile ec200u "${args[@]}" --record "$DIR/rec64" -- \
		env QF="$QF" TIME="$TIME" DIR="$DIR" H1="$half1" H2="$half2" sh -c '
		"$TIME" -q -f %M -o "$DIR/rss64a" "$QF" station --json $H1 "$DIR/p.pack" >"$DIR/st1.json" 2>"$DIR/st1.err" &
		"$TIME" -q -f %M -o "$DIR/rss64b" "$QF" station --json $H2 "$DIR/p.pack" >"$DIR/st2.json" 2>"$DIR/st2.err" &
		wait'
	cat "$DIR/st1.json" "$DIR/st2.json" >"$DIR/st.json"
	# a round's peak RSS: both halves' together (each half's own varies with
	# its mix of faults: 6216-6600 KiB in one soak, where the sums kept to 3 %)
	rss_a=$(cat "$DIR/rss64a") rss_b=$(cat "$DIR/rss64b")
	st_halves="${st_halves:-}${st_halves:+/}$rss_a+$rss_b"
	st_rss="$st_rss $((rss_a + rss_b))"
	for port in "${!want_exit[@]}"; do
		line=$(grep "\"event\":\"result\".*\"port\":\"$port\"" "$DIR/st.json")
		n=$(printf '%s' "$line" | grep -c .)
		rec() { sed -n "s/^$port $1 //p" "$DIR/rec64" | head -1; }
		if [ "$(rec claimed)" != 0 ] || { [ "$(rec presence)" = present ] && [ "$(rec driver_bound)" != 1 ]; } ||
		   [ "$n" != 1 ]; then
			lost2=$((lost2 + 1)); echo "soak: round $round $port (${fault_of[$port]}): $n results, claimed=$(rec claimed)" >&2
			continue
		fi
		results=$((results + 1))
		ex=$(printf '%s' "$line" | sed -n 's/.*"exit_code":\([0-9]*\).*/\1/p')
		code=$(printf '%s' "$line" | sed -n 's/.*"code":\([0-9a-z]*\).*/\1/p')
		imei=$(printf '%s' "$line" | sed -n 's/.*"imei":"\([0-9]*\)".*/\1/p')
		ok=1
		[ "$ex" = "${want_exit[$port]}" ] || ok=0
		[ "${want_code[$port]}" = - ] || [ "$code" = "${want_code[$port]}" ] || ok=0
		# the result's IMEI is this port's module's (imei-change: the module's is another now)
		[ "${fault_of[$port]}" = imei-change ] || [ "$imei" = "$(rec imei)" ] || ok=0
		if [ $ok = 0 ]; then
			wrong=$((wrong + 1))
			echo "soak: round $round $port (${fault_of[$port]}): exit $ex code $code imei $imei; want exit ${want_exit[$port]} code ${want_code[$port]} imei $(rec imei)" >&2
			printf '%s\n' "$line" | sed -n 's/.*"message":\("[^"]*"\).*/  \1/p' >&2
		fi
	done
	unset want_exit want_code fault_of
done
t1=$(date +%s.%N)
echo "soak parallel_modules $((ROUNDS * 64)) modules"
echo "soak parallel_results $results results"
echo "soak parallel_lost_modules $lost2 modules"
echo "soak parallel_wrong_port $wrong results"
echo "soak parallel_time $(echo "$t1 - $t0" | bc | cut -c1-6) s"
echo "soak station64_rss$(echo "$st_rss" | tr ' ' '\n' | sed '/^$/d' | tr '\n' '/' | sed 's/^/ /; s/\/$//') KiB"
echo "soak station32x2_rss $st_halves KiB"
smin=$(echo "$st_rss" | tr ' ' '\n' | sed '/^$/d' | sort -n | head -1)
smax=$(echo "$st_rss" | tr ' ' '\n' | sed '/^$/d' | sort -n | tail -1)
[ $lost2 = 0 ] && [ $wrong = 0 ] && [ "$smax" -le $((smin + smin / 20)) ] || bad=1
echo "soak total_time $(( $(date +%s) - t_start )) s"
exit $bad
