/**
 * One place that turns failures into HTTP answers: schema errors -> 400 naming the field,
 * BluelineError -> httpStatusFor(code) with its plain-language reason, Fastify's own client
 * errors (bad JSON, body too large, wrong content type) -> their 4xx, anything else -> 500.
 * Every error body is { error: code, message, field? }.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { httpStatusFor, isBluelineError } from '../core/errors.js';

export interface ErrorBody {
  error: string;
  message: string;
  field?: string;
}

export function sendError(reply: FastifyReply, status: number, error: string, message: string, field?: string): FastifyReply {
  const body: ErrorBody = field === undefined ? { error, message } : { error, message, field };
  return reply.code(status).send(body);
}

interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

function describeValidation(context: string | undefined, errors: AjvError[]): { field: string; message: string } {
  const e = errors[0];
  if (!e) return { field: context ?? 'request', message: 'invalid request' };
  const path = e.instancePath.split('/').filter(Boolean).join('.');
  const extra = e.params['missingProperty'] ?? e.params['additionalProperty'];
  const field = [path, typeof extra === 'string' ? extra : ''].filter(Boolean).join('.') || (context ?? 'body');
  if (e.keyword === 'additionalProperties') return { field, message: `unknown field "${field}"` };
  if (e.keyword === 'required') return { field, message: `${field} is required` };
  if (e.keyword === 'pattern' && field === 'address') return { field, message: 'address must be written AA:BB:CC:DD:EE:FF' };
  if (e.keyword === 'minProperties') return { field, message: `${field} must name at least one field to change` };
  return { field, message: `${field} ${e.message ?? 'is invalid'}` };
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.validation) {
      const { field, message } = describeValidation(err.validationContext, err.validation as AjvError[]);
      return sendError(reply, 400, 'invalid', message, field);
    }
    if (isBluelineError(err)) {
      const status = httpStatusFor(err.code);
      if (status >= 500) request.log.warn({ err, url: request.url }, 'command failed');
      return sendError(reply, status, err.code, err.reason);
    }
    const status = err.statusCode;
    if (status !== undefined && status >= 400 && status < 500) return sendError(reply, status, err.code ?? 'bad-request', err.message);
    request.log.error({ err, method: request.method, url: request.url }, 'request failed');
    return sendError(reply, 500, 'internal', 'internal error; see the log');
  });

  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'not-found', `nothing at ${request.method} ${request.url.slice(0, 200)}`));
}
