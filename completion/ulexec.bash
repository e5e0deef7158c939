# bash completion for ulexec(1): its options; then a program from PATH (or a file, for a path
# or after --no-path-search); then the program's arguments as files.

# Executable files in PATH whose names start with $1, each once (in bash alone: no sort).
_ulexec_path_programs()
{
    local dir file name IFS=:
    local -A seen=()
    for dir in ${PATH:-/bin:/usr/bin}; do
        for file in "${dir:-.}/$1"*; do
            name=${file##*/}
            [[ -f $file && -x $file && -z ${seen[$name]-} ]] || continue
            seen[$name]=1
            printf '%s\n' "$name"
        done
    done
}

_ulexec_files()
{
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$1")
}

_ulexec()
{
    local cur=${COMP_WORDS[COMP_CWORD]} word i=1 path_search=1 options=1
    COMPREPLY=()
    # Where the options end: at the first non-option, at --, or after --fd N.
    while ((i < COMP_CWORD)); do
        word=${COMP_WORDS[i]}
        case $word in
            -a)
                ((i + 1 == COMP_CWORD)) && return 0  # NAME: anything
                ((i += 2))
                continue
                ;;
            --fd)
                if ((i + 1 == COMP_CWORD)); then  # N: this shell's open descriptors
                    local fds=(/proc/$$/fd/*)
                    mapfile -t COMPREPLY < <(compgen -W "${fds[*]##*/}" -- "$cur")
                    return 0
                fi
                _ulexec_files "$cur"  # ARG0 ARG...
                return 0
                ;;
            --no-path-search) path_search= ;;
            --)
                options=
                ((i++))
                break
                ;;
            -?*) ;;
            *) break ;;
        esac
        ((i++))
    done
    if ((i < COMP_CWORD)); then  # past PROGRAM: its arguments
        _ulexec_files "$cur"
        return 0
    fi
    if [[ $options && $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W '-a --fd --no-path-search --handoff-page --require-exe --explain --explain=json --syntax=att --syntax=intel --help --version -- -' -- "$cur")
    elif [[ $path_search && $cur != */* ]]; then
        mapfile -t COMPREPLY < <(_ulexec_path_programs "$cur")
    else
        _ulexec_files "$cur"
    fi
    return 0
}
complete -F _ulexec ulexec
