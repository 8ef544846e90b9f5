import type { FastifyError, FastifyInstance } from 'fastify';
import { TiercastError } from '../domain/errors.js';

interface ErrorReply {
  error: string;
  message: string;
  hint?: string;
}

/** Maps framework errors (validation, body parsing, limits) to the API's error body. */
function fromFastifyError(error: FastifyError): { status: number; body: ErrorReply } | undefined {
  if (error.validation) {
    return {
      status: 400,
      body: { error: 'invalid_input', message: `${error.validationContext ?? 'request'} ${error.message.replace(/^(body|querystring|params|headers)\s*/, '')}`.trim(), hint: 'see the API reference at /docs' },
    };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return { status: 413, body: { error: 'payload_too_large', message: 'the request body is larger than this server accepts', hint: 'see server.maxObjectBytes and server.jsonBodyLimitBytes in the configuration' } };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: { error: 'invalid_input', message: 'the JSON body is empty', hint: 'send a JSON object, or no Content-Type header' } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { error: 'invalid_input', message: `unsupported Content-Type for this endpoint`, hint: 'send application/json' } };
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
    case 'FST_NO_FORM_DATA':
      return { status: 400, body: { error: 'invalid_input', message: 'the multipart body holds no file', hint: 'send the file in a form field named "file"' } };
    default:
      break;
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return { status: 400, body: { error: 'invalid_input', message: `malformed JSON: ${error.message}`, hint: 'check the request body' } };
  }
  if (error.statusCode && error.statusCode < 500) {
    return { status: error.statusCode, body: { error: 'invalid_input', message: error.message } };
  }
  return undefined;
}

/** One place where every error becomes `{error, message, hint}`; no stack traces for user mistakes. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof TiercastError) {
      if (error.status >= 500) request.log.error({ err: error }, error.message);
      const body: ErrorReply = { error: error.code, message: error.message };
      if (error.hint) body.hint = error.hint;
      return reply.status(error.status).send(body);
    }
    const mapped = fromFastifyError(error);
    if (mapped) return reply.status(mapped.status).send(mapped.body);
    request.log.error({ err: error }, 'unexpected error');
    return reply.status(500).send({
      error: 'internal',
      message: `internal error (request ${request.id}); the service keeps running`,
      hint: 'the server log has the details under this request id',
    });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: 'not_found', message: `no such endpoint: ${request.method} ${request.url.split('?')[0]}`, hint: 'the API reference is at /docs' }),
  );
}
