// The audio suite against real PipeWire + WirePlumber + pipewire-pulse (see test/helpers/audio-suite.ts).
import t from 'tap';
import { audioSuite } from '../helpers/audio-suite.js';

audioSuite(t, 'pipewire');
