import { HttpError, type Middleware } from '../http/index';
import { LoupeError } from '../../shared/errors';

/** The HTTP status for each error code the services raise (API.md "Every request"). */
const STATUS: Record<string, number> = {
  validation: 422,
  not_found: 404,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  too_large: 413,
  unsupported_media_type: 415,
  bad_image: 422,
  cancelled: 409,
  unavailable: 503,
  internal: 500,
};

export function toHttpError(err: LoupeError): HttpError {
  // One vocabulary (docs/api.md): `validation` is 422 wherever the value sat, a cursor included.
  const status = STATUS[err.code] ?? 500;
  return new HttpError(status, err.code, err.message, err.field ? { details: { field: err.field } } : undefined);
}

/** Services throw LoupeErrors; the framework renders HttpErrors. This is the bridge. */
export function loupeErrors(): Middleware {
  return async (_ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof LoupeError) throw toHttpError(err);
      throw err;
    }
  };
}
