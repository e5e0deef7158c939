#!/usr/bin/env python3
"""minish in a real pseudo-terminal: job control as a person uses it.

Starts `minish` on a pty it opens itself (python3's pty module), types commands and checks what
the terminal shows: a long command interrupted by Ctrl+C while the shell survives and prompts
again; Ctrl+Z stops a job ("Stopped"), `jobs` lists it, `fg` resumes it and it finishes; a
background job is reported ("Done") at the prompt after it ends.

usage: interactive-test.py MINISH
"""
import os
import pty
import select
import sys
import time

PROMPT = b"minish$ "


class Session:
    def __init__(self, minish):
        env = dict(os.environ, PS1="minish$ ", PATH="/usr/bin:/bin", TERM="dumb")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(minish, [minish], env)
        self.seen = b""

    def read_until(self, needle, timeout=10.0):
        """Reads until `needle` appears after what was already consumed; returns the text."""
        deadline = time.monotonic() + timeout
        while needle not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {needle!r}; the terminal shows:\n{self.seen.decode(errors='replace')}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"minish closed the terminal; it showed:\n{self.seen.decode(errors='replace')}")
                self.seen += chunk
        at = self.seen.index(needle) + len(needle)
        text, self.seen = self.seen[:at], self.seen[at:]
        return text.decode(errors="replace")

    def send(self, data):
        os.write(self.fd, data)

    def command(self, line):
        self.send(line.encode() + b"\n")

    def run(self, line, timeout=10.0):
        """Types a line and returns what the terminal shows up to the next prompt."""
        self.command(line)
        return self.read_until(PROMPT, timeout)


def expect(cond, what, text):
    if not cond:
        raise AssertionError(f"{what}; the terminal showed:\n{text}")
    print(f"ok: {what}")


def main():
    s = Session(sys.argv[1])
    s.read_until(PROMPT)

    # Ctrl+C interrupts the foreground job, never the shell.
    s.command("sleep 30; echo after-sleep | tr a-z A-Z")
    time.sleep(0.5)
    start = time.monotonic()
    s.send(b"\x03")
    text = s.read_until(PROMPT)
    expect(time.monotonic() - start < 5, "Ctrl+C ends sleep 30 at once", text)
    expect("AFTER-SLEEP" not in text, "the rest of the line is dropped, as bash and dash do", text)
    text = s.run("echo status=$?")
    expect("status=130" in text, "the shell survived; the interrupted command's status is 130", text)
    s.command("sleep 30 || echo not-printed | tr a-z A-Z")
    time.sleep(0.5)
    s.send(b"\x03")
    s.read_until(PROMPT)
    text = s.run("echo status=$?")
    expect("status=130" in text and "NOT-PRINTED" not in text, "after Ctrl+C, not even || runs", text)

    # Ctrl+Z stops the job; jobs lists it; fg resumes it and it finishes.
    s.command("sleep 1.5; echo z-finished")
    time.sleep(0.3)
    s.send(b"\x1a")
    text = s.read_until(PROMPT)
    expect("Stopped" in text and "[1]+" in text, "Ctrl+Z reports [1]+ Stopped", text)
    text = s.run("jobs")
    expect("[1]+  Stopped" in text and "sleep 1.5" in text, "jobs lists the stopped job", text)
    text = s.run("fg", timeout=15)
    expect("sleep 1.5" in text, "fg names the job it resumes", text)
    text = s.run("jobs; echo jobs-listed")
    expect("sleep 1.5" not in text and "jobs-listed" in text, "the job finished: jobs lists nothing", text)

    # A background job is reported when it ends, at the next prompt.
    text = s.run("sleep 0.5 &")
    expect("[1] " in text, "a background job gets [N] PID", text)
    time.sleep(1.0)
    text = s.run("echo later") + s.run("")
    expect("Done" in text and "sleep 0.5" in text, "the finished background job is reported as Done", text)

    # bg resumes a stopped job in the background.
    s.command("sleep 0.8")
    time.sleep(0.3)
    s.send(b"\x1a")
    s.read_until(PROMPT)
    text = s.run("bg")
    expect("sleep 0.8 &" in text, "bg resumes the job in the background", text)
    time.sleep(1.2)
    text = s.run("")
    expect("Done" in text, "the resumed job ends and is reported", text)

    s.command("exit 7")
    _, status = os.waitpid(s.pid, 0)
    expect(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 7, "exit 7 ends the shell with status 7", "")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e}")
        sys.exit(1)
