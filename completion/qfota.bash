# bash completion for qfota(1).
# Installed as /usr/share/bash-completion/completions/qfota (loaded on demand by
# bash-completion). It completes the commands, each command's options (the ones
# `qfota COMMAND --help` lists; tests/unit/test-doc.c checks they agree), the
# ports of the Quectel modules plugged in, their USB IDs and models, and files
# where a file is wanted. Works without bash-completion's helpers too.

_qfota_ports()
{
	local dev vid
	for dev in /sys/bus/usb/devices/*; do
		[[ -r $dev/idVendor ]] || continue
		read -r vid <"$dev/idVendor" 2>/dev/null || continue
		[[ $vid == 2c7c ]] && printf '%s\n' "${dev##*/}"
	done
}

_qfota_files()
{
	if declare -F _filedir >/dev/null; then
		_filedir
	else
		local IFS=$'\n'
		COMPREPLY=($(compgen -f -- "$1"))
	fi
}

_qfota()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	local cmd= i w
	local select='-p --port -d --device -s --serial -m --model'
	local timeouts='--timeout-command --timeout-start --timeout-stall --timeout-download
		--timeout-update-start --timeout-update-gap --timeout-reboot --timeout-ready --timeout-total'
	local params='--cid --apn --upgrade-mode --download-urcs --update-urcs'
	local opts

	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# The command: the first word after the global options.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-*) ;;
		*)
			cmd=$w
			break
			;;
		esac
	done

	# Values of the option before the cursor.
	case $prev in
	-p | --port)
		COMPREPLY=($(compgen -W "$(_qfota_ports)" -- "$cur"))
		return
		;;
	-d | --device)
		COMPREPLY=($(compgen -W '2c7c:0121 2c7c:0125 2c7c:0296 2c7c:0306 2c7c:0512 2c7c:0800
			2c7c:0801 2c7c:0901 2c7c:6002 2c7c:6026 2c7c:7001' -- "$cur"))
		return
		;;
	-m | --model)
		COMPREPLY=($(compgen -W 'EC200U EC600U EG915U EC25 EG25 EP06 EG06 EM06 EC21 BG96 EM12
			RM500Q RM502Q RG501Q RM520N EC200S EC200T RM500K' -- "$cur"))
		return
		;;
	--family)
		COMPREPLY=($(compgen -W 'ec200u dfota' -- "$cur"))
		return
		;;
	--upgrade-mode)
		COMPREPLY=($(compgen -W '0 1' -- "$cur"))
		return
		;;
	--upload | --url-file | --policy | --log | --metrics)
		_qfota_files "$cur"
		return
		;;
	-s | --serial | --url | --upload-name | --ufs-path | --expect | --sha256 | --retries | --cid | --apn | --download-urcs | \
		--update-urcs | --wait | --timeout-*)
		return
		;;
	esac

	case $cmd in
	'')
		if [[ $cur == -* ]]; then
			opts='-v --verbose -q --quiet --json -V --version -h --help'
		else
			opts='list info upgrade follow station auto explain'
		fi
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
		;;
	list | info) opts="$select --json -h --help" ;;
	upgrade) opts="$select --url --url-file --upload --upload-name --ufs-path --expect --sha256 --retries $params $timeouts --json --log -h --help" ;;
	follow) opts="$select --expect $timeouts --json --log -h --help" ;;
	station) opts="--all $select --policy --plan --watch --metrics --url --url-file --upload --upload-name --ufs-path --expect --sha256 --retries $params $timeouts --json --log
		-h --help" ;;
	auto) opts="-p --port --policy --wait --retries $params $timeouts --json --log -h --help" ;;
	explain) opts='--family -h --help' ;;
	*) return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ $cmd == upgrade || $cmd == station ]]; then
		_qfota_files "$cur" # PACKAGE
	fi
}

complete -F _qfota qfota
