// One error shape for JSON, one page for HTML (see layout/error-page.tsx).
export interface Issue {
  path: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Issue[] = [],
    readonly headers: Record<string, string> = {},
    /** the values a page's translation of `error.code.<code>` needs (e.g. a limit) */
    readonly values: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; requestId: string; issues?: Issue[] };
}

export function errorBody(error: HttpError, requestId: string): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      requestId,
      ...(error.issues.length > 0 ? { issues: error.issues } : {}),
    },
  };
}

export const notFound = () => new HttpError(404, 'not_found', 'Nothing here: the address is wrong or you may not see it.');
export const forbidden = () => new HttpError(403, 'forbidden', 'You are not allowed to do this.');
export const unauthenticated = () => new HttpError(401, 'unauthenticated', 'Please sign in first.');
