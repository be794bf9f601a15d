# SPDX-License-Identifier: GPL-2.0
# bash completion for vsecctl(8)

_vsecctl_vm_ids()
{
	vsecctl --json list 2>/dev/null |
		grep -o '"id": *[0-9]*' | grep -o '[0-9]*$'
}

_vsecctl_vm_pids()
{
	vsecctl --json list 2>/dev/null |
		grep -o '"pid": *[0-9]*' | grep -o '[0-9]*$' | sort -u
}

_vsecctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local -a words=("${COMP_WORDS[@]}")
	local cword=$COMP_CWORD

	local cmd="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done

	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W 'list show config status monitor level
			interval netdev set limit stats save restore --json --help
			--version' -- "$cur"))
		return
	fi

	case $cmd in
	show)
		case $prev in
		--pid | -p)
			COMPREPLY=($(compgen -W "$(_vsecctl_vm_pids)" -- "$cur"))
			return ;;
		esac
		COMPREPLY=($(compgen -W "--pid --json $(_vsecctl_vm_ids)" -- "$cur"))
		;;
	config)
		case $((cword - i)) in
		1) COMPREPLY=($(compgen -W 'set --json' -- "$cur")) ;;
		2) [[ $prev == set ]] &&
			COMPREPLY=($(compgen -W 'interval-ms prefixes migration-key
				k m n warm decide calm limit-level2 limit-attack' -- "$cur")) ;;
		3) [[ $prev == migration-key ]] &&
			COMPREPLY=($(compgen -f -W 'none' -- "$cur")) ;;
		esac
		;;
	stats)
		COMPREPLY=($(compgen -W '--prometheus' -- "$cur"))
		;;
	set)
		case $((cword - i)) in
		1) COMPREPLY=($(compgen -W "$(_vsecctl_vm_ids)" -- "$cur")) ;;
		*) (((cword - i) % 2 == 0)) &&
			COMPREPLY=($(compgen -W 'k m n warm decide calm
				limit-level2 limit-attack' -- "$cur")) ||
			COMPREPLY=($(compgen -W 'global' -- "$cur")) ;;
		esac
		;;
	limit)
		case $((cword - i)) in
		1) COMPREPLY=($(compgen -W "$(_vsecctl_vm_ids)" -- "$cur")) ;;
		*) (((cword - i) % 2 == 0)) &&
			COMPREPLY=($(compgen -W 'tx-packets rx-packets tx-bytes
				rx-bytes tx-syn rx-syn hypercalls pio mmio cpu
				block-tx block-rx off' -- "$cur")) ||
			case $prev in
			block-tx | block-rx)
				COMPREPLY=($(compgen -W 'outside inside
					this-host link off' -- "$cur")) ;;
			*) COMPREPLY=($(compgen -W 'off' -- "$cur")) ;;
			esac ;;
		esac
		;;
	level | interval)
		case $((cword - i)) in
		1) COMPREPLY=($(compgen -W "$(_vsecctl_vm_ids)" -- "$cur")) ;;
		2) [[ $cmd == level ]] &&
			COMPREPLY=($(compgen -W 'auto 1 2' -- "$cur")) ||
			COMPREPLY=($(compgen -W 'default' -- "$cur")) ;;
		esac
		;;
	netdev)
		case $((cword - i)) in
		1) COMPREPLY=($(compgen -W "$(_vsecctl_vm_ids)" -- "$cur")) ;;
		2) COMPREPLY=($(compgen -W 'add del' -- "$cur")) ;;
		3) COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")) ;;
		esac
		;;
	monitor)
		[[ $prev == --count ]] && return
		COMPREPLY=($(compgen -W '--count --json' -- "$cur"))
		;;
	save)
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	restore)
		[[ $cur == -* ]] &&
			COMPREPLY=($(compgen -W '--check' -- "$cur")) ||
			COMPREPLY=($(compgen -f -- "$cur"))
		;;
	list | status)
		COMPREPLY=($(compgen -W '--json' -- "$cur"))
		;;
	esac
} &&
	complete -F _vsecctl vsecctl
