/** Speakers: list, scan, pair, connect, disconnect, forget, per-speaker settings, codecs, test sound. */
import type { FastifyInstance } from 'fastify';
import type { BluelineApi } from '../../core/api.js';
import { parseBtAddress } from '../../core/address.js';
import { AddressParams, PairBody, ScanBody, SpeakerPatchBody } from '../schemas.js';

export async function speakerRoutes(app: FastifyInstance, api: BluelineApi): Promise<void> {
  const params = { params: AddressParams };
  const address = (p: AddressParams) => parseBtAddress(p.address);

  app.get('/api/speakers', async () => api.speakers());

  app.post<{ Body: ScanBody }>('/api/scan', { schema: { body: ScanBody } }, async (request) => {
    await api.startScan(request.body.seconds);
    return api.status().scan;
  });
  app.delete('/api/scan', async () => {
    await api.stopScan();
    return api.status().scan;
  });

  app.post<{ Params: AddressParams; Body: PairBody }>('/api/speakers/:address/pair', {
    schema: { ...params, body: PairBody },
    // the body is optional: no body means "try the usual PINs"
    preValidation: async (request) => {
      if (request.body === undefined) request.body = {};
    },
  }, async (request) => {
    const pin = request.body.pin;
    return api.pair(address(request.params), pin === undefined ? {} : { pin });
  });
  app.post<{ Params: AddressParams }>('/api/speakers/:address/connect', { schema: params }, async (request) => api.connect(address(request.params)));
  app.post<{ Params: AddressParams }>('/api/speakers/:address/disconnect', { schema: params }, async (request) => api.disconnect(address(request.params)));
  app.delete<{ Params: AddressParams }>('/api/speakers/:address', { schema: params }, async (request, reply) => {
    await api.forget(address(request.params));
    return reply.code(204).send();
  });
  app.patch<{ Params: AddressParams; Body: SpeakerPatchBody }>('/api/speakers/:address', { schema: { ...params, body: SpeakerPatchBody } }, async (request) =>
    api.updateSpeaker(address(request.params), request.body),
  );
  app.get<{ Params: AddressParams }>('/api/speakers/:address/codecs', { schema: params }, async (request) => api.codecs(address(request.params)));
  app.post<{ Params: AddressParams }>('/api/speakers/:address/test-sound', { schema: params }, async (request, reply) => {
    await api.testSound(address(request.params));
    return reply.code(204).send();
  });
}
