/**
 * Persona's object ids (`evt_…`, `inq_…`, `ver_…`) are letters, digits and underscores. The service accepts
 * exactly this shape wherever an id enters (webhook envelopes, URL paths), so every id it stores can be looked up
 * again through GET /decisions/:inquiryId.
 */
export const PERSONA_ID = /^[A-Za-z0-9_-]{1,128}$/;
