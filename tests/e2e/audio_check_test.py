#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Unit test of audio_check (suite 'unit'): recordings synthesised here with
Python's own wave module (not with audio_check gen), passed through a
mu-law quantiser like a G.711 call, must pass or fail for the right reason.

usage: audio_check_test.py AUDIO_CHECK
"""

import math
import os
import random
import struct
import subprocess
import sys
import tempfile
import wave

RATE = 8000
failed = 0


def check(name, ok, detail=''):
    global failed
    print('%s: %s%s' % ('PASS' if ok else 'FAIL', name, '' if ok else '\n    ' + str(detail)))
    if not ok:
        failed += 1


def mulaw(x):
    """Continuous mu-law (mu = 255) with 8-bit quantisation, in -1..1."""
    y = math.copysign(math.log1p(255 * min(abs(x), 1.0)) / math.log(256), x)
    q = round(y * 127) / 127
    return math.copysign((math.pow(256, abs(q)) - 1) / 255, q)


def write_wav(path, samples, rate=RATE, channels=1, width=2):
    with wave.open(path, 'wb') as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        if width == 2:
            data = b''.join(struct.pack('<h', max(-32768, min(32767, int(round(s * 32767)))))
                            for s in samples for _ in range(channels))
        else:
            data = bytes(int(128 + 127 * s) & 0xff for s in samples)
        w.writeframes(data)


def tone(freq, secs, dbfs, rate=RATE):
    a = math.pow(10, dbfs / 20) * math.sqrt(2)      # RMS dBFS -> amplitude
    return [a * math.sin(2 * math.pi * freq * i / rate) for i in range(int(secs * rate))]


def silence(secs):
    return [0.0] * int(secs * RATE)


def noise(n, dbfs, seed=1):
    r = random.Random(seed)
    sd = math.pow(10, dbfs / 20)
    return [r.gauss(0, sd) for _ in range(n)]


def g711(samples):
    return [mulaw(s) for s in samples]


def main():
    ac = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix='sl-audio-check-')

    def run_check(name, samples, expect, extra=(), **kw):
        path = os.path.join(tmp, name + '.wav')
        write_wav(path, samples, **kw)
        p = subprocess.run([ac, 'check', path, '--expect', str(expect)] + list(extra),
                           capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr

    rc, out = run_check('pass_1000', g711(tone(1000, 5, -12)), 1000)
    check('1000 Hz through mu-law, expect 1000: pass', rc == 0 and 'audio_check: PASS' in out, out)
    rc, out = run_check('pass_1700', g711(tone(1700, 5, -12)), 1700)
    check('1700 Hz through mu-law, expect 1700: pass', rc == 0, out)
    m = [ln for ln in out.splitlines() if 'SNR' in ln]
    snr = float(m[0].split('SNR ')[1].split(' dB')[0]) if m else 0
    check('mu-law SNR figure is plausible (30..45 dB)', 30 <= snr <= 45, m)
    rc, out = run_check('wrong_tone', g711(tone(1700, 5, -12)), 1000)
    check('1700 Hz, expect 1000: fail on the dominant frequency', rc == 1 and
          'FAIL: dominant frequency 1700 Hz (expected 1000 Hz)' in out, out)
    rc, out = run_check('silence', silence(5), 1000)
    check('silence: fail', rc == 1 and 'FAIL: dominant frequency: none' in out and
          'FAIL: tone present 0.0 s' in out, out)
    rc, out = run_check('short', g711(tone(1000, 1, -12) + silence(4)), 1000)
    check('1 s of tone, need 3 s: fail on duration only', rc == 1 and
          'PASS: dominant frequency 1000' in out and 'FAIL: tone present 1.0 s' in out, out)
    rc, out = run_check('short_ok', g711(tone(1000, 1, -12) + silence(4)), 1000,
                        ['--min-seconds', '0.8'])
    check('1 s of tone, need 0.8 s: pass', rc == 0, out)
    rc, out = run_check('quiet', g711(tone(1000, 5, -50)), 1000)
    check('tone at -50 dBFS: fail on level', rc == 1 and 'FAIL: tone level' in out, out)
    t = tone(1000, 5, -30)
    rc, out = run_check('noisy', [a + b for a, b in zip(t, noise(len(t), -25))], 1000)
    check('tone 5 dB under white noise: fail on SNR/presence', rc == 1 and
          ('FAIL: SNR' in out or 'FAIL: tone present' in out), out)
    rc, out = run_check('light_noise', g711([a + b for a, b in zip(t, noise(len(t), -60))]), 1000)
    check('tone 30 dB over noise: pass', rc == 0, out)
    mix = g711(tone(1000, 3, -12) + tone(1700, 1, -12) + tone(1000, 3, -12))
    rc, out = run_check('interrupted', mix, 1000, ['--min-seconds', '5.5'])
    check('6 s of 1000 Hz with 1 s of 1700 Hz inside: 6.0 s present, longest run 3.0',
          rc == 0 and 'tone present 6.0 s (longest run 3.0 s' in out, out)
    rc, out = run_check('rate16k', tone(1000, 4, -12, rate=16000), 1000, rate=16000)
    check('16 kHz file: analysed at its own rate', rc == 0 and 'at 16000 Hz' in out, out)

    # file format errors: exit 2 with a message
    rc, out = run_check('stereo', tone(1000, 1, -12), 1000, channels=2)
    check('stereo: refused (exit 2)', rc == 2 and 'mono' in out, out)
    rc, out = run_check('8bit', tone(1000, 1, -12), 1000, width=1)
    check('8-bit: refused (exit 2)', rc == 2 and '16-bit' in out, out)
    bad = os.path.join(tmp, 'garbage.wav')
    with open(bad, 'wb') as f:
        f.write(b'RIFF\x10\x00\x00\x00WAVEfmt \xff\xff\xff\xff')
    p = subprocess.run([ac, 'check', bad, '--expect', '1000'], capture_output=True, text=True)
    check('truncated fmt chunk: refused (exit 2)', p.returncode == 2 and 'fmt' in p.stderr,
          p.stderr)
    p = subprocess.run([ac, 'check', '/nonexistent.wav', '--expect', '1000'],
                       capture_output=True, text=True)
    check('missing file: exit 2', p.returncode == 2 and 'cannot open' in p.stderr, p.stderr)
    # a recorder that died before fixing the header: data size 0xffffffff,
    # and a LIST chunk before fmt
    path = os.path.join(tmp, 'unfinalised.wav')
    pcm = b''.join(struct.pack('<h', int(s * 32767)) for s in tone(1000, 4, -12))
    with open(path, 'wb') as f:
        f.write(b'RIFF' + struct.pack('<I', 0xffffffff) + b'WAVE')
        f.write(b'LIST' + struct.pack('<I', 5) + b'abcde\x00')
        f.write(b'fmt ' + struct.pack('<IHHIIHH', 16, 1, 1, RATE, RATE * 2, 2, 16))
        f.write(b'data' + struct.pack('<I', 0xffffffff) + pcm)
    p = subprocess.run([ac, 'check', path, '--expect', '1000'], capture_output=True, text=True)
    check('unfinalised header, odd LIST chunk first: read to end of file', p.returncode == 0 and
          '4.00 s' in p.stdout, p.stdout + p.stderr)
    p = subprocess.run([ac, 'check', path], capture_output=True, text=True)
    check('no --expect: usage error', p.returncode == 2, p.stderr)

    # gen, read back with Python's wave module
    path = os.path.join(tmp, 'gen.wav')
    p = subprocess.run([ac, 'gen', path, '1700', '2', '0.5'], capture_output=True, text=True)
    with wave.open(path) as w:
        fmt = (w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes())
        raw = w.readframes(w.getnframes())
    s = struct.unpack('<%dh' % (len(raw) // 2), raw)
    crossings = sum(1 for i in range(1, len(s)) if (s[i - 1] < 0) != (s[i] < 0))
    peak = max(abs(v) for v in s)
    check('gen: 8 kHz mono 16-bit, 2 s', fmt == (8000, 1, 2, 16000), fmt)
    check('gen: 1700 Hz by zero crossings, amplitude 0.5',
          abs(crossings / 2 / 2.0 - 1700) < 5 and abs(peak - 16383) < 200, (crossings, peak))
    p = subprocess.run([ac, 'gen', path, '5000', '2'], capture_output=True, text=True)
    check('gen: 5000 Hz refused', p.returncode == 2, p.stderr)

    if failed:
        print('%d failed; files kept in %s' % (failed, tmp))
        return 1
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)
    print('all checks passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
