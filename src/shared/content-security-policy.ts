/**
 * Content-Security-Policy of every page the agent serves and the tray app shows: scripts and connections from the
 * agent's own origin only, no inline scripts or styles, no frames, no plugins, no forms posting
 * elsewhere. (Style properties set from script, as React does, are not affected.)
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
