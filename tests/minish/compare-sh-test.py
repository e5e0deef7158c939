#!/usr/bin/env python3
"""minish -c against /bin/sh -c: the same lines through both, the kernel's shell as the oracle.

Each line runs in a fresh empty folder through `/bin/sh -c LINE` and `minish -c LINE` with the
same environment. They must give the same stdout, the same exit status and the same stderr
shape: the same number of lines, each naming what the row says (the wording differs: dash says
"sh: 1: x: not found", minish "minish: x: command not found"; for a malformed ELF minish adds
ulexec's reason).

usage: compare-sh-test.py MINISH ULEXEC HELLO SIGDEMO
"""
import os
import subprocess
import sys
import tempfile

# (line, a word every stderr line must contain, or None)
TABLE = [
    # words, quoting, parameters
    ("echo hello world", None),
    ("echo \"a  b\" 'c  d' e\\ f", None),
    ("/bin/echo 'single $X' \"double \\$X \\\"q\\\" \\\\ \\a\"", None),
    ("X=1; echo $X ${X}x \"$X\" '$X'", None),
    ("X='a   b  c'; printf '[%s]' $X; echo; printf '[%s]' \"$X\"; echo", None),
    ("printf '[%s]' \"\" '' $UNSET_VAR; echo", None),
    ("a=1 b=2; echo $a$b ${a}${b}", None),
    ("echo a\\\nb", None),
    ("echo one # a comment", None),
    ("echo ~ | grep -c /", None),
    ("echo \"$$\" | grep -c '^[0-9][0-9]*$'", None),
    ("unset HOME; echo \"[$HOME]\"", None),
    ("echo $0 | grep -c .", None),
    ("echo a\necho b\n\necho c", None),
    # exit statuses, && || ;
    ("true; echo $?; false; echo $?", None),
    ("true && echo yes || echo no", None),
    ("false && echo yes || echo no", None),
    ("false || false || echo third", None),
    ("true || echo skipped; echo after", None),
    ("sh -c 'exit 3'; echo $?", None),
    ("exit 5", None),
    ("false", None),
    ("busybox false; echo $?", None),
    ("sh -c 'kill -SEGV $$'; echo $?", "Segmentation fault"),
    ("sh -c 'kill -USR1 $$'; echo $?; sh -c 'kill -PIPE $$'; echo $?", "User defined signal 1"),
    # pipelines of real programs
    ("printf 'b\\na\\nc\\n' | sort | head -n 2", None),
    ("seq 1 1000 | grep 7 | wc -l", None),
    ("yes | head -n 3", None),
    ("seq 20 | tac | tail -n 3 | tr '\\n' ' ' | rev", None),
    ("echo x | cat - /etc/hostname | wc -l", None),
    ("busybox echo hi | busybox wc -c", None),
    ("echo through-200-cats" + " | cat" * 200, None),
    ("seq 5 | busybox tac | sort -n | head -n 1", None),
    ("false | true; echo $?", None),
    ("true | false; echo $?", None),
    ("$HELLO one two | cat", None),
    ("$SIGDEMO | tail -n 1", None),
    ("$ULEXEC $HELLO via-ulexec | grep -c via-ulexec", None),
    # redirections
    ("echo out > f; cat f; echo more >> f; cat f; wc -l < f", None),
    ("ls /nonexistent 2>/dev/null; echo $?", None),
    ("ls /nonexistent 2>&1 | sed 's/.*/X/'", None),
    ("echo hi 3>f 1>&3; cat f", None),
    ("echo hidden 2>&1 >/dev/null", None),
    ("sh -c 'echo to-stderr >&2' 2>&1 | tr a-z A-Z", None),
    ("sh -c 'echo e >&2' 2>f; cat f; echo x 2>>f >&2; cat f", None),
    ("echo a > f; echo b >f 1>&2 2>/dev/null; cat f", None),
    ("cat < /nonexistent; echo $?", "/nonexistent"),
    ("echo x > /nonexistent/dir/file; echo $?", "/nonexistent/dir/file"),
    # the environment
    ("export A=1; sh -c 'echo A=$A'", None),
    ("A=2 env | grep '^A='", None),
    ("B=3; sh -c 'echo B=$B'; export B; sh -c 'echo B=$B'", None),
    ("A=1; A=2 sh -c 'echo $A'; echo $A", None),
    ("cd /tmp && pwd && cd / && pwd", None),
    # background jobs
    ("sleep 0.1 & wait; echo waited", None),
    ("sleep 0.2 & echo first; wait; echo second", None),
    ("echo a & wait; echo b", None),
    ("true && echo bg-list & wait", None),
    # missing and unrunnable commands, scripts
    ("nosuchcommand; echo $?", "nosuchcommand"),
    ("nosuchcommand arg | cat; echo $?", "nosuchcommand"),
    ("./nonexistent; echo $?", "./nonexistent"),
    ("/etc; echo $?", "/etc"),
    ("echo x > f; ./f; echo $?", "./f"),
    ("head -c 100 /bin/true > bad; chmod +x bad; ./bad; echo $?", "./bad"),
    ("printf 'echo from-script $1\\nfalse\\n' > s; chmod +x s; ./s arg; echo $?", None),
    ("printf '#!/bin/sh\\necho $0 $1\\nexit 4\\n' > t; chmod +x t; ./t x; echo $?", None),
    ("printf '#!/nonexistent\\n' > u; chmod +x u; ./u; echo $?", "./u"),
    ("printf '#!%s\\necho $0 $1 $#\\n' \"$MINISH\" > m; chmod +x m; ./m x; $ULEXEC ./m y", None),
    ("printf 'echo in-file $1\\nexit 6\\n' > s; $MINISH s arg; echo $?", None),
    ("printf 'echo before\\necho a | |\\necho after\\n' > s; chmod +x s; ./s; echo $?", "2"),
    # syntax errors: status 2, one line
    ("echo a |", None),
    ("echo a ;; echo b", None),
    ("echo 'unterminated", None),
    ("| echo a", None),
]


def run(argv, cwd, env):
    p = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    return p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"), p.returncode


def main():
    minish, ulexec, hello, sigdemo = (os.path.abspath(p) for p in sys.argv[1:5])
    env = {"PATH": "/usr/bin:/bin", "HOME": "/root", "LC_ALL": "C", "ULEXEC": ulexec, "HELLO": hello,
           "SIGDEMO": sigdemo, "MINISH": minish}
    failures = 0
    for line, mention in TABLE:
        results = []
        for argv in (["/bin/sh", "-c", line], [minish, "-c", line]):
            with tempfile.TemporaryDirectory() as d:
                results.append(run(argv, d, env))
        (out_sh, err_sh, st_sh), (out_mi, err_mi, st_mi) = results
        lines_sh, lines_mi = err_sh.splitlines(), err_mi.splitlines()
        problems = []
        if out_sh != out_mi:
            problems.append(f"stdout differs:\n  sh:     {out_sh!r}\n  minish: {out_mi!r}")
        if st_sh != st_mi:
            problems.append(f"status differs: sh {st_sh}, minish {st_mi}")
        if len(lines_sh) != len(lines_mi):
            problems.append(f"stderr has {len(lines_sh)} line(s) from sh, {len(lines_mi)} from minish")
        if mention and not all(mention in l for l in lines_sh + lines_mi):
            problems.append(f"a stderr line does not name {mention!r}")
        if problems:
            failures += 1
            print(f"FAIL {line!r}\n  " + "\n  ".join(problems) + f"\n  sh stderr: {err_sh!r}\n  minish stderr: {err_mi!r}")
        else:
            print(f"ok   {line!r} (status {st_mi})")
    print(f"{len(TABLE) - failures} of {len(TABLE)} lines agree")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
