#!/usr/bin/python3
"""The lab's audio probe, run inside a guest (ctypes over libasound: Debian's python3-alsaaudio
is broken on Python 3.11, and numpy is not needed for this).

  probe.py play DEVICE SIGNAL SECONDS OUT.json    SIGNAL: tone:HZ:AMP | clicks:-:AMP
  probe.py record DEVICE SECONDS OUT.wav OUT.json

Both write anchors [frame_index, CLOCK_MONOTONIC ms]: when that frame entered the device (play)
or was captured (record). The host lines up the guests' clocks and analyses the recording.
"""
import ctypes
import json
import math
import struct
import sys
import time
import wave

RATE = 48000
CHANNELS = 2
FORMAT_S16_LE = 2
ACCESS_RW_INTERLEAVED = 3
NONBLOCK = 1
CHUNK = 480  # 10 ms

asound = ctypes.CDLL('libasound.so.2')
asound.snd_pcm_writei.restype = ctypes.c_long
asound.snd_pcm_readi.restype = ctypes.c_long
asound.snd_pcm_avail.restype = ctypes.c_long
asound.snd_strerror.restype = ctypes.c_char_p


def now_ms():
    return time.clock_gettime(time.CLOCK_MONOTONIC) * 1000.0


def check(rc, what):
    if rc < 0:
        raise RuntimeError('%s: %s' % (what, asound.snd_strerror(rc).decode()))
    return rc


def open_pcm(name, capture, latency_us):
    pcm = ctypes.c_void_p()
    check(asound.snd_pcm_open(ctypes.byref(pcm), name.encode(), 1 if capture else 0, NONBLOCK), 'open ' + name)
    check(asound.snd_pcm_set_params(pcm, FORMAT_S16_LE, ACCESS_RW_INTERLEAVED, CHANNELS, RATE, 1, latency_us), 'set_params')
    return pcm


def cycle(signal):
    """One repeating cycle of the signal as packed S16 stereo, its length in frames, click offsets or None."""
    kind, a, b = signal.split(':')
    if kind == 'tone':
        length = RATE  # one second: a whole number of periods for integer frequencies
        step = 2 * math.pi * float(a) / RATE
        values = [float(b) * math.sin(step * i) for i in range(length)]
        click = None
    else:
        # 10 ms Hann-windowed 3 kHz bursts at uneven offsets in a 2.1 s cycle, so that the host
        # can match received clicks to sent ones even when the latency exceeds one interval
        amp = float(b)
        length = int(2.1 * RATE)
        burst = int(0.010 * RATE)
        step = 2 * math.pi * 3000 / RATE
        values = [0.0] * length
        clicks_at = [0, int(0.6 * RATE), int(1.3 * RATE)]
        for start in clicks_at:
            for k in range(burst):
                values[start + k] = amp * math.sin(step * k) * 0.5 * (1 - math.cos(2 * math.pi * k / burst))
        click = clicks_at
    ints = [int(32767 * v) for v in values]
    return struct.pack('<%dh' % (2 * length), *[v for v in ints for _ in range(CHANNELS)]), length, click


def play(device, signal, seconds, out_json):
    data, length, click = cycle(signal)
    pcm = open_pcm(device, False, 100000)
    total = int(seconds * RATE)
    written = 0
    anchors = []
    starts = []
    delay = ctypes.c_long()
    started = now_ms()
    while written < total:
        pos = written % length
        n = min(CHUNK, total - written, length - pos)
        for c in click or []:
            if pos <= c < pos + n:
                starts.append(written + c - pos)
        chunk = data[pos * 4:(pos + n) * 4]
        offset = 0
        while offset < n:
            rc = asound.snd_pcm_writei(pcm, chunk[offset * 4:], n - offset)
            if rc == -11:  # EAGAIN: buffer full, wait a little
                time.sleep(0.004)
                continue
            if rc < 0:
                asound.snd_pcm_recover(pcm, int(rc), 1)
                continue
            offset += rc
        written += n
        if asound.snd_pcm_delay(pcm, ctypes.byref(delay)) == 0:
            anchors.append([written, now_ms() + delay.value * 1000.0 / RATE])
    asound.snd_pcm_nonblock(pcm, 0)
    asound.snd_pcm_drain(pcm)
    asound.snd_pcm_close(pcm)
    with open(out_json, 'w') as f:
        json.dump({'rate': RATE, 'signal': signal, 'started': started, 'frames': written, 'anchors': anchors, 'clicks': starts}, f)


def record(device, seconds, out_wav, out_json):
    pcm = open_pcm(device, True, 200000)
    asound.snd_pcm_start(pcm)
    total = int(seconds * RATE)
    got = 0
    anchors = []
    buf = ctypes.create_string_buffer(CHUNK * 4)
    started = now_ms()
    deadline = started + seconds * 1000.0 + 30000.0
    with wave.open(out_wav, 'wb') as w:
        w.setnchannels(CHANNELS)
        w.setsampwidth(2)
        w.setframerate(RATE)
        while got < total and now_ms() < deadline:
            avail = asound.snd_pcm_avail(pcm)
            if avail < 0:
                asound.snd_pcm_recover(pcm, int(avail), 1)
                asound.snd_pcm_start(pcm)
                continue
            if avail < CHUNK:
                time.sleep(0.003)
                continue
            rc = asound.snd_pcm_readi(pcm, buf, CHUNK)
            if rc < 0:
                asound.snd_pcm_recover(pcm, int(rc), 1)
                continue
            left = asound.snd_pcm_avail(pcm)
            t = now_ms()
            w.writeframes(buf.raw[:rc * 4])
            got += rc
            anchors.append([got, t - max(left, 0) * 1000.0 / RATE])
    asound.snd_pcm_close(pcm)
    with open(out_json, 'w') as f:
        json.dump({'rate': RATE, 'started': started, 'frames': got, 'anchors': anchors}, f)


if __name__ == '__main__':
    if sys.argv[1] == 'play':
        play(sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5])
    elif sys.argv[1] == 'record':
        record(sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        sys.exit('usage: probe.py play|record ...')
