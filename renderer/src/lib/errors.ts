/** The message of anything thrown by an API call, for a notice or a toast. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return 'Unexpected error (no message).';
}
