// The audio suite against a real PulseAudio 16 (see test/helpers/audio-suite.ts).
import t from 'tap';
import { audioSuite } from '../helpers/audio-suite.js';

audioSuite(t, 'pulseaudio');
