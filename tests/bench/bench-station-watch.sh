#!/bin/sh
# bench station_watch_efficiency R x: continuous mode (qfota station --watch,
# issue 18) on 32 ports (1-4.1 .. 1-4.31, 1-5.1) with the runner playing the
# operator (build/vmodule --operator 300:3: a finished module is pulled out,
# a new one, new IMEI and the old revision, plugged in 300 ms later; three
# generations, 96 modules). The figure: a lone module's upgrade time (a
# one-port station, the same runner and pace) / the mean of the 96 modules'
# times. A module's time is its result event's durations.total_ms (qfota's
# clock, connect .. verified), so the operator's delay and the 1 s the runner
# waits before calling a module finished are not in it: what is measured is
# what arrivals beside running upgrades (a look at sysfs every 250 ms, new
# threads, other ports' enumerations) cost each module. Target >= 0.9.
# Pacing "demo" and a 1 MB FILE package, as bench-station's station64.
# Also printed: the lone and mean times and modules per hour over the run.
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
vm="$top/$build/vmodule"
qf="$top/$build/qfota"
"$vm" pack --profile ec200u --size 1000000 "$dir/p.pack" || exit 1
printf 'model=EC200U from=EC200UCNAAR03A15M08 to=EC200UCNAAR03A16M08 file=%s\n' "$dir/p.pack" >"$dir/policy"

sh "$top/tests/in-ram.sh" timeout 600 umockdev-wrapper "$vm" --pace demo --port-base 1-4. -- \
	"$qf" station --json --port 1-4.1 --policy "$dir/policy" >"$dir/lone.json" 2>"$dir/lone.err" ||
	{ echo "lone station failed" >&2; cat "$dir/lone.err" >&2; exit 1; }

ports=""
for i in $(seq 1 31); do ports="$ports -p 1-4.$i"; done
ports="$ports -p 1-5.1"
cat >"$dir/watch.sh" <<EOS
t0=\$(awk '{print \$1}' /proc/uptime)
"$qf" station --watch --json $ports --policy "$dir/policy" >"$dir/watch.json" 2>"$dir/watch.err" & p=\$!
n=0
until [ \$(grep -c '"event":"result"' "$dir/watch.json") -ge 96 ]; do
	n=\$((n+1)); if [ \$n -gt 3000 ]; then echo "bench-station-watch: not all 96 modules ended" >&2; break; fi
	sleep 0.1
done
t1=\$(awk '{print \$1}' /proc/uptime)
kill -INT \$p; wait \$p; rc=\$?
echo "\$t0 \$t1" >"$dir/times"
exit \$rc
EOS
sh "$top/tests/in-ram.sh" timeout 900 umockdev-wrapper "$vm" --count 32 --pace demo --port-base 1-4. \
	--operator 300:3 -- sh "$dir/watch.sh" ||
	{ echo "watch station failed" >&2; tail -20 "$dir/watch.err" >&2; exit 1; }

total() { grep '"event":"result"' "$1" | grep -o '"total_ms":[0-9]*' | cut -d: -f2; }
lone=$(total "$dir/lone.json" | head -1)
n=$(total "$dir/watch.json" | wc -l)
ok=$(grep '"event":"result"' "$dir/watch.json" | grep -c '"ok":true')
imeis=$(grep '"event":"result"' "$dir/watch.json" | grep -o '"imei":"[0-9]*"' | sort -u | wc -l)
mean=$(total "$dir/watch.json" | awk '{ s += $1 } END { if (NR) printf "%.1f", s / NR }')
echo "bench-station-watch: $n results, $ok ok, $imeis IMEIs; lone $lone ms, mean $mean ms" >&2
[ "$n" -ge 96 ] && [ "$ok" -eq "$n" ] && [ "$imeis" -eq "$n" ] || { echo "bench-station-watch: bad run" >&2; exit 1; }
awk -v l="$lone" -v m="$mean" 'BEGIN { printf "bench station_watch_efficiency %.3f x\n", l / m }'
printf 'bench station_watch_lone_ms %s ms\nbench station_watch_mean_ms %s ms\n' "$lone" "$mean"
awk -v n="$n" '{ printf "bench station_watch_modules_per_hour %.0f /h\n", n * 3600 / ($2 - $1) }' "$dir/times"
