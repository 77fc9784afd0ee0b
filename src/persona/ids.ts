/** The longest Persona id the service accepts: intake, path parameters and ids in Persona's answers share it. */
export const PERSONA_ID_MAX_LENGTH = 128;

/**
 * Persona's object ids (`evt_…`, `inq_…`, `ver_…`) are letters, digits and underscores. The service accepts
 * exactly this shape wherever an id enters (webhook envelopes, URL paths, ids in Persona's answers that the client
 * puts into its next request's URL), so every id it stores can be looked up again through GET /decisions/:inquiryId.
 */
export const PERSONA_ID = new RegExp(`^[A-Za-z0-9_-]{1,${PERSONA_ID_MAX_LENGTH}}$`);
