#!/usr/bin/env python3
"""ulexec --explain against the kernel's truth: each explained plan is compared, address for
address, with what the probe reports when the same program really runs through ulexec with ASLR
off (setarch -R); disassembly against objdump; failures against their exit statuses; every JSON
document against docs/explain.schema.json.

Usage: explain-test.py ULEXEC SCHEMA HELLO_STATIC SIGDEMO_STATIC (probes: ULEXEC_PROBE_* variables)
"""
import json
import os
import pty
import re
import signal
import subprocess
import sys
import tempfile
import unittest

import jsonschema

ULEXEC, SCHEMA, HELLO, SIGDEMO = sys.argv[1:5]
PROBES = {v: os.environ['ULEXEC_PROBE_' + v.upper().replace('-', '_')]
          for v in ('static', 'static-pie', 'glibc-dynamic')}
with open(SCHEMA) as f:
    _schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(_schema)  # the schema itself is valid
VALIDATOR = jsonschema.Draft202012Validator(_schema)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kw)


def explain(args, prefix=(), check_status=0, **kw):
    """--explain=json of args: the document, validated against the schema."""
    r = run(list(prefix) + [ULEXEC, '--explain=json'] + list(args), **kw)
    if check_status is not None:
        assert r.returncode == check_status, (r.returncode, r.stderr)
    doc = json.loads(r.stdout)
    VALIDATOR.validate(doc)
    return doc


def probe_report(args):
    r = run(['setarch', '-R', ULEXEC] + list(args))
    assert r.returncode == 0, r.stderr
    return dict(line.split(': ', 1) for line in r.stdout.splitlines() if ': ' in line)


def merged(ranges):
    """[start, end) pairs as the sorted union of their intervals."""
    out = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return out


def image_ranges(image):
    ranges = []
    for seg in image['segments']:
        for part in ('file_backed', 'anonymous'):
            if seg[part]:
                ranges.append((int(seg[part]['start'], 16), int(seg[part]['end'], 16)))
    return merged(ranges)


def probe_ranges(report, label):
    ranges = []
    for key, value in report.items():
        if key.startswith('addr.maps.' + label + '.'):
            start, end = value.split('-')
            ranges.append((int(start, 16), int(end, 16)))
    assert ranges, 'the probe reports no mapping labelled ' + label
    return merged(ranges)


def aux(doc):
    return {a['name']: int(a['value'], 16) for a in doc['stack']['auxv']}


class AgreesWithTheProbe(unittest.TestCase):
    """The plan is what really happens: setarch -R, the same argv and environment."""

    def check(self, program, args, rule, interp_label=None):
        argv = [program] + args
        doc = explain(argv, prefix=['setarch', '-R'])
        report = probe_report(argv)
        self.assertTrue(doc['planned'])
        main = doc['memory']['images'][0]
        self.assertIn(rule, main['bias_rule'])
        self.assertEqual(image_ranges(main), probe_ranges(report, 'image'))
        self.assertEqual(int(main['entry'], 16), int(report['addr.auxv.AT_ENTRY'], 16))
        self.assertEqual(' '.join(a['name'] for a in doc['stack']['auxv']), report['auxv.order'])
        auxv = aux(doc)
        for name in ('AT_PHDR', 'AT_ENTRY', 'AT_SYSINFO_EHDR', 'AT_EXECFN', 'AT_RANDOM', 'AT_PLATFORM'):
            self.assertEqual(auxv[name], int(report['addr.auxv.' + name], 16), name)
        self.assertEqual(int(doc['memory']['vdso'], 16), int(report['addr.maps.[vdso].0'].split('-')[0], 16))
        if 'addr.regs.rsp' in report:  # the crt probes report their entry registers
            self.assertEqual(int(doc['entry']['rsp'], 16), int(report['addr.regs.rsp'], 16))
            regs = doc['entry']['registers']
            for name in ('rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13',
                         'r14', 'r15', 'rflags', 'cs', 'ss', 'fs_base', 'fcw', 'mxcsr'):
                self.assertEqual(int(regs[name], 16), int(report['regs.' + name], 16), name)
            self.assertEqual(regs['rsp'], doc['entry']['rsp'])
        if interp_label:
            interp = doc['memory']['images'][1]
            self.assertIn('interpreter', interp['bias_rule'])
            self.assertEqual(int(interp['load_bias'], 16), int(report['addr.auxv.AT_BASE'], 16))
            self.assertEqual(image_ranges(interp), probe_ranges(report, interp_label))
            self.assertEqual(int(doc['entry']['rip'], 16), int(interp['entry'], 16))
        else:
            self.assertEqual(len(doc['memory']['images']), 1)
            self.assertEqual(doc['entry']['rip'], main['entry'])
        return doc

    def test_static(self):
        self.check(PROBES['static'], ['one', 'two'], 'ET_EXEC')

    def test_static_pie(self):
        self.check(PROBES['static-pie'], ['one'], 'static-pie')

    def test_glibc_dynamic(self):
        self.check(PROBES['glibc-dynamic'], ['one'], 'PIE', interp_label='ld-linux-x86-64.so.2')

    def test_script(self):
        with tempfile.TemporaryDirectory() as tmp:
            script = os.path.join(tmp, 'script')
            with open(script, 'w') as f:
                f.write('#!%s an-argument\n' % PROBES['static-pie'])
            os.chmod(script, 0o755)
            doc = self.check(script, ['x'], 'static-pie')
            self.assertEqual(doc['file']['scripts'],
                             [{'script': script, 'interpreter': PROBES['static-pie'], 'argument': 'an-argument'}])
            self.assertEqual(doc['stack']['argv'], [PROBES['static-pie'], 'an-argument', script, 'x'])


def objdump_first(path, symbol, syntax):
    """The bytes and text objdump gives for the first instruction at `symbol`."""
    nm = run(['nm', path]).stdout
    address = int(re.search(r'^([0-9a-f]+) \w %s$' % re.escape(symbol), nm, re.M).group(1), 16)
    out = run(['objdump', '-d', '-M', syntax, '--start-address=%#x' % address,
               '--stop-address=%#x' % (address + 16), path]).stdout
    line = re.search(r'^\s*%x:\s+((?:[0-9a-f]{2} )+)\s*(.*)$' % address, out, re.M)
    return line.group(1).replace(' ', ''), line.group(2)


def normalized(text):
    return re.sub(r'\s+', '', text.split('#')[0])


class Disassembly(unittest.TestCase):

    def first(self, doc, title):
        code = [c for c in doc['entry']['code'] if c['title'].startswith(title)]
        self.assertEqual(len(code), 1, title)
        return code[0]['instructions']

    def test_entry_is_start(self):
        for syntax, flag in (('intel', '--syntax=intel'), ('att', '--syntax=att')):
            doc = explain([flag, HELLO])
            insn = self.first(doc, 'program entry')[0]
            self.assertEqual(insn['symbol'], '_start')
            self.assertEqual(insn['address'], doc['memory']['images'][0]['entry'])
            bytes_, text = objdump_first(HELLO, '_start', syntax)
            self.assertEqual(insn['bytes'], bytes_)
            self.assertEqual(normalized(insn['text']), normalized(text))

    def test_trampoline(self):
        for program in (SIGDEMO, HELLO):  # in the program; else crt's own, as linked in explain
            insns = self.first(explain([program]), 'signal trampoline')
            self.assertEqual([i['text'] for i in insns], ['mov rax, 0xf', 'syscall'], program)
            self.assertEqual(insns[0]['symbol'], '__restore_rt')


class Failures(unittest.TestCase):

    def test_malformed_elf(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, 'truncated')
            with open(HELLO, 'rb') as src, open(bad, 'wb') as dst:
                dst.write(src.read(100))
            os.chmod(bad, 0o755)
            doc = explain([bad], check_status=126)
            self.assertFalse(doc['planned'])
            self.assertEqual(doc['file']['error']['name'], 'ENOEXEC')
            self.assertEqual(doc['file']['checks'][-1],
                             {'name': 'ELF header and program headers (spec D3, D4)', 'subject': bad, 'passed': False})
            text = run([ULEXEC, '--explain', bad])
            self.assertEqual(text.returncode, 126)
            self.assertIn('FAIL ELF header and program headers', text.stdout)
            # The same status as running it.
            self.assertEqual(run([ULEXEC, bad]).returncode, 126)

    def test_not_found(self):
        doc = explain(['no-such-program-here'], check_status=127, env={'PATH': '/nonexistent'})
        self.assertEqual(doc['file']['error']['name'], 'ENOENT')

    def test_usage(self):
        self.assertEqual(run([ULEXEC, '--syntax=att', HELLO]).returncode, 125)
        self.assertEqual(run([ULEXEC, '--explain', '--bogus', HELLO]).returncode, 125)


class Sources(unittest.TestCase):
    """--fd, - and -a explain the same program the same way as its path does."""

    def test_descriptor_stdin_and_argv0(self):
        by_path = explain(['-a', 'renamed', HELLO, 'x'])
        self.assertEqual(by_path['stack']['argv'], ['renamed', 'x'])
        with open(HELLO, 'rb') as f:
            by_fd = explain(['--fd', '0', 'renamed', 'x'], stdin=f)
        with open(HELLO, 'rb') as f:
            by_stdin = explain(['-a', 'renamed', '-', 'x'], stdin=f)
        for doc in (by_fd, by_stdin):
            self.assertEqual(doc['memory']['images'][0]['segments'], by_path['memory']['images'][0]['segments'])
            self.assertEqual(doc['stack']['argv'], ['renamed', 'x'])
            self.assertEqual(doc['entry']['code'][0], by_path['entry']['code'][0])
        self.assertEqual(by_fd['file']['resolution'], 'descriptor')


class Output(unittest.TestCase):

    def tty_output(self, env):
        master, slave = pty.openpty()
        p = subprocess.Popen([ULEXEC, '--explain', HELLO], stdout=slave, stderr=subprocess.DEVNULL, env=env)
        os.close(slave)
        out = b''
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        p.wait(timeout=60)
        os.close(master)
        return out

    def test_colour_only_on_a_terminal(self):
        env = dict(os.environ)
        env.pop('NO_COLOR', None)
        self.assertIn(b'\033[', self.tty_output(env))
        self.assertNotIn(b'\033[', self.tty_output(dict(env, NO_COLOR='1')))
        self.assertNotIn('\033[', run([ULEXEC, '--explain', HELLO], env=env).stdout)

    def test_side_effects(self):
        doc = explain([HELLO], preexec_fn=lambda: signal.signal(signal.SIGUSR1, signal.SIG_IGN))
        effects = doc['side_effects']
        self.assertIn('SIGUSR1', effects['signals_still_ignored'])
        self.assertEqual(effects['comm'], os.path.basename(HELLO)[:15])
        self.assertEqual(effects['exe'], os.path.realpath(HELLO))

    def test_handoff_entry(self):
        # The probe that carries a signal restorer is entered through it (docs/execve.md#B6): the
        # address is that of the restorer's bytes in its executable segment; the one without one,
        # and --handoff-page, keep the page (the conformance test checks what really happens).
        doc = explain([PROBES['static-pie']], prefix=['setarch', '-R'])
        entry = doc['side_effects']['handoff_entry']
        self.assertEqual(entry['via'], 'restorer', entry['why'])
        restorer = int(entry['restorer'], 16)
        image = doc['memory']['images'][0]
        with open(PROBES['static-pie'], 'rb') as f:
            data = f.read()
        found = None
        for seg in image['segments']:
            start, size = int(seg['vaddr'], 16), int(seg['mem_size'], 16)
            if 'x' in seg['prot'] and start <= restorer < start + size:
                offset = int(seg['file_offset'], 16) + restorer - start
                found = data[offset:offset + 9]
        self.assertEqual(found, bytes.fromhex('48c7c00f0000000f05'))
        self.assertEqual(explain([PROBES['static']])['side_effects']['handoff_entry']['via'], 'page')

    def test_random_choices_are_marked(self):
        doc = explain([PROBES['static-pie']])
        self.assertTrue(any(i['random'] and 'AT_RANDOM' in i['what'] for i in doc['stack']['items']))
        self.assertTrue([a for a in doc['stack']['auxv'] if a['name'] == 'AT_RANDOM'][0]['random'])
        norandom = explain([PROBES['static-pie']], prefix=['setarch', '-R'])
        self.assertFalse(norandom['memory']['images'][0]['bias_random'])


if __name__ == '__main__':
    unittest.main(argv=[sys.argv[0], '-v'])
