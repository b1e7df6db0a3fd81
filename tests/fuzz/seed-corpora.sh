#!/bin/sh
# Writes the first inputs of each fuzz corpus, tests/fuzz/corpus/<target>/seed-*,
# from the seeds' own lines in tests/data (the URCs, the example transcripts, the
# error tables) and the module output quoted in QUECTEL_FACTS (§2.1, §3.1).
# Run once, then `make fuzz` and `make fuzz-merge` keep what adds coverage.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
data=$top/tests/data
out=${1:-$top/tests/fuzz/corpus}
mkdir -p "$out/urc" "$out/atparse" "$out/qfupl" "$out/url" "$out/codes" "$out/xor16" "$out/audit" "$out/policy"

# The data lines of a seed file: no comments, no blank lines, no "//" notes, no fences.
lines() {
	grep -v '^#' "$1" | grep -v '^```' | grep -v '^//' | sed 's# \{1,\}//.*##' | grep -v '^[[:space:]]*$' || true
}

# urc: every +QIND line of the seeds, the facts and the transcripts, plus lines
# that are not ours.
n=0
for f in "$data"/seed-urcs.txt "$data"/facts-urcs.txt "$data"/seed-ec200u-*-example.txt; do
	lines "$f" | grep '^+QIND' | while IFS= read -r l; do printf '%s' "$l" >"$out/urc/seed-$(printf '%s' "$l" | cksum | cut -d' ' -f1)"; done
done
printf '+QIND: SMS DONE' >"$out/urc/seed-sms-done"
printf '+QIND: "csq",20,99' >"$out/urc/seed-csq"
printf '+QIND: "FOTA","END",505\r\n' >"$out/urc/seed-end-505-crlf"
printf '+QIND: "FOTA","RESTORE",50' >"$out/urc/seed-restore"

# atparse: each example transcript (its AT lines and answers, not its prose) as the module sends it — echo "AT...\r\r\n",
# responses "\r\n<line>\r\n" — and facts §2.1's captured streams.
for f in "$data"/seed-ec200u-*-example.txt; do
	name=$(basename "$f" .txt | sed 's/^seed-//')
	lines "$f" | grep -E '^(AT|\+|OK|ERROR|CONNECT)' | awk '/^AT/ { printf "%s\r\r\n", $0; next } { printf "\r\n%s\r\n", $0 }' \
		>"$out/atparse/seed-$name"
done
printf 'AT+COPS?\r\r\n+COPS: 0,0,"VINAPHONE"\r\n\r\nOK\r\n' >"$out/atparse/seed-facts-cops"
printf 'AT+QFDWL="RAM:voicea.wav"\r\r\n+CME ERROR: 4010\r\n' >"$out/atparse/seed-facts-cme"
printf 'ATI\r\r\nQuectel\r\nEC25\r\nRevision: EC25AFFAR07A08M4G\r\n\r\nOK\r\n' >"$out/atparse/seed-facts-ati"
printf 'AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n\r\nRDY\r\n\r\n+CFUN: 1\r\n' >"$out/atparse/seed-cpin-urcs"
printf 'AT+QFUPL="UFS:a.pack",2048,5,1\r\r\nCONNECT\r\nAA\r\n+QFUPL: 2048,1234\r\n\r\nOK\r\n' >"$out/atparse/seed-qfupl-connect"

# qfupl: ACKs, then the closing lines of the real uploads of facts §3.1.
for r in "1188,2d13" "1208,5769" "1758,384a" "1220,2d53" "1679,335f" "1939,4f64"; do
	printf 'A\r\n+QFUPL: %s\r\n\r\nOK\r\n' "$r" >"$out/qfupl/seed-$(echo "$r" | tr , -)"
done
printf 'AAAA\r\n+QFUPL: 4096,0242\r\n\r\nOK\r\n' >"$out/qfupl/seed-4k"
printf 'AA\r\n+CME ERROR: 407\r\n' >"$out/qfupl/seed-cme"
printf '+QFUPL: 41440551,FFFF' >"$out/qfupl/seed-line"

# url: the URLs of the examples and their variants around each limit.
for f in "$data"/seed-ec200u-*-example.txt; do
	grep -o '"[A-Za-z]*://[^"]*"' "$f" | tr -d '"' | sort -u | while IFS= read -r u; do
		printf '%s' "$u" >"$out/url/seed-$(printf '%s' "$u" | cksum | cut -d' ' -f1)"
	done
done
printf 'ftp://user:p@ss:w/rd@host.example:2121/fw.pack' >"$out/url/seed-at-in-password"
printf 'https://files.example.com/dir/sub/EC25EFAR06A06M4G.zip' >"$out/url/seed-https-subdir"
printf 'ftp://host/dir/fw.pack' >"$out/url/seed-ftp-subdir"
printf 'http://h:65536/f' >"$out/url/seed-port-over"
printf 'ftp://a:b@c/d@e' >"$out/url/seed-at-in-path"

# codes: "<family> <URC word> <code>" for each code of the seeds' tables.
awk -F'\t' '/^[0-9]+\t/ { print $1 }' "$data"/seed-ec200u-error-tables.txt | sort -un | head -40 |
	while read -r c; do printf 'EC200U END %s' "$c" >"$out/codes/seed-ec200u-$c"; done
for c in 0 601 631 701 731 5 22; do printf 'EC200U FTPEND %s 40' "$c" >"$out/codes/seed-ec200u-ftpend-$c"; done
for c in 0 502 504 530 540 546 601 701; do printf 'EC25 END %s' "$c" >"$out/codes/seed-dfota-$c"; done
printf 'dfota HTTPEND 701 12' >"$out/codes/seed-dfota-httpend"

# xor16: the transcripts' bytes.
for f in "$data"/seed-ec200u-*-example.txt; do cp "$f" "$out/xor16/seed-$(basename "$f" .txt | sed 's/^seed-//')"; done
printf 'A' >"$out/xor16/seed-odd"

# audit: messages that carry URLs, as qfota writes them.
printf 'the module could not download FTP://test:test@124.74.41.170:21/EC200UCNTCNMAR02A02M16.pack: FTP error 609' \
	>"$out/audit/seed-ftp-message"
printf 'AT+QFOTADL="http://www.quectel.com:100/EC200UCNTCNMAR02A02M16.pack",1,50,100' >"$out/audit/seed-http-command"
printf 'url=ftp://u:p@h/f\tnext ftp://x@y/z' >"$out/audit/seed-two-urls"
printf 'no url here, just words\r\n' >"$out/audit/seed-plain"

# policy: the example of include/qfota/policy.h, one rule per file and all together,
# and a few mistakes (a URL under the wrong key, a typo).
sed -n 's/^ \*   \(model=.* from=.*\)$/\1/p' "$top/include/qfota/policy.h" >"$out/policy/seed-example"
i=0
while IFS= read -r l; do i=$((i + 1)); printf '%s\n' "$l" >"$out/policy/seed-rule-$i"; done <"$out/policy/seed-example"
printf '# station\r\n\r\nmodel=EC200U from=A15 to=A16 url=ftp://u:p@h/a.pack upload-name=x\r\n' >"$out/policy/seed-crlf"
printf 'model=EC200U from=A15 to=A16 file=ftp://u:secret@h/a.pack\n' >"$out/policy/seed-url-as-file"
printf 'model=EG25 from=A08 to=A09 upload=/srv/eg25.zip upload-name=dfota_update.bin\nmodel=eg25 from=A09 to=A10 url:https://h/b.zip\n' \
	>"$out/policy/seed-typo"
